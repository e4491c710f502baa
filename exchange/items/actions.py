"""The ledger's actions on an item that exists: each reads the item, applies the pure rules,
and writes the item's change and its event in one write transaction (run_action's). A
conditional update on the item's `version` makes sure that of two people acting at once
exactly one wins."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from exchange.auth.service import Actor
from exchange.db import write_transaction
from exchange.items import queries, schemas
from exchange.items.intake import estimate, fresh_code
from exchange.items.present import effective_status, item_out, kg, now_utc
from exchange.items.search import search_text
from exchange.ledger.codes import parse_code
from exchange.ledger.mass import g_from_kg
from exchange.ledger.rules import (
    DEFAULT_RESERVATION_HOURS,
    Action,
    Conflict,
    EventKind,
    Invalid,
    Role,
    Status,
    check_occurred_at,
    next_status,
)
from exchange.ledger.split import PieceSpec, plan_split
from exchange.messages import _
from exchange.settings import get_settings
from exchange.tables import Event, Item


async def _category(slug: str) -> dict:
    row = await queries.CATEGORY.first(slug)
    if row is None:
        raise Invalid(_("Unknown category '%(slug)s'.", slug=slug), field="category")
    return row


async def _workshop(slug: str) -> dict:
    row = await queries.WORKSHOP.first(slug)
    if row is None:
        raise Invalid(_("Unknown workshop '%(slug)s'.", slug=slug), field="workshop")
    return row


def _event(item_id: int, kind: EventKind, occurred_at: datetime, actor: Actor | None, row: dict, **fields) -> Event:
    return Event(
        item=item_id,
        kind=kind.value,
        occurred_at=occurred_at,
        recorded_at=now_utc(),
        member=actor.id if actor else None,
        workshop=fields.pop("workshop", row["workshop"]),
        category=fields.pop("category", row["category"]),
        mass_g=fields.pop("mass_g", row["mass_g"]),
        data=json.dumps(fields.pop("data", {})),
        **fields,
    )


async def _expire(row: dict, at: datetime) -> dict:
    """Write the release a reservation over by `at` is owed, dated at its expiry."""
    if effective_status(row, at) is Status.reserved or row["status"] != Status.reserved:
        return row
    until = row["reserved_until"]
    changes = {Item.status: Status.available.value, Item.reserved_by: None, Item.reserved_until: None}
    await _update(row, until, changes)
    await queries.insert_event(_event(row["id"], EventKind.release, until, None, row, note="reservation expired"))
    return await queries.item_row(row["code"])


async def expire_reservations(now: datetime | None = None) -> int:
    """Release every reservation past its expiry; returns how many."""
    now = now or now_utc()
    released = 0
    for code in await queries.codes_reserved_until(now):
        try:
            async with write_transaction(Item._meta.db):
                before = await queries.item_row(code)
                after = await _expire(before, now)
                released += after is not before
        except Conflict:
            continue  # someone acted on it meanwhile; their action wrote the release
    return released


@dataclass
class Change:
    """What an action does to the item row and what its event records."""

    item: dict[Any, Any]
    event: dict[str, Any]


async def _act(
    actor: Actor,
    raw_code: str,
    action: Action,
    occurred_at: datetime | None,
    change: Callable[[dict, Status, datetime], Awaitable[Change]],
    rule_role: Role | None = None,
) -> dict:
    """The common path of every action on an existing item; runs inside run_action's transaction.

    `rule_role` stands in for the actor's role in the transition rules, for a step that
    another, already checked action implies (the cut in "I used part of it")."""
    now = now_utc()
    when = occurred_at or now
    # Over by the time of this action (a backdated one may come before the expiry).
    row = await _expire(await queries.item_row(parse_code(raw_code)), when)
    # what the actor may do to the item is what their role in the item's lieu allows
    role = actor.role_for_item(row["lieu_id"], bool(row["lieu_shares"]))
    status = next_status(
        action, Status(row["status"]), role=rule_role or role, actor_id=actor.id, holder_id=row["reserved_by"]
    )
    check_occurred_at(when, now=now, previous=row["last_event_at"], role=role)
    done = await change(row, status, when)
    await _update(row, when, {Item.status: status.value, **done.item})
    after = {**row, **{column._meta.name: value for column, value in done.item.items()}}
    await queries.insert_event(_event(row["id"], EventKind(action.value), when, actor, after, **done.event))
    return row


async def _update(row: dict, when: datetime, changes: dict[Any, Any]) -> None:
    """The item's row changed as of `when`, if nobody else changed it since it was read."""
    if not await queries.update_item_if_version(row["id"], row["version"], {Item.last_event_at: when, **changes}):
        raise Conflict(_("Someone else acted on this item at the same moment; look again."))


