"""Helpers for the network tests: a second and a third lieu with their workshops and members.
No tests in this module."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from conftest import PASSWORD

from exchange.auth.service import Actor, actor_of_member, add_member, issue_token
from exchange.ledger.rules import Role
from exchange.lieu import schemas
from exchange.lieu.lieux import add_lieu, join_lieu, lieu_id
from exchange.tables import Member, Workshop

LYON = schemas.LieuCreate(
    slug="fablab-lyon", name="Fablab de Lyon", city="Lyon", latitude=45.764, longitude=4.8357, time_zone="Europe/Paris"
)
REUNION = schemas.LieuCreate(
    slug="ressourcerie-974",
    name="Ressourcerie",
    city="Saint-Denis",
    latitude=-20.8823,
    longitude=55.4504,
    time_zone="Indian/Reunion",
)
PRIVATE = schemas.LieuCreate(
    slug="atelier-prive", name="Atelier privé", city="Villeurbanne", latitude=45.77, longitude=4.88,
    shares_with_network=False,
)  # fmt: skip


@dataclass
class OtherLieu:
    slug: str
    workshop: str
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


async def other_lieu(data: schemas.LieuCreate, workshop: str, roles=("member", "steward", "coordinator")) -> OtherLieu:
    """A lieu with one workshop and a member of each role (members are kept between tests:
    made once per engine, given their role again in the new lieu)."""
    await add_lieu(data)
    lieu = await lieu_id(data.slug)
    await Workshop.insert(Workshop(slug=workshop, name=workshop.title(), lieu=lieu))
    other = OtherLieu(slug=data.slug, workshop=workshop)
    for role in roles:
        email = f"{role}@{data.slug}.example"
        row = await Member.select(Member.id).where(Member.email == email).first()
        if row is None:
            member = await add_member(email, f"{role.title()} of {data.slug}", Role(role), PASSWORD, lieu=lieu)
        else:
            member = row["id"]
            await join_lieu(member, lieu, Role(role))
        other.ids[role] = member
        other.tokens[role] = await issue_token(await actor_of_member(member))
    return other


_racer_serial = itertools.count()


async def new_members(count: int, tag: str, lieux: list[int] = ()) -> list[tuple[int, str]]:
    """`count` new members (id, token), for the tests where many people act at once: the n-th
    belongs to lieux[n % len(lieux)] as a plain member, or to no lieu when `lieux` is empty.
    No password (hashing one costs about 50 ms), so they act through their token only."""
    members = []
    for n in range(count):
        serial = next(_racer_serial)
        row = await Member.insert(
            Member(email=f"{tag}{serial}@lieu.example", name=f"{tag} {n}", role="member", password_hash="-")
        ).returning(Member.id)
        member = row[0]["id"]
        if lieux:
            await join_lieu(member, lieux[n % len(lieux)], Role.member)
        actor = Actor(id=member, name=f"{tag} {n}", email="", role=Role.member)
        members.append((member, await issue_token(actor)))
    return members
