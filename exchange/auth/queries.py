"""The auth area's hand-written SQL: the actor of a token (or of a member) with their roles
in each lieu, in one statement, and a login try counted in one statement."""

from __future__ import annotations

from datetime import datetime

from exchange.db import PreparedSQL
from exchange.tables import AuthToken, LoginAttempt, Member

# Every API request looks its token up, with the member's roles in each lieu: one statement,
# one row per membership (a member who belongs to no lieu has one row with no lieu).
# Hand-written SQL run as is (no query built per request).
_ACTOR_SQL = (
    "SELECT t.expires_at, m.id, m.name, m.email, m.role, m.active, m.network_coordinator,"
    " s.lieu AS lieu, s.role AS lieu_role, (SELECT MIN(id) FROM lieu) AS first_lieu"
    " FROM {source} JOIN member m ON m.id = {member}"
    " LEFT JOIN membership s ON s.member = m.id"
    " WHERE {where} ORDER BY s.id"
)
ACTOR_BY_TOKEN_HASH = PreparedSQL(
    AuthToken, _ACTOR_SQL.format(source="auth_token t", member="t.member", where="t.token_hash = {}"), 1
)
ACTOR_BY_ID = PreparedSQL(
    Member, _ACTOR_SQL.format(source="(SELECT NULL AS expires_at) t", member="{}", where="TRUE"), 1
)


# A fixed window that starts at the first try: simple, and enough here.
_COUNT = (
    "INSERT INTO login_attempt (key, count, window_ends) VALUES ({}, 1, {})"
    " ON CONFLICT (key) DO UPDATE SET"
    " count = CASE WHEN login_attempt.window_ends > {} THEN login_attempt.count + 1 ELSE 1 END,"
    " window_ends = CASE WHEN login_attempt.window_ends > {} THEN login_attempt.window_ends ELSE excluded.window_ends END"
    " RETURNING count"
)


async def count_attempt(key: str, now: datetime, window_ends: datetime) -> int:
    """The key's tries in its window, this one included (a new window if the last one is over)."""
    (row,) = await LoginAttempt.raw(_COUNT, key, window_ends, now, now)
    return row["count"]
