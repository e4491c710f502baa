"""Whose figures: one lieu's, in its own time zone, over its own workshops (DESIGN.md,
"Figures across lieux"). On an installation of one lieu, the lieu's workshops are every
workshop and its SQL is the single lieu's as it was (no filter)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from exchange.auth.service import Actor
from exchange.ledger.rules import Forbidden, Role, role_at_least
from exchange.lieu import queries as lieu_queries
from exchange.lieu.lieux import lieu_id
from exchange.messages import _


@dataclass(frozen=True)
class LieuScope:
    id: int
    slug: str
    timezone: str
    workshops: frozenset[int]
    alone: bool  # the installation's only lieu: every workshop is its own

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def holds(self, workshop: int) -> bool:
        return self.alone or workshop in self.workshops


async def lieu_scope(slug: str | None = None, actor: Actor | None = None) -> LieuScope:
    """The lieu `slug`, by default the actor's own, then the first (a 422 if unknown)."""
    wanted = await lieu_id(slug, default=actor.lieu if actor is not None else None)
    lieux = await lieu_queries.time_zones()
    row = next(r for r in lieux if r["id"] == wanted)
    first = lieux[0]["id"]
    workshops = await lieu_queries.workshop_lieu_ids()
    mine = frozenset(w["id"] for w in workshops if (w["lieu"] if w["lieu"] is not None else first) == wanted)
    return LieuScope(row["id"], row["slug"], row["time_zone"], mine, alone=len(lieux) == 1)


async def all_lieux() -> list[LieuScope]:
    """Every lieu's scope, in the order they were added (the network's figures)."""
    return [await lieu_scope(r["slug"]) for r in await lieu_queries.time_zones()]


def check_reader(actor: Actor | None, scope: LieuScope, minimum: Role = Role.member) -> None:
    """A lieu's figures are read by its members (exported by its coordinators) and by the
    network coordinator; a lieu's coordinator reads their own lieu only."""
    if actor is None or actor.network:
        return  # the guard let in only who may read figures at all
    role = actor.role_in(scope.id)
    if role is None or not role_at_least(role, minimum):
        raise Forbidden(_("These are another lieu's figures: only its members and the network read them."))
