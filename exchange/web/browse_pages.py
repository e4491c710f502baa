"""/items: the available scrap, filtered and searched by fit; /items/new: logging an offcut."""

from __future__ import annotations

import json
from dataclasses import replace
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
from exchange.ledger.rules import MAX_DIMENSION_MM, LedgerError, Role, role_at_least
from exchange.lieu import queries as lieu_queries
from exchange.lieu.service import list_workshops
from exchange.messages import _, ngettext, translate
from exchange.problems import status_of
from exchange.web import forms, i18n, offline, queries
from exchange.web.item_action_forms import UNHASHED_FIELDS
from exchange.web.numbers import whole_number
from exchange.web.render import (
    error_message,
    lang_of,
    message,
    new_idempotency_key,
    page,
    query_url,
    redirect,
    signed,
    unsigned,
)
from exchange.web.site import card

PAGE_SIZE = 24
MAX_INTAKE_FORM = photos.MAX_PHOTO_BYTES + 256 * 1024


def _int(value: Any, maximum: int = MAX_DIMENSION_MM) -> int | None:
    return whole_number(value, minimum=1, maximum=maximum)


async def _home_position(actor: Actor | None) -> str | None:
    """ "LAT,LON" of the member's own lieu, for "near me"; None without a login or a position."""
    if actor is None or actor.lieu is None:
        return None
    position = await lieu_queries.lieu_position(actor.lieu)
    return None if position is None else f"{position[0]},{position[1]}"


LIST_PARAMS = (
    "q",
    "category",
    "workshop",
    "need_l",
    "need_w",
    "need_t",
    "page",
    # Older links: the separate minimum sizes and thickness, and the keyset cursor.
    "min_length_mm",
    "min_width_mm",
    "thickness_mm",
    "cursor",
    # Near me (a network of lieux): the member's lieu first, within so many km.
    "near",
    "within_km",
)
# What an empty result may drop, one group at a time, to say what to loosen.
LOOSEN = (("q",), ("category",), ("workshop",), ("need_l", "need_w", "min_length_mm", "min_width_mm"), ("need_t",))


def _list_filters(
    raw: dict[str, str], known_categories: set[str], workshops: dict[str, str], home: str | None = None
) -> listing.ItemFilters:
    """The list's one set of size fields: all three sizes are a fit search (best fit first);
    fewer are minimum sizes (a panel may be turned) and an exact thickness."""
    need = [_int(raw[k]) for k in ("need_l", "need_w", "need_t")]
    fit = "x".join(str(v) for v in need) if None not in need else None
    return listing.ItemFilters(
        near=home,
        within_km=_int(raw["within_km"], 20_000) if home else None,
        category=raw["category"] if raw["category"] in known_categories else None,
        workshop=raw["workshop"] if raw["workshop"] in workshops else None,
        min_length_mm=None if fit else need[0] or _int(raw["min_length_mm"]),
        min_width_mm=None if fit else need[1] or _int(raw["min_width_mm"]),
        thickness_mm=None if fit else need[2],
        q=raw["q"] or None,
        fit=fit,
        limit=PAGE_SIZE,
    )


def _page_numbers(current: int, last: int) -> list[int | None]:
    """1 … 4 5 [6] 7 8 … 20: the first, the last, and two on each side (None: a gap)."""
    shown = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    numbers: list[int | None] = []
    for n in shown:
        if numbers and n - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(n)
    return numbers


def pieces_text(lang: str, n: int) -> str:
    return translate(lang, ngettext("%(num)s piece", "%(num)s pieces", n))


