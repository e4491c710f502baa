"""Members, password hashing and tokens. Tokens are random; only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from exchange.auth import throttle
from exchange.db import Prepared
from exchange.ledger.rules import Invalid, LedgerError, Role
from exchange.tables import AuthToken, Member

# argon2id, memory-hard: 64 MiB and 3 passes, about 0.1 s on these machines.
_hasher = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=1)
# Verifying against this keeps an unknown e-mail as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password")

TOKEN_LIFETIME = timedelta(days=30)
MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class Actor:
    """The logged-in member acting."""

    id: int
    name: str
    email: str
    role: Role


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def add_member(email: str, name: str, role: Role, password: str) -> int:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"the password needs at least {MIN_PASSWORD_LENGTH} characters", field="password")
    email = normalize_email(email)
    if "@" not in email:
        raise Invalid("an e-mail address needs an @", field="email")
    if await Member.exists().where(Member.email == email):
        raise Invalid(f"a member with the e-mail {email} already exists", field="email")
    rows = await Member.insert(
        Member(email=email, name=name.strip(), role=Role(role).value, password_hash=hash_password(password))
    ).returning(Member.id)
    return rows[0]["id"]


async def update_member(actor: Actor, member_id: int, *, role: Role, active: bool) -> None:
    """A coordinator changes a member's role or lets them in or out; their sessions end when out."""
    if member_id == actor.id and (role != actor.role or not active):
        raise Invalid("You cannot lower or close your own account: ask another coordinator.", field="role")
    if not await Member.exists().where(Member.id == member_id):
        raise Invalid("No such member.", field="member")
    await Member.update({Member.role: Role(role).value, Member.active: active}).where(Member.id == member_id)
    if not active:
        await AuthToken.delete().where(AuthToken.member == member_id)


async def check_password(email: str, password: str) -> Actor | None:
    row = await Member.select().where((Member.email == normalize_email(email)) & (Member.active == True)).first()  # noqa: E712
    if row is None:
        _verify(_DUMMY_HASH, password)
        return None
    if not _verify(row["password_hash"], password):
        return None
    return Actor(id=row["id"], name=row["name"], email=row["email"], role=Role(row["role"]))


class BadCredentials(LedgerError):
    status_code = 401


class TooManyAttempts(LedgerError):
    status_code = 429


async def log_in(email: str, password: str, address: str) -> Actor:
    """Check a login, counting the tries per account and per address."""
    email = normalize_email(email)
    if not await throttle.attempt(email, address):
        raise TooManyAttempts("Too many failed logins: wait a quarter of an hour, or ask a steward.")
    actor = await check_password(email, password)
    if actor is None:
        raise BadCredentials("Unknown e-mail or wrong password.")
    await throttle.succeeded(email, address)
    return actor


async def issue_token(actor: Actor, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    await AuthToken.insert(
        AuthToken(token_hash=_token_hash(token), member=actor.id, created_at=now, expires_at=now + TOKEN_LIFETIME)
    )
    return token


async def revoke_token(token: str) -> None:
    await AuthToken.delete().where(AuthToken.token_hash == _token_hash(token))


# Every API request looks its token up: the select is built once (exchange.db.Prepared).
_ACTOR_BY_TOKEN_HASH = Prepared(
    AuthToken,
    lambda token_hash: (
        AuthToken.select(
            AuthToken.expires_at,
            AuthToken.member.id,
            AuthToken.member.name,
            AuthToken.member.email,
            AuthToken.member.role,
            AuthToken.member.active,
        )
        .where(AuthToken.token_hash == token_hash)
        .limit(1)
    ),
    1,
)


async def actor_for_token(token: str) -> Actor | None:
    row = await _ACTOR_BY_TOKEN_HASH.first(_token_hash(token))
    if row is None or not row["member.active"] or row["expires_at"] <= datetime.now(UTC):
        return None
    return Actor(id=row["member.id"], name=row["member.name"], email=row["member.email"], role=Role(row["member.role"]))
