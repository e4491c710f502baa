"""Attempts at logging in, counted in the database: every worker of the server (and every
server of one database) counts the same tries. Past a limit, wait for the window to end.

Tries are counted per account *and* address together, plus a wider ceiling per address: a
guesser elsewhere slows down their own pair only, so the right password from the member's own
address still works after someone else's wrong guesses (an account-wide limit let anyone lock
any member out). Each attempt is counted before its password is checked, one statement per
key, and given back when the password is right: twenty guesses sent at once are twenty tries,
not twenty checks against a count that none of them has raised yet. Refused tries count too.
A coordinator sees the throttled pairs and can lift them (`throttled`, `lift`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from exchange.auth import queries
from exchange.db import write_transaction
from exchange.tables import LoginAttempt

WINDOW = timedelta(minutes=15)
PER_ACCOUNT = 5  # per account and address: a guessed password, not a forgotten one, needs more than five
PER_ADDRESS = 30  # a workshop's shared connection has many members behind one address


def _pair(email: str, address: str) -> str:
    return f"pair:{address}|{email}"


def _address(address: str) -> str:
    return f"address:{address}"


async def _count(key: str, now: datetime) -> int:
    return await queries.count_attempt(key, now, now + WINDOW)


async def attempt(email: str, address: str) -> bool:
    """Count one try; False past either limit (its password is then not checked)."""
    now = datetime.now(UTC)
    async with write_transaction(LoginAttempt._meta.db):
        pair = await _count(_pair(email, address), now)
        by_address = await _count(_address(address), now)
    return pair <= PER_ACCOUNT and by_address <= PER_ADDRESS


async def succeeded(email: str, address: str) -> None:
    """The password was right: this pair starts afresh, the address gets its try back."""
    async with write_transaction(LoginAttempt._meta.db):
        await queries.forget_attempts([_pair(email, address)])
        await queries.give_back_attempt(_address(address))


@dataclass(frozen=True)
class Throttled:
    """An account (or, with email None, a whole address) refused until `until`."""

    email: str | None
    address: str
    tries: int
    until: datetime


async def throttled(now: datetime | None = None) -> list[Throttled]:
    """Whoever is refused right now, the latest window first."""
    now = now or datetime.now(UTC)
    rows = await queries.attempts_over(PER_ACCOUNT, now)
    found = []
    for row in rows:
        kind, _, rest = row["key"].partition(":")
        if kind == "pair":
            address, _, email = rest.partition("|")
            found.append(Throttled(email, address, row["count"], row["window_ends"]))
        elif kind == "address" and row["count"] > PER_ADDRESS:
            found.append(Throttled(None, rest, row["count"], row["window_ends"]))
    return found


async def lift(email: str | None, address: str | None = None) -> int:
    """A coordinator lets an account in again (from every address, or one) or a whole address."""
    if email is None and address is None:
        return 0
    async with write_transaction(LoginAttempt._meta.db):
        if email is None:
            keys = [_address(address)]
        else:
            keys = [
                key
                for key in await queries.attempt_keys_like("pair:%")
                if key.partition("|")[2] == email and (address is None or key == _pair(email, address))
            ]
        if not keys:
            return 0
        await queries.forget_attempts(keys)
    return len(keys)


async def forget_past(now: datetime | None = None) -> None:
    """Drop the windows that have ended (the server's housekeeping)."""
    async with write_transaction(LoginAttempt._meta.db):
        await queries.forget_past_attempts(now or datetime.now(UTC))
