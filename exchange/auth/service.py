"""Members, password hashing and tokens. Tokens are random; only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from exchange.auth import administered, queries, throttle
from exchange.db import write_transaction
from exchange.ledger.rules import Forbidden, Invalid, LedgerError, Role, role_at_least
from exchange.messages import _
from exchange.tables import Member

# argon2id, memory-hard: 64 MiB and 3 passes, about 0.1 s on these machines.
_hasher = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=1)
# Verifying against this keeps an unknown e-mail as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password")

TOKEN_LIFETIME = timedelta(days=30)
MIN_PASSWORD_LENGTH = 10
# What a closed account's password becomes: no password verifies against it, so reopening the
# account does not bring the old one back (a coordinator sets a new one).
CLOSED_PASSWORD = "!closed"


@dataclass(frozen=True)
class Actor:
    """The logged-in member acting: `role` in their own lieu (`lieu`, their first), `roles`
    in each lieu they belong to ((lieu id, role) pairs), `network` for a network coordinator.

    `roles` None is an actor made in code for a single lieu (the demo, tests): `role` everywhere."""

    id: int
    name: str
    email: str
    role: Role
    lieu: int | None = None
    roles: tuple[tuple[int, Role], ...] | None = None
    network: bool = False

    def role_in(self, lieu: int | None) -> Role | None:
        """The actor's role in a lieu; None when they do not belong to it."""
        if self.roles is None:
            return self.role
        for lieu_id, role in self.roles:
            if lieu_id == lieu:
                return role
        return None

    def holds(self, lieu: int | None, minimum: Role) -> bool:
        """Whether the actor holds `minimum` or above in `lieu` (a network coordinator holds a
        coordinator's role in every lieu, for what is not an item's: figures, printers)."""
        if self.network:
            return True
        role = self.role_in(lieu)
        return role is not None and role_at_least(role, minimum)

    def role_for_item(self, lieu: int | None, shares_with_network: bool) -> Role:
        """What the actor may do to an item of `lieu`: their role there; a member of another lieu
        acts as a member on the items of a lieu that shares with the network (reserve, release
        their own reservation, use it); anyone else is refused (403). An item whose workshop
        names no lieu (written in bulk, before the network) is the first lieu's: `role`."""
        if lieu is None:
            return self.role
        role = self.role_in(lieu)
        if role is not None:
            return role
        if shares_with_network and (self.roles is None or self.roles):
            return Role.member
        raise Forbidden(_("This item belongs to a lieu you are not a member of, and that lieu does not share it."))

    def highest_role(self) -> Role | None:
        """The highest role held in any lieu (what the permission table's guard first checks)."""
        if self.roles is None:
            return self.role
        return max((role for _, role in self.roles), key=list(Role).index, default=None)


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


