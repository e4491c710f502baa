"""Whose figures: one lieu's, in its own time zone, over its own workshops (DESIGN.md,
"Figures across lieux"). On an installation of one lieu, the lieu's workshops are every
workshop and its SQL is the single lieu's as it was (no filter)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from exchange.auth.service import Actor
from exchange.ledger.rules import Forbidden, Role
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
    # A time zone's lieux at once (by_time_zone): their cells are keyed by lieu, not workshop.
    lieux: frozenset[int] | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def holds(self, key: int) -> bool:
        """Whether a cell's workshop (or lieu, for a time zone's lieux) is in scope."""
        if self.lieux is not None:
            return self.alone or key in self.lieux
        return self.alone or key in self.workshops


async def lieu_scope(slug: str | None = None, actor: Actor | None = None) -> LieuScope:
    """The lieu `slug`, by default the actor's own, then the first (a 422 if unknown)."""
    wanted = await lieu_id(slug, default=actor.lieu if actor is not None else None)
    return (await _scopes(wanted))[0]


async def all_lieux() -> list[LieuScope]:
    """Every lieu's scope, in the order they were added (the network's figures)."""
    return await _scopes()


async def _scopes(wanted: int | None = None) -> list[LieuScope]:
    """The scope of the lieu `wanted`, or of every lieu: the lieux and workshops read once
    (at 300 lieux, once per lieu was 600 queries and 1.5 s of a network's month)."""
    lieux = await lieu_queries.time_zones()
    first = lieux[0]["id"]
    workshops: dict[int, set[int]] = defaultdict(set)
    for w in await lieu_queries.workshop_lieu_ids():
        workshops[w["lieu"] if w["lieu"] is not None else first].add(w["id"])
    return [
        LieuScope(row["id"], row["slug"], row["time_zone"], frozenset(workshops[row["id"]]), alone=len(lieux) == 1)
        for row in lieux
        if wanted is None or row["id"] == wanted
    ]


def by_time_zone(lieux: list[LieuScope]) -> list[tuple[LieuScope, list[LieuScope]]]:
    """Every lieu (all_lieux) grouped by time zone, each group with one scope over all its
    workshops (their month is the same: one read of the ledger serves them all, its cells keyed
    by lieu). The only group is `alone`: every workshop is its."""
    zones: dict[str, list[LieuScope]] = defaultdict(list)
    for lieu in lieux:
        zones[lieu.timezone].append(lieu)
    return [
        (
            LieuScope(
                0,
                "",
                zone,
                frozenset().union(*(lieu.workshops for lieu in group)),
                alone=len(zones) == 1,
                lieux=frozenset(lieu.id for lieu in group),
            ),
            group,
        )
        for zone, group in zones.items()
    ]


def reads(actor: Actor, scope: LieuScope, minimum: Role = Role.member) -> bool:
    """A lieu's figures are read by its members (exported by its coordinators: `minimum`) and
    by the network coordinator; a lieu's coordinator reads their own lieu only."""
    return actor.holds(scope.id, minimum)


def check_reader(actor: Actor | None, scope: LieuScope, minimum: Role = Role.member) -> None:
    """A 403 for whom `reads` refuses (no actor: the guard let in only who may read figures)."""
    if actor is not None and not reads(actor, scope, minimum):
        raise Forbidden(_("These are another lieu's figures: only its members and the network read them."))


async def exported_lieu(slug: str | None, actor: Actor | None) -> LieuScope:
    """The lieu whose figures `actor` exports or prints: `slug`, by default their own lieu;
    for its coordinators and the network coordinator only (a 403 for anyone else)."""
    where = await lieu_scope(slug or None, actor)
    check_reader(actor, where, Role.coordinator)
    return where
