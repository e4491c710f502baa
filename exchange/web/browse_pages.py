"""/items: the available scrap, filtered and searched by fit; /items/new: logging an offcut."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import msgspec
from litestar import Request, Response, get, post

from exchange.auth.guards import actor_of
from exchange.auth.service import Actor
from exchange.items import listing, photos, present, schemas
from exchange.items.idempotency import IdempotencyRequest, run_action
from exchange.items.intake import intake as intake_item
from exchange.ledger.codes import CodeError
from exchange.ledger.rules import MAX_DIMENSION_MM, LedgerError
from exchange.messages import _, translate
from exchange.problems import status_of
from exchange.tables import Lieu
from exchange.web import offline, queries
from exchange.web.item_page import UNHASHED_FIELDS, field_of, field_problem
from exchange.web.numbers import whole_number
from exchange.web.render import error_message, lang_of, message, page, query_url, redirect
from exchange.web.site import card

PAGE_SIZE = 24
MAX_INTAKE_FORM = photos.MAX_PHOTO_BYTES + 256 * 1024


def _int(value: Any, maximum: int = MAX_DIMENSION_MM) -> int | None:
    return whole_number(value, minimum=1, maximum=maximum)


async def _home_position(actor: Actor | None) -> str | None:
    """ "LAT,LON" of the member's own lieu, for "near me"; None without a login or a position."""
    if actor is None or actor.lieu is None:
        return None
    row = await Lieu.select(Lieu.latitude, Lieu.longitude).where(Lieu.id == actor.lieu).first()
    if row is None or row["latitude"] is None or row["longitude"] is None:
        return None
    return f"{row['latitude']},{row['longitude']}"


@get("/items", name="items")
async def items_list(request: Request) -> Response:
    """Every filter lives in the URL, so a search can be shared (and bookmarked)."""
    lang = lang_of(request)
    query = request.query_params
    categories = await queries.categories()
    workshops = await queries.workshop_names()
    known_categories = {c.slug for c in categories}
    raw = {
        name: str(query.get(name) or "").strip()[:100]
        for name in (
            "q",
            "category",
            "workshop",
            "min_length_mm",
            "min_width_mm",
            "thickness_mm",
            "need_l",
            "need_w",
            "need_t",
            "cursor",
            "near",
            "within_km",
        )
    }
    errors: list[dict] = []
    need = [_int(raw[k]) for k in ("need_l", "need_w", "need_t")]
    fit = None
    if any(raw[k] for k in ("need_l", "need_w", "need_t")):
        if None in need:
            errors.append(
                message("error", _("For “I need a piece of…”, give the length, the width and the thickness."))
            )
        else:
            fit = "x".join(str(v) for v in need)
    home = await _home_position(actor_of(request)) if raw["near"] else None
    if raw["near"] and home is None:
        errors.append(message("error", _("Your lieu has no position: the list is not sorted by distance.")))
    filters = listing.ItemFilters(
        near=home,
        within_km=_int(raw["within_km"], 20_000) if home else None,
        category=raw["category"] if raw["category"] in known_categories else None,
        workshop=raw["workshop"] if raw["workshop"] in workshops else None,
        min_length_mm=_int(raw["min_length_mm"]),
        min_width_mm=_int(raw["min_width_mm"]),
        thickness_mm=_int(raw["thickness_mm"]),
        q=raw["q"] or None,
        fit=fit,
        limit=PAGE_SIZE,
        cursor=raw["cursor"] or None,
    )
    try:
        found = await listing.list_items(filters, actor_of(request))
    except LedgerError as error:
        errors.append(error_message(error))
        found = schemas.ItemPage(items=[], next_cursor=None)
    names = {c.slug: c.label(lang) for c in categories}
    cards = [card(item, lang, names, workshops) for item in found.items]
    lieu_names = {r["slug"]: r["name"] for r in await Lieu.select(Lieu.slug, Lieu.name)}
    if fit:
        part = need[0] * need[1]
        for entry in cards:
            item = entry["item"]
            entry["leftover_m2"] = (item.length_mm * item.width_mm - part) / 1_000_000
    params = {k: v for k, v in raw.items() if v and k != "cursor"}
    for entry in cards:  # each piece's lieu and how far it is
        entry["lieu"] = lieu_names.get(entry["item"].lieu, entry["item"].lieu)
    return page(
        request,
        "items/list.html",
        near_offered=await Lieu.count() > 1,
        cards=cards,
        values=raw,
        categories=sorted(categories, key=lambda c: c.label(lang).lower()),
        workshops=workshops,
        fit=fit,
        filtered=bool(params),
        next_url=query_url("/items", {**params, "cursor": found.next_cursor}) if found.next_cursor else None,
        first_url=query_url("/items", params) if raw["cursor"] else None,
        messages=errors,
    )


# ---------------------------------------------------------------------------------------------
# Logging an offcut


INTAKE_FIELDS = (
    "category",
    "title",
    "workshop",
    "length_mm",
    "width_mm",
    "thickness_mm",
    "quantity",
    "mass_kg",
    "condition",
    "origin",
    "note",
    "code",
    "occurred_at",  # an intake taken offline, sent by the outbox (exchange/web/offline.py)
)


