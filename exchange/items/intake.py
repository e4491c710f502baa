"""Intake: an offcut logged in, with a fresh code (or the code of a printed blank label)."""

from __future__ import annotations

from exchange.auth.service import Actor
from exchange.items import queries, schemas
from exchange.items.present import item_out, now_utc
from exchange.items.search import search_text
from exchange.ledger.codes import new_code, parse_code
from exchange.ledger.mass import g_from_kg, resolve_mass
from exchange.ledger.rules import Action, Conflict, EventKind, Invalid, Status, check_occurred_at, next_status
from exchange.messages import _


def estimate(weighed_g, length, width, thickness, quantity, density) -> tuple[int | None, str | None]:
    if weighed_g is None and density is None:
        return None, None  # cardboard, textiles...: weigh rather than estimate
    return resolve_mass(weighed_g, length, width, thickness, quantity, density or 0)


async def fresh_code() -> str:
    """A new random code that no item and no printed blank holds."""
    for _attempt in range(20):
        code = new_code()
        row = await queries.CODE_TAKEN.first(code, code)
        if not row["item"] and not row["blank"]:
            return code
    raise RuntimeError("could not draw a free code")  # 32^7 codes: never in practice


async def intake(actor: Actor, data: schemas.ItemCreate) -> schemas.ItemOut:
    """Log an offcut in. Runs inside run_action's transaction."""
    now = now_utc()
    occurred_at = data.occurred_at or now
    # The category and the workshop in one round trip; unknown ones refused in that order.
    found = await queries.CATEGORY_AND_WORKSHOP.first(data.workshop, data.workshop, data.category)
    if found is None:
        raise Invalid(_("Unknown category '%(slug)s'.", slug=data.category), field="category")
    if found["workshop_id"] is None:
        raise Invalid(_("Unknown workshop '%(slug)s'.", slug=data.workshop), field="workshop")
    # what the actor may do is what their role in the workshop's lieu allows
    role = actor.role_for_item(found["workshop_lieu"], False)
    next_status(Action.intake, Status.available, role=role, actor_id=actor.id, holder_id=None)
    check_occurred_at(occurred_at, now=now, previous=None, role=role)
    category = {"id": found["category_id"], "density_kg_m3": found["density_kg_m3"]}
    workshop = {"id": found["workshop_id"]}
    mass_g, source = estimate(
        None if data.mass_kg is None else g_from_kg(data.mass_kg),
        data.length_mm,
        data.width_mm,
        data.thickness_mm,
        data.quantity,
        category["density_kg_m3"],
    )
    if data.code is not None:
        code = parse_code(data.code)
        if await queries.ITEM_ID_BY_CODE.first(code) is not None:
            raise Conflict(_("The code %(code)s is already claimed by another item.", code=code))
    else:
        code = await fresh_code()
    fields = dict(
        code=code,
        category=category["id"],
        title=data.title.strip(),
        length_mm=data.length_mm,
        width_mm=data.width_mm,
        thickness_mm=data.thickness_mm,
        quantity=data.quantity,
        mass_g=mass_g,
        mass_source=source,
        condition=data.condition,
        origin=data.origin,
        note=data.note,
        status=Status.available.value,
        workshop=workshop["id"],
        created_at=occurred_at,
        last_event_at=occurred_at,
        search=search_text(data.title.strip(), data.note),
    )
    # Prepared inserts: every column written, with the values Item(**fields) and _event() give.
    item_id = await queries.INSERT_ITEM.run(
        {**fields, "parent": None, "reserved_by": None, "reserved_until": None, "photo": None, "version": 0}
    )
    await queries.INSERT_EVENT.run(
        {
            "item": item_id,
            "kind": EventKind.intake.value,
            "occurred_at": occurred_at,
            "recorded_at": now_utc(),
            "member": actor.id,
            "workshop": fields["workshop"],
            "from_workshop": None,
            "category": fields["category"],
            "from_category": None,
            "mass_g": mass_g,
            "mass_before_g": None,
            "loss_g": None,
            "note": data.note,
            "data": "{}",
        }
    )
    return item_out(await queries.item_row(code), actor, now)