def _check_move(row: dict, target: dict) -> None:
    if target["id"] == row["workshop"]:
        raise Invalid(_("This item is already in %(workshop)s.", workshop=target["name"]), field="workshop")
    if row["lieu_id"] is not None and target["lieu"] is not None and target["lieu"] != row["lieu_id"]:
        raise Invalid(
            _("%(workshop)s is in another lieu: transfer the item there instead.", workshop=target["name"]),
            field="workshop",
        )


def _check_transfer(row: dict, target: dict) -> None:
    if target["lieu"] is None or row["lieu_id"] is None or target["lieu"] == row["lieu_id"]:
        raise Invalid(
            _("%(workshop)s is in the item's own lieu: move the item there instead.", workshop=target["name"]),
            field="workshop",
        )


async def _relocate(
    actor: Actor, raw_code: str, action: Action, body: schemas.MoveIn | schemas.TransferIn, check: Callable
) -> schemas.ItemOut:
    """The item to the workshop `body.workshop` (`check` says whether it may go there); the
    event records where from."""

    async def change(row, status, when):
        target = await _workshop(body.workshop)
        check(row, target)
        return Change(
            {Item.workshop: target["id"]},
            {"workshop": target["id"], "from_workshop": row["workshop"], "note": body.note},
        )

    row = await _act(actor, raw_code, action, body.occurred_at, change)
    return item_out(await queries.item_row(row["code"]), actor, now_utc())


async def move(actor: Actor, raw_code: str, body: schemas.MoveIn) -> schemas.ItemOut:
    """To another workshop of the item's lieu (to another lieu's: a transfer)."""
    return await _relocate(actor, raw_code, Action.move, body, _check_move)


async def transfer(actor: Actor, raw_code: str, body: schemas.TransferIn) -> schemas.ItemOut:
    """To a workshop of another lieu, by a steward of the sending lieu: the item keeps its
    code, label, status and holder; its ledger records a `transfer` with the mass."""
    return await _relocate(actor, raw_code, Action.transfer, body, _check_transfer)


async def reserve(actor: Actor, raw_code: str, body: schemas.ReserveIn) -> schemas.ItemOut:
    async def change(row, status, when):
        if row["reserved_by"] != actor.id:  # a new hold, not one's own extended
            limit = get_settings().max_reservations
            if await queries.reservations_held(actor.id, when) >= limit:
                raise Conflict(
                    _(
                        "You already hold %(n)s reservations, the most one member may hold at once: release one first.",
                        n=limit,
                    )
                )
        # A backdated reservation may already be over: the expiry then writes its release.
        until = when + timedelta(hours=body.hours or DEFAULT_RESERVATION_HOURS)
        return Change(
            {Item.reserved_by: actor.id, Item.reserved_until: until},
            {"note": body.note, "data": {"until": until.isoformat()}},
        )

    row = await _act(actor, raw_code, Action.reserve, body.occurred_at, change)
    return item_out(await queries.item_row(row["code"]), actor, now_utc())


async def _ending(actor: Actor, raw_code: str, action: Action, occurred_at, note: str, data: dict) -> schemas.ItemOut:
    async def change(row, status, when):
        return Change({Item.reserved_by: None, Item.reserved_until: None}, {"note": note, "data": data})

    row = await _act(actor, raw_code, action, occurred_at, change)
    return item_out(await queries.item_row(row["code"]), actor, now_utc())