async def _intake_context(request: Request, values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    lang = lang_of(request)
    categories = sorted(await queries.categories(), key=lambda c: c.label(lang).lower())
    return {
        "values": values,
        "errors": errors,
        "categories": categories,
        "workshops": await queries.workshop_names(),
        "conditions": [("bon", "good"), ("rayé", "scratched"), ("à poncer", "needs sanding"), ("abîmé", "damaged")],
    }


@get("/items/new", name="intake")
async def intake_form(request: Request) -> Response:
    values = {name: str(request.query_params.get(name) or "")[:200] for name in ("category", "workshop", "code")}
    values.setdefault("quantity", "1")
    if not values.get("workshop"):
        values["workshop"] = request.cookies.get("exchange_workshop", "")
    return page(request, "items/new.html", **await _intake_context(request, values, {}))


def _default_title(values: dict[str, str], category_name: str, lang: str) -> str:
    dims = [values.get(k) for k in ("length_mm", "width_mm", "thickness_mm")]
    if all(d and d.isdigit() for d in dims):
        return f"{category_name} {' × '.join(dims)} mm"
    return category_name


@post("/items/new", name="intake-submit", request_max_body_size=MAX_INTAKE_FORM)
async def intake(request: Request) -> Response:
    actor = actor_of(request)
    lang = lang_of(request)
    form = await request.form()
    values = {name: str(form.get(name) or "").strip()[:2000] for name in INTAKE_FIELDS}
    values["mass_kg"] = values["mass_kg"].replace(",", ".")
    names = {c.slug: c.label(lang) for c in await queries.categories()}
    errors: dict[str, str] = {}
    if values["category"] not in names:
        errors["category"] = translate(lang, _("required"))
    if not values["workshop"]:
        errors["workshop"] = translate(lang, _("required"))
    body: dict[str, Any] = {k: v for k, v in values.items() if v}
    if "category" not in errors and not values["title"]:
        body["title"] = _default_title(values, names[values["category"]], lang)
    data = None
    if not errors:
        try:
            data = msgspec.convert(body, schemas.ItemCreate, strict=False)
        except msgspec.ValidationError as error:
            field = field_of(error)
            errors[field] = field_problem(lang, field)
    upload = form.get("photo")
    photo_bytes = b""
    if upload is not None and not isinstance(upload, str):
        photo_bytes = await upload.read()
    photo_name = None
    if photo_bytes and not errors:
        try:
            photo_name = await photos.store_photo(photo_bytes)
        except photos.PhotoTooLarge:
            errors["photo"] = translate(lang, _("File too large (10 MB at most)."))
        except (photos.NotAnImage, photos.BadImage):
            errors["photo"] = translate(lang, _("This photo could not be read: send a JPEG, PNG or WebP."))
    reply = offline.replier(request, "/items/new")
    if (errors or data is None) and offline.for_script(request):
        return reply(error_message("; ".join(f"{name}: {text}" for name, text in errors.items())), 422)
    if errors or data is None:
        if photo_bytes and "photo" not in errors:
            errors["photo"] = translate(lang, _("Choose the photo again."))
        context = await _intake_context(request, values, errors)
        return page(
            request,
            "items/new.html",
            status_code=422,
            messages=[message("error", _("Check the fields marked below."))],
            **context,
        )

    async def work() -> schemas.ItemOut:
        item = await intake_item(actor, data)
        if photo_name:
            await photos.set_photo(item.code, photo_name)
            return await present.get_item(item.code, actor)
        return item

    key = form.get("_idem")
    fields = sorted((k, v) for k, v in form.multi_items() if k not in UNHASHED_FIELDS and isinstance(v, str))
    idempotency = IdempotencyRequest.of(
        key if isinstance(key, str) and key else None,
        "POST",
        request.url.path,
        json.dumps([fields, photo_name]).encode(),
    )
    try:
        answer = await run_action(actor, idempotency, 201, work)
    except (LedgerError, CodeError) as error:
        if offline.for_script(request):
            return reply(error_message(error), status_of(error))
        field = getattr(error, "field", None) or "form"
        context = await _intake_context(request, values, {field: translate(lang, getattr(error, "text", str(error)))})
        return page(
            request,
            "items/new.html",
            status_code=status_of(error),
            messages=[error_message(error)],
            **context,
        )
    item = msgspec.json.decode(answer.body, type=schemas.ItemOut)
    said = _("Logged: %(title)s, code %(code)s.", title=item.title, code=item.code)
    if offline.for_script(request):
        return reply(message("ok", said), 201, f"/i/{item.code}")
    logged = message(
        "ok",
        said,
        links=[(_("Print the label"), f"/labels?codes={quote(item.code)}"), (_("See the piece"), f"/i/{item.code}")],
    )
    if form.get("next") == "another":
        target = query_url("/items/new", {"category": data.category, "workshop": data.workshop})
    else:
        target = f"/labels?codes={quote(item.code)}"
        logged["links"] = logged["links"][1:]
    response = redirect(target, logged)
    response.set_cookie(
        key="exchange_workshop", value=data.workshop, path="/", max_age=365 * 24 * 3600, samesite="lax", httponly=True
    )
    return response


ROUTES = [items_list, intake_form, intake]
