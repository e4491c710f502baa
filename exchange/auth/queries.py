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


# -- members


async def member_exists(*, email: str | None = None, member_id: int | None = None) -> bool:
    where = Member.email == email if email is not None else Member.id == member_id
    return await Member.exists().where(where)


async def insert_member(email: str, name: str, role: str, password_hash: str, network_coordinator: bool) -> int:
    rows = await Member.insert(
        Member(
            email=email,
            name=name,
            role=role,
            password_hash=password_hash,
            network_coordinator=network_coordinator,
        )
    ).returning(Member.id)
    return rows[0]["id"]


async def update_member(member_id: int, changes: dict) -> bool:
    """Set `changes` (Member columns to values) on the member; False when there is none."""
    return bool(await Member.update(changes).where(Member.id == member_id).returning(Member.id))


async def password_hash_of(member_id: int) -> str | None:
    row = await Member.select(Member.password_hash).where(Member.id == member_id).first()
    return row and row["password_hash"]


async def member_by_email(email: str, *, active_only: bool = False) -> dict | None:
    """Every column of the member with this (normalised) e-mail; with `active_only`, only if active."""
    where = Member.email == email
    if active_only:
        where = where & (Member.active == True)  # noqa: E712
    return await Member.select().where(where).first()


# -- tokens


async def insert_token(token_hash: str, member_id: int, created_at: datetime, expires_at: datetime) -> None:
    await AuthToken.insert(
        AuthToken(token_hash=token_hash, member=member_id, created_at=created_at, expires_at=expires_at)
    )


async def delete_tokens_of(member_id: int, *, keep_hash: str | None = None) -> int:
    """End the member's sessions (but the one of `keep_hash`); how many ended."""
    ended = AuthToken.delete().where(AuthToken.member == member_id)
    if keep_hash is not None:
        ended = ended.where(AuthToken.token_hash != keep_hash)
    return len(await ended.returning(AuthToken.id))


async def delete_token(token_hash: str) -> None:
    await AuthToken.delete().where(AuthToken.token_hash == token_hash)


async def delete_tokens_expired(now: datetime) -> None:
    await AuthToken.delete().where(AuthToken.expires_at <= now)


# -- login attempts (count_attempt above counts one)


async def forget_attempts(keys: list[str]) -> None:
    await LoginAttempt.delete().where(LoginAttempt.key.is_in(keys))


async def give_back_attempt(key: str) -> None:
    await LoginAttempt.update({LoginAttempt.count: LoginAttempt.count - 1}).where(
        (LoginAttempt.key == key) & (LoginAttempt.count > 0)
    )


async def attempts_over(count: int, now: datetime) -> list[dict]:
    """key, count and window_ends of the windows still open with more than `count` tries, latest first."""
    return (
        await LoginAttempt.select(LoginAttempt.key, LoginAttempt.count, LoginAttempt.window_ends)
        .where((LoginAttempt.window_ends > now) & (LoginAttempt.count > count))
        .order_by(LoginAttempt.window_ends, ascending=False)
    )


async def attempt_keys_like(pattern: str) -> list[str]:
    return [row["key"] for row in await LoginAttempt.select(LoginAttempt.key).where(LoginAttempt.key.like(pattern))]


async def forget_past_attempts(now: datetime) -> None:
    await LoginAttempt.delete().where(LoginAttempt.window_ends <= now)


async def member_lieux() -> list[dict]:
    """Every member's id, email and the lieu of each of their memberships (lieu None for a
    member without any: one written before the network, whose lieu is the first)."""
    return await Member.raw(
        "SELECT m.id, m.email, ms.lieu FROM member m LEFT JOIN membership ms ON ms.member = m.id ORDER BY m.id"
    )
