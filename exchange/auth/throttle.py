"""Attempts at logging in, counted per account and per address in the database: every worker
of the server (and every server of one database) counts the same tries. Past the limit, wait.

Each attempt is counted before its password is checked, one statement per key, and given back
when the password is right: twenty guesses sent at once are twenty tries, not twenty checks
against a count that none of them has raised yet. Refused tries count too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from exchange.db import write_transaction
from exchange.tables import LoginAttempt

WINDOW = timedelta(minutes=15)
PER_ACCOUNT = 5  # a guessed password, not a forgotten one, needs more than five tries
PER_ADDRESS = 30  # a workshop's shared connection has many members behind one address

# A fixed window that starts at the first try: simple, and enough here.
_COUNT = (
    "INSERT INTO login_attempt (key, count, window_ends) VALUES ({}, 1, {})"
    " ON CONFLICT (key) DO UPDATE SET"
    " count = CASE WHEN login_attempt.window_ends > {} THEN login_attempt.count + 1 ELSE 1 END,"
    " window_ends = CASE WHEN login_attempt.window_ends > {} THEN login_attempt.window_ends ELSE excluded.window_ends END"
    " RETURNING count"
)


def _account(email: str) -> str:
    return f"account:{email}"


def _address(address: str) -> str:
    return f"address:{address}"


async def _count(key: str, now: datetime) -> int:
    (row,) = await LoginAttempt.raw(_COUNT, key, now + WINDOW, now, now)
    return row["count"]


async def attempt(email: str, address: str) -> bool:
    """Count one try; False past either limit (its password is then not checked)."""
    now = datetime.now(UTC)
    async with write_transaction(LoginAttempt._meta.db):
        account = await _count(_account(email), now)
        by_address = await _count(_address(address), now)
    return account <= PER_ACCOUNT and by_address <= PER_ADDRESS


async def succeeded(email: str, address: str) -> None:
    """The password was right: the account starts afresh, the address gets its try back."""
    async with write_transaction(LoginAttempt._meta.db):
        await LoginAttempt.delete().where(LoginAttempt.key == _account(email))
        await LoginAttempt.update({LoginAttempt.count: LoginAttempt.count - 1}).where(
            (LoginAttempt.key == _address(address)) & (LoginAttempt.count > 0)
        )


async def forget_past(now: datetime | None = None) -> None:
    """Drop the windows that have ended (the server's housekeeping)."""
    async with write_transaction(LoginAttempt._meta.db):
        await LoginAttempt.delete().where(LoginAttempt.window_ends <= (now or datetime.now(UTC)))