async def release(actor: Actor, raw_code: str, body: schemas.ReleaseIn) -> schemas.ItemOut:
    return await _ending(actor, raw_code, Action.release, body.occurred_at, body.note, {})


async def use(actor: Actor, raw_code: str, body: schemas.UseIn) -> schemas.ItemOut:
    data = {"project": body.project} if body.project else {}
    return await _ending(actor, raw_code, Action.use, body.occurred_at, body.note, data)


async def recycle(actor: Actor, raw_code: str, body: schemas.RecycleIn) -> schemas.ItemOut:
    data = {"channel": body.channel} if body.channel else {}
    return await _ending(actor, raw_code, Action.recycle, body.occurred_at, body.note, data)


async def discard(actor: Actor, raw_code: str, body: schemas.DiscardIn) -> schemas.ItemOut:
    return await _ending(actor, raw_code, Action.discard, body.occurred_at, body.note, {})


async def adjust(actor: Actor, raw_code: str, body: schemas.AdjustIn) -> schemas.ItemOut:
    if not body.note.strip():
        raise Invalid(_("An adjustment says why in a note."), field="note")

    async def change(row, status, when):
        updates: dict[Any, Any] = {}
        before: dict[str, Any] = {}
        for name in ("title", "length_mm", "width_mm", "thickness_mm"):
            value = getattr(body, name)
            if value is not None and value != row[name]:
                updates[getattr(Item, name)] = value
                before[name] = row[name]
        if Item.title in updates:
            updates[Item.search] = search_text(body.title, row["note"])
        category_id, density = row["category"], None
        if body.category is not None:
            category = await _category(body.category)
            if category["id"] != row["category"]:
                updates[Item.category] = category_id = category["id"]
                before["category"] = row["category_slug"]
            density = category["density_kg_m3"]
        else:
            density = await queries.category_density(row["category"])
        dims = {name: updates.get(getattr(Item, name), row[name]) for name in ("length_mm", "width_mm", "thickness_mm")}
        if body.mass_kg is not None:
            mass_g, source = g_from_kg(body.mass_kg), "weighed"
        elif row["mass_source"] == "weighed":
            mass_g, source = row["mass_g"], "weighed"  # a weighing stays true when a label is corrected
        else:
            mass_g, source = estimate(None, *dims.values(), row["quantity"], density)
        if mass_g != row["mass_g"] or source != row["mass_source"]:
            updates[Item.mass_g], updates[Item.mass_source] = mass_g, source
            before["mass_kg"] = kg(row["mass_g"])
        if not updates:
            raise Invalid(_("This adjustment changes nothing."), field="note")
        return Change(
            updates,
            {
                "category": category_id,
                "from_category": row["category"],
                "mass_g": mass_g,
                "mass_before_g": row["mass_g"],
                "note": body.note,
                "data": {"before": before},
            },
        )

    row = await _act(actor, raw_code, Action.adjust, body.occurred_at, change)
    return item_out(await queries.item_row(row["code"]), actor, now_utc())


