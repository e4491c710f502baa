"""Whom a coordinator administers: a network coordinator, every member; the coordinator of a
lieu, the members of the lieux they coordinate, and nobody else's (DESIGN.md, "A network of
lieux": a lieu's coordinator administers and reads their own lieu only). The members page, a
password reset, closing an account and the login throttles all ask here. On a single lieu
every member is the coordinator's, so nothing changes there."""

from __future__ import annotations

from typing import TYPE_CHECKING

from exchange.auth import queries
from exchange.ledger.rules import Role, role_at_least
from exchange.lieu.lieux import first_lieu_id
from exchange.lieu.queries import lieu_count

if TYPE_CHECKING:  # the service asks here before a reset or a closing
    from exchange.auth.service import Actor
    from exchange.auth.throttle import Throttled


def coordinated_lieux(actor: Actor) -> set[int] | None:
    """The lieux the actor coordinates; None for all of them (a network coordinator, or an actor
    made in code for a single lieu)."""
    if actor.network or actor.roles is None:
        return None
    return {lieu for lieu, role in actor.roles if role_at_least(role, Role.coordinator)}


async def sees_everything(actor: Actor) -> bool:
    """Whether the actor administers every member and address: a network coordinator, or the
    coordinator of the only lieu."""
    return coordinated_lieux(actor) is None or await lieu_count() <= 1


async def members_by_lieu() -> dict[int, tuple[str, set[int]]]:
    """Each member's email and lieux (a member without a membership belongs to the first lieu)."""
    first = await first_lieu_id()
    members: dict[int, tuple[str, set[int]]] = {}
    for row in await queries.member_lieux():
        email, lieux = members.setdefault(row["id"], (row["email"], set()))
        lieux.add(row["lieu"] if row["lieu"] is not None else first)
    return members


async def administered(actor: Actor) -> dict[int, str] | None:
    """The members the actor administers, id to email; None for everyone."""
    if await sees_everything(actor):
        return None
    mine = coordinated_lieux(actor) or set()
    return {member: email for member, (email, lieux) in (await members_by_lieu()).items() if lieux & mine}


async def administers(actor: Actor, member_id: int) -> bool:
    found = await administered(actor)
    return found is None or member_id in found


async def may_close(actor: Actor, member_id: int) -> bool:
    """Closing an account shuts it out of every lieu: only for one who belongs to no lieu but the
    actor's (else a network coordinator's decision)."""
    if await sees_everything(actor):
        return True
    lieux = (await members_by_lieu()).get(member_id, ("", set()))[1]
    return bool(lieux) and lieux <= (coordinated_lieux(actor) or set())


def visible_throttles(mine: dict[int, str] | None, throttled: list[Throttled]) -> list[Throttled]:
    """The throttles one may see who administers `mine` (administered()): the accounts they
    administer (an address, or an email that is nobody's, only for one who administers everyone)."""
    if mine is None:
        return throttled
    emails = set(mine.values())
    return [one for one in throttled if one.email is not None and one.email in emails]


async def may_lift(actor: Actor, email: str | None) -> bool:
    """Lifting a whole address lets in whoever is behind it: for one who administers everyone."""
    mine = await administered(actor)
    return mine is None or (email is not None and email in mine.values())
