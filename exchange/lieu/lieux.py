"""The lieux of the network and the members' roles in them (DESIGN.md, "A network of lieux").

An installation holds at least one lieu (migration m0009 makes an existing installation's data
its first); a single-lieu installation never needs to name it: whatever takes a lieu defaults
to the actor's own, then to the first."""

from __future__ import annotations

import re
import unicodedata
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from exchange.db import write_transaction
from exchange.ledger.geo import check_position
from exchange.ledger.rules import Invalid, Role
from exchange.lieu import queries, schemas
from exchange.messages import _
from exchange.tables import Lieu, Membership

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slug_from_name(name: str) -> str:
    """ "La Fabrique d'Écully" → "la-fabrique-d-ecully" (accents dropped, at most 60 characters)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60].strip("-")
    return slug or "lieu"


def check_time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            _("'%(name)s' is not a known time zone (e.g. Europe/Paris, Indian/Reunion).", name=name), field="time_zone"
        ) from None
    return name


async def list_lieux() -> list[schemas.LieuOut]:
    return [schemas.LieuOut(**row) for row in await queries.lieux()]


async def add_lieu(data: schemas.LieuCreate) -> schemas.LieuOut:
    if not SLUG.match(data.slug):
        raise Invalid(_("A slug is lower-case letters, digits and single hyphens, e.g. fablab-lyon."), field="slug")
    if (data.latitude is None) != (data.longitude is None):
        raise Invalid(_("A position needs both its latitude and its longitude."), field="latitude")
    if data.latitude is not None:
        check_position(data.latitude, data.longitude, field="latitude")
    check_time_zone(data.time_zone)
    out = schemas.LieuOut(
        slug=data.slug,
        name=data.name.strip(),
        city=data.city.strip(),
        latitude=data.latitude,
        longitude=data.longitude,
        time_zone=data.time_zone,
        shares_with_network=data.shares_with_network,
        language=data.language,
    )
    async with write_transaction(Lieu._meta.db):
        if await queries.lieu_exists(data.slug):
            raise Invalid(_("A lieu with the slug '%(slug)s' already exists.", slug=data.slug), field="slug")
        await queries.insert_lieu({name: getattr(out, name) for name in out.__struct_fields__})
    return out


async def lieu_ids() -> dict[str, int]:
    """Every lieu's id by its slug, in the order they were added (few: hundreds at most)."""
    return await queries.lieu_ids()


async def first_lieu_id() -> int:
    row = await queries.first_lieu()
    if row is None:  # pragma: no cover - m0009 makes the first lieu
        raise Invalid(_("This installation has no lieu yet: run `exchange migrate`."), field="lieu")
    return row["id"]


async def lieu_id(slug: str | None, *, default: int | None = None) -> int:
    """The id of the lieu `slug`; without one, `default`, then the first lieu. 422 if unknown."""
    if not slug:
        return default if default is not None else await first_lieu_id()
    found = await queries.lieu_id_of(slug)
    if found is None:
        raise Invalid(_("Unknown lieu '%(slug)s'.", slug=slug), field="lieu")
    return found


async def join_lieu(member_id: int, lieu: int, role: Role) -> None:
    """Give a member a role in a lieu (or change it)."""
    from exchange.auth.service import forget_member_tokens

    forget_member_tokens(member_id)  # the actor kept for their tokens has the old roles
    async with write_transaction(Membership._meta.db):
        await queries.set_role(member_id, lieu, Role(role).value)