async def split(
    actor: Actor, raw_code: str, body: schemas.SplitIn, *, rule_role: Role | None = None
) -> schemas.SplitOut:
    pieces: list[dict] = []

    async def change(row, status, when):
        if row["mass_g"] is None:
            raise Invalid(_("This item has no mass yet: weigh it (adjust) before cutting it."), field="pieces")
        density = await queries.category_density(row["category"])
        specs = [
            PieceSpec(
                length_mm=p.length_mm,
                width_mm=p.width_mm,
                thickness_mm=p.thickness_mm,
                quantity=p.quantity,
                mass_g=None if p.mass_kg is None else g_from_kg(p.mass_kg),
                title=p.title,
            )
            for p in body.pieces
        ]
        if density is None and row["length_mm"] is None and any(s.mass_g is None for s in specs):
            raise Invalid(_("This material is weighed, not estimated: give each piece its mass_kg."), field="pieces")
        plan = plan_split(
            parent_mass_g=row["mass_g"],
            parent_length_mm=row["length_mm"],
            parent_width_mm=row["width_mm"],
            parent_thickness_mm=row["thickness_mm"],
            parent_quantity=row["quantity"],
            category_density_kg_m3=density or 0,
            pieces=specs,
        )
        for spec, mass_g, source in zip(specs, plan.piece_masses_g, plan.piece_mass_sources):
            pieces.append(
                dict(
                    code=await fresh_code(),
                    category=row["category"],
                    title=spec.title or row["title"],
                    length_mm=spec.length_mm,
                    width_mm=spec.width_mm,
                    thickness_mm=spec.thickness_mm,
                    quantity=spec.quantity,
                    mass_g=mass_g,
                    mass_source=source,
                    condition=row["condition"],
                    origin=row["origin"],
                    note="",
                    status=Status.available.value,
                    workshop=row["workshop"],
                    parent=row["id"],
                    created_at=when,
                    last_event_at=when,
                    search=search_text(spec.title or row["title"], ""),
                )
            )
        return Change(
            {Item.reserved_by: None, Item.reserved_until: None},
            {"loss_g": plan.loss_g, "note": body.note, "data": {"pieces": [p["code"] for p in pieces]}},
        )

    parent = await _act(actor, raw_code, Action.split, body.occurred_at, change, rule_role)
    for fields in pieces:
        piece_id = await queries.insert_item(Item(**fields))
        await queries.insert_event(
            _event(piece_id, EventKind.piece, fields["created_at"], actor, fields, data={"parent": parent["code"]})
        )
    now = now_utc()
    loss_g = parent["mass_g"] - sum(p["mass_g"] for p in pieces)
    return schemas.SplitOut(
        parent=item_out(await queries.item_row(parent["code"]), actor, now),
        pieces=[item_out(await queries.item_row(p["code"]), actor, now) for p in pieces],
        loss_kg=loss_g / 1000,
        labels_url=f"{get_settings().base_url}/api/v1/labels.pdf?codes={','.join(p['code'] for p in pieces)}",
    )


async def use_part(actor: Actor, raw_code: str, body: schemas.UsePartIn) -> schemas.UsePartOut:
    """ "I used part of it": a split into the part used and the rest, then a `use` of the part.

    Whoever may use the item may cut it this way (a member too): the cut is part of the use."""
    code = parse_code(raw_code)
    row = await queries.item_row(code)
    when = body.occurred_at or now_utc()
    status = effective_status(row, when)
    role = actor.role_for_item(row["lieu_id"], bool(row["lieu_shares"]))
    next_status(Action.use, status, role=role, actor_id=actor.id, holder_id=row["reserved_by"])
    if status is Status.reserved:  # the holder's own reservation ends with the cut
        await release(actor, code, schemas.ReleaseIn(occurred_at=body.occurred_at))
    cut = await split(
        actor,
        code,
        schemas.SplitIn(pieces=[body.used, *body.rest], occurred_at=body.occurred_at, note=body.note),
        rule_role=Role.steward,
    )
    used = await use(
        actor, cut.pieces[0].code, schemas.UseIn(project=body.project, note=body.note, occurred_at=body.occurred_at)
    )
    rest = cut.pieces[1:]
    return schemas.UsePartOut(
        parent=item_out(await queries.item_row(code), actor, now_utc()),
        used=used,
        rest=rest,
        loss_kg=cut.loss_kg,
        labels_url=f"{get_settings().base_url}/api/v1/labels.pdf?codes={','.join(p.code for p in rest)}",
    )


ACTIONS: dict[Action, Callable] = {
    Action.move: move,
    Action.transfer: transfer,
    Action.reserve: reserve,
    Action.release: release,
    Action.use: use,
    Action.recycle: recycle,
    Action.discard: discard,
    Action.adjust: adjust,
    Action.split: split,
}