def check_new_password(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(_("the password needs at least %(n)s characters", n=MIN_PASSWORD_LENGTH), field=field)
    if len(password) > 1024:
        raise Invalid(_("the password is longer than 1024 characters"), field=field)


async def add_member(
    email: str, name: str, role: Role, password: str, *, lieu: int | None = None, network: bool = False
) -> int:
    """A new member with `role` in `lieu` (default: the first lieu); `network` makes a network
    coordinator, who belongs to no lieu unless `lieu` is given."""
    from exchange.lieu.lieux import first_lieu_id, join_lieu

    check_new_password(password)
    email = normalize_email(email)
    if "@" not in email:
        raise Invalid(_("an e-mail address needs an @"), field="email")
    if await queries.member_exists(email=email):
        raise Invalid(_("a member with the e-mail %(email)s already exists", email=email), field="email")
    member_id = await queries.insert_member(email, name.strip(), Role(role).value, hash_password(password), network)
    if lieu is not None or not network:
        await join_lieu(member_id, lieu if lieu is not None else await first_lieu_id(), role)
    return member_id


async def update_member(actor: Actor, member_id: int, *, role: Role, active: bool) -> None:
    """A coordinator changes a member's role in the coordinator's own lieu, or lets them in or
    out; their sessions end when out."""
    from exchange.lieu.lieux import first_lieu_id, join_lieu

    if member_id == actor.id and (role != actor.role or not active):
        raise Invalid(_("You cannot lower or close your own account: ask another coordinator."), field="role")
    if not await queries.member_exists(member_id=member_id):
        raise Invalid(_("No such member."), field="member")
    if not active and not await administered.may_close(actor, member_id):
        raise Forbidden(_("This member also belongs to another lieu: a network coordinator can close the account."))
    lieu = actor.lieu if actor.lieu is not None else await first_lieu_id()
    await join_lieu(member_id, lieu, role)
    # the member's own role follows when this is their own (first) lieu
    own = await actor_of_member(member_id)
    changes = {Member.active: active}
    if own is None or own.lieu in (None, lieu):
        changes[Member.role] = Role(role).value
    if not active:
        changes[Member.password_hash] = CLOSED_PASSWORD
    async with write_transaction(Member._meta.db):
        await queries.update_member(member_id, changes)
        if not active:
            await queries.delete_tokens_of(member_id)
    forget_member_tokens(member_id)  # the kept role, or the whole session, is gone now


async def set_password(member_id: int, password: str, *, keep_token: str | None = None) -> int:
    """A new password for a member; every session of theirs ends but `keep_token` (the one it
    was changed with). The number of sessions ended."""
    check_new_password(password, field="new_password")
    new_hash = hash_password(password)
    async with write_transaction(Member._meta.db):
        if not await queries.update_member(member_id, {Member.password_hash: new_hash}):
            raise Invalid(_("No such member."), field="member")
        count = await queries.delete_tokens_of(
            member_id, keep_hash=_token_hash(keep_token) if keep_token is not None else None
        )
    forget_member_tokens(member_id)  # the ended sessions are no longer kept either
    return count


async def reset_password(actor: Actor, member_id: int, password: str) -> int:
    """A coordinator sets a new password for a member of their lieu (a network coordinator, for
    anyone); every session of that member ends. The number of sessions ended."""
    if not await queries.member_exists(member_id=member_id):
        raise Invalid(_("No such member."), field="member")
    if not await administered.administers(actor, member_id):
        raise Forbidden(_("This member is not in your lieu."))
    return await set_password(member_id, password)


async def change_own_password(actor: Actor, current_password: str, new_password: str, token: str | None) -> None:
    password_hash = await queries.password_hash_of(actor.id)
    if password_hash is None or not _verify(password_hash, current_password):
        raise Invalid(_("the current password is wrong"), field="current_password")
    await set_password(actor.id, new_password, keep_token=token)


async def set_password_by_email(email: str, password: str) -> int:
    """From the shell (`exchange user password`): the number of sessions ended."""
    row = await queries.member_by_email(normalize_email(email))
    if row is None:
        raise Invalid(_("no member has the e-mail %(email)s", email=normalize_email(email)), field="email")
    return await set_password(row["id"], password)


async def forget_expired_tokens(now: datetime | None = None) -> None:
    """The server's housekeeping: sessions and tokens past their end are deleted."""
    await queries.delete_tokens_expired(now or datetime.now(UTC))


async def check_password(email: str, password: str) -> Actor | None:
    row = await queries.member_by_email(normalize_email(email), active_only=True)
    if row is None:
        _verify(_DUMMY_HASH, password)
        return None
    if not _verify(row["password_hash"], password):
        return None
    return await actor_of_member(row["id"])


class BadCredentials(LedgerError):
    status_code = 401


class TooManyAttempts(LedgerError):
    status_code = 429


async def log_in(email: str, password: str, address: str) -> Actor:
    """Check a login, counting the tries per account and per address."""
    email = normalize_email(email)
    if not await throttle.attempt(email, address):
        raise TooManyAttempts(_("Too many failed logins from here: wait a quarter of an hour, or ask a coordinator."))
    actor = await check_password(email, password)
    if actor is None:
        raise BadCredentials(_("Unknown e-mail or wrong password."))
    await throttle.succeeded(email, address)
    return actor


async def issue_token(actor: Actor, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    await queries.insert_token(_token_hash(token), actor.id, now, now + TOKEN_LIFETIME)
    return token


async def revoke_token(token: str) -> None:
    _ACTORS.pop(_token_hash(token), None)
    await queries.delete_token(_token_hash(token))


def _actor_from_rows(rows: list[dict]) -> Actor:
    first = rows[0]
    roles = tuple((row["lieu"], Role(row["lieu_role"])) for row in rows if row["lieu"] is not None)
    if not roles and not first["network_coordinator"] and first["first_lieu"] is not None:
        # a member written without a membership (before the network, or by a bulk import):
        # their role is the one they hold in the installation's first lieu
        roles = ((first["first_lieu"], Role(first["role"])),)
    return Actor(
        id=first["id"],
        name=first["name"],
        email=first["email"],
        role=Role(first["role"]),
        lieu=roles[0][0] if roles else None,
        roles=roles,
        network=bool(first["network_coordinator"]),
    )


async def actor_of_member(member_id: int) -> Actor | None:
    rows = await queries.ACTOR_BY_ID.rows(member_id)
    return _actor_from_rows(rows) if rows else None


# The actor of each token, kept for a few seconds: a logged-in request then costs no token
# query (20 µs of CPU in-process, against 1 µs from here; 2026-12-01). Revocation stays exact
# in this process: logging out, closing an account, changing a role, a membership or a
# password forget the member's tokens here first (forget_member_tokens). Another worker
# (`exchange serve --workers N`) sees it within ACTOR_CACHE_SECONDS, when it looks the token
# up again; an expired token is refused at once from the copy.
ACTOR_CACHE_SECONDS = 5.0
ACTOR_CACHE_SIZE = 4096
_ACTORS: dict[str, tuple[float, Actor | None, datetime | None]] = {}


def forget_member_tokens(member_id: int | None = None) -> None:
    """Drop the kept actors of one member's tokens (or of every token)."""
    if member_id is None:
        _ACTORS.clear()
        return
    for token_hash, (_until, actor, _expires) in list(_ACTORS.items()):
        if actor is not None and actor.id == member_id:
            del _ACTORS[token_hash]


async def _lookup_token(token_hash: str) -> tuple[Actor | None, datetime | None]:
    rows = await queries.ACTOR_BY_TOKEN_HASH.rows(token_hash)
    if not rows or not rows[0]["active"]:
        return None, None
    expires_at = rows[0]["expires_at"]
    if isinstance(expires_at, str):  # SQLite hands a hand-written select's time back as text
        expires_at = datetime.fromisoformat(expires_at)
    return _actor_from_rows(rows), expires_at


async def actor_for_token(token: str) -> Actor | None:
    token_hash = _token_hash(token)
    now = time.monotonic()
    kept = _ACTORS.get(token_hash)
    if kept is not None and kept[0] > now:
        _until, actor, expires_at = kept
    else:
        actor, expires_at = await _lookup_token(token_hash)
        if len(_ACTORS) >= ACTOR_CACHE_SIZE:
            _ACTORS.clear()  # bounded: a flood of made-up tokens cannot grow it
        _ACTORS[token_hash] = (now + ACTOR_CACHE_SECONDS, actor, expires_at)
    if actor is None or expires_at is None or expires_at <= datetime.now(UTC):
        return None
    return actor