@get("/items", name="items")
async def items_list(request: Request) -> Response:
    """Every filter lives in the URL, so a search can be shared (and bookmarked)."""
    lang = lang_of(request)
    query = request.query_params
    categories = await queries.categories()
    workshops = await queries.workshop_names()
    known_categories = {c.slug for c in categories}
    raw = {name: str(query.get(name) or "").strip()[:100] for name in LIST_PARAMS}
    if raw["thickness_mm"] and not raw["need_t"]:
        raw["need_t"] = raw["thickness_mm"]  # one thickness field now
    errors: list[dict] = []
    home = await _home_position(actor_of(request)) if raw["near"] else None
    if raw["near"] and home is None:
        errors.append(message("error", _("Your lieu has no position: the list is not sorted by distance.")))
    filters = _list_filters(raw, known_categories, workshops, home)
    number = whole_number(raw["page"], minimum=1, maximum=listing.MAX_OFFSET) or 1
    total = 0
    try:
        total = await listing.count_items(filters)
        last = max(1, -(-total // PAGE_SIZE))
        number = min(number, last)
        shown = replace(filters, cursor=raw["cursor"] or None, offset=0 if raw["cursor"] else (number - 1) * PAGE_SIZE)
        found = await listing.list_items(shown, actor_of(request))
    except LedgerError as error:
        errors.append(error_message(error))
        found, last = schemas.ItemPage(items=[], next_cursor=None), 1
    names = {c.slug: c.label(lang) for c in categories}
    cards = [card(item, lang, names, workshops) for item in found.items]
    if filters.fit:
        part = int(raw["need_l"]) * int(raw["need_w"])
        for entry in cards:
            item = entry["item"]
            entry["leftover_m2"] = (item.length_mm * item.width_mm - part) / 1_000_000
    params = {k: v for k, v in raw.items() if v and k not in ("cursor", "page", "thickness_mm")}
    lieu_names = await lieu_queries.lieu_names()
    for entry in cards:  # each piece's lieu and how far it is
        entry["lieu"] = lieu_names.get(entry["item"].lieu, entry["item"].lieu)
    loosen = []
    if not cards and total == 0 and params and not errors:
        loosen = await _loosen(raw, params, known_categories, workshops, names, lang, home)
    return page(
        request,
        "items/list.html",
        near_offered=await lieu_queries.lieu_count() > 1,
        cards=cards,
        values=raw,
        categories=sorted(categories, key=lambda c: c.label(lang).lower()),
        workshops=workshops,
        fit=filters.fit,
        filtered=bool(params),
        total=total,
        total_text=pieces_text(lang, total),
        page_number=number,
        last_page=last,
        page_links=[
            (n, n and query_url("/items", {**params, "page": n if n > 1 else None}))
            for n in _page_numbers(number, last)
        ]
        if last > 1
        else [],
        previous_url=query_url("/items", {**params, "page": number - 1 if number > 2 else None})
        if number > 1
        else None,
        next_url=query_url("/items", {**params, "page": number + 1}) if number < last else None,
        loosen=loosen,
        messages=errors,
    )


async def _loosen(raw, params, known_categories, workshops, names, lang, home=None) -> list[dict[str, str]]:
    """For an empty result: each filter that, dropped alone, would find something, and how much."""
    offers = []
    for group in LOOSEN:
        if not any(params.get(k) for k in group):
            continue
        looser = {k: ("" if k in group else v) for k, v in raw.items()}
        n = await listing.count_items(_list_filters(looser, known_categories, workshops, home))
        if not n:
            continue
        first = group[0]
        if first == "q":
            what = translate(lang, _("without “%(q)s”", q=raw["q"]))
        elif first == "category":
            what = translate(
                lang, _("every material, not only %(name)s", name=names.get(raw["category"], raw["category"]))
            )
        elif first == "workshop":
            what = translate(
                lang, _("every workshop, not only %(name)s", name=workshops.get(raw["workshop"], raw["workshop"]))
            )
        elif first == "need_t":
            what = translate(lang, _("any thickness, not only %(mm)s", mm=i18n.format_mm(_int(raw["need_t"]), lang)))
        else:
            what = translate(lang, _("without the length and width"))
        offers.append(
            {
                "text": translate(lang, _("%(what)s: %(found)s", what=what, found=pieces_text(lang, n))),
                "url": query_url("/items", {k: v for k, v in params.items() if k not in group}),
            }
        )
    return offers


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


async def _intake_workshops(actor: Actor | None) -> dict[str, str]:
    """The workshops `actor` may log a piece into, by name: those of the lieux where they are a
    steward or more (on a network, not every lieu's hundreds)."""
    if actor is None or actor.roles is None:
        return await queries.workshop_names()
    ids = await lieu_queries.lieu_ids()
    mine = {lieu for lieu, role in actor.roles if role_at_least(role, Role.steward)}
    return {w.slug: w.name for w in await list_workshops() if ids.get(w.lieu) in mine}


async def _intake_context(request: Request, values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    lang = lang_of(request)
    categories = sorted(await queries.categories(), key=lambda c: c.label(lang).lower())
    return {
        "values": values,
        "errors": errors,
        "categories": categories,
        "workshops": await _intake_workshops(actor_of(request)),
        "conditions": [("bon", "good"), ("rayé", "scratched"), ("à poncer", "needs sanding"), ("abîmé", "damaged")],
    }


@get("/items/new", name="intake")
async def intake_form(request: Request) -> Response:
    """The form, under a key of its own (`k`), which static/js/intake.js writes into the page's
    address: a phone that goes back to the form after saving and submits again sends the same
    key, and the item is not logged twice. (No redirect: the offline copy of this form is kept
    under its plain address.)"""
    params = {name: str(request.query_params.get(name) or "")[:200] for name in ("category", "workshop", "code", "k")}
    params["k"] = params["k"][:64] or new_idempotency_key()
    values = {name: params[name] for name in ("category", "workshop", "code")}
    values["quantity"] = "1"
    if not values["workshop"]:
        values["workshop"] = request.cookies.get("exchange_workshop", "")
    return page(request, "items/new.html", form_key=params["k"], **await _intake_context(request, values, {}))


def _default_title(values: dict[str, str], category_name: str, lang: str) -> str:
    dims = [values.get(k) for k in ("length_mm", "width_mm", "thickness_mm")]
    if all(d and d.isdigit() for d in dims):
        return f"{category_name} {' × '.join(dims)} mm"
    return category_name


async def _photo_of(form: Any, lang: str) -> tuple[str | None, str | None]:
    """The photo sent now, stored (content-hash name), or the one kept from a refused try; and
    what is wrong with a photo that cannot be read."""
    upload = form.get("photo")
    data = await upload.read() if upload is not None and not isinstance(upload, str) else b""
    if data:
        try:
            return await photos.store_photo(data), None
        except photos.PhotoTooLarge:
            return None, translate(lang, _("File too large (10 MB at most)."))
        except (photos.NotAnImage, photos.BadImage):
            return None, translate(lang, _("This photo could not be read: send a JPEG, PNG or WebP."))
    kept = form.get("photo_kept")
    return (unsigned(kept) if isinstance(kept, str) else None), None


@post("/items/new", name="intake-submit", request_max_body_size=MAX_INTAKE_FORM)
async def intake(request: Request) -> Response:
    actor = actor_of(request)
    lang = lang_of(request)
    form = await request.form()
    values = {name: str(form.get(name) or "").strip()[:2000] for name in INTAKE_FIELDS}
    values["mass_kg"] = forms.decimal(values["mass_kg"])
    names = {c.slug: c.label(lang) for c in await queries.categories()}
    workshops = await queries.workshop_names()
    body: dict[str, Any] = {k: v for k, v in values.items() if v}
    if values["category"] in names and not values["title"]:
        body["title"] = _default_title(values, names[values["category"]], lang)
    # Every field's problem at once, each beside its field.
    errors = forms.problems(body, schemas.ItemCreate, lang)
    if not values["title"]:
        errors.pop("title", None)  # left empty, it comes from the material: only the material is missing
    if values["category"] not in names:
        errors["category"] = translate(lang, _("required"))
    if values["workshop"] not in workshops:
        errors["workshop"] = translate(lang, _("required"))
    photo_name, photo_problem = await _photo_of(form, lang)
    if photo_problem:
        errors["photo"] = photo_problem
    key = form.get("_idem") if isinstance(form.get("_idem"), str) else ""
    reply = offline.replier(request, "/items/new")
    if errors and offline.for_script(request):  # the outbox sending a form kept offline
        return reply(error_message("; ".join(f"{name}: {text}" for name, text in errors.items())), 422)

    async def refused(status_code: int, problems: dict[str, str], shown: dict[str, Any]) -> Response:
        context = await _intake_context(request, values, problems)
        return page(
            request,
            "items/new.html",
            status_code=status_code,
            messages=[shown],
            form_key=key or new_idempotency_key(),
            photo_kept=signed(photo_name) if photo_name else None,
            **context,
        )

    if errors:
        return await refused(422, errors, message("error", _("Check the fields marked below.")))
    data = msgspec.convert(body, schemas.ItemCreate, strict=False)

    async def work() -> schemas.ItemOut:
        item = await intake_item(actor, data)
        if photo_name:
            await photos.set_photo(item.code, photo_name)
            return await present.get_item(item.code, actor)
        return item

    fields = sorted(
        (k, v) for k, v in form.multi_items() if k not in UNHASHED_FIELDS and k != "photo_kept" and isinstance(v, str)
    )
    idempotency = IdempotencyRequest.of(
        key or None, "POST", request.url.path, json.dumps([fields, photo_name]).encode()
    )
    try:
        answer = await run_action(actor, idempotency, 201, work)
    except (LedgerError, CodeError) as error:
        if offline.for_script(request):
            return reply(error_message(error), status_of(error))
        if key and getattr(error, "field", None) == "Idempotency-Key":
            # This form was saved already (back, edited, saved again): show what it logged.
            code = await queries.code_logged_with(actor.id, key)
            if code:
                return redirect(
                    f"/i/{code}",
                    message(
                        "error",
                        _(
                            "This form already logged the piece %(code)s: here it is. For another piece, open a new form.",
                            code=code,
                        ),
                    ),
                )
        field = getattr(error, "field", None) or "form"
        text = getattr(error, "text", str(error))
        return await refused(status_of(error), {field: translate(lang, text)}, error_message(error))
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
