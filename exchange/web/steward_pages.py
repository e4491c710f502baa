"""The steward's pages for what was API-only: cutting a piece into pieces (/i/{code}/split),
correcting what was recorded (/i/{code}/adjust) and drawing blank codes for pre-printed
labels (/labels/blank). Each is reached from where it is needed (the item page, /labels),
keeps what was typed when something is wrong, and says it beside the field."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import msgspec
from litestar import Request, Response, get, post

from exchange.auth.guards import actor_of
from exchange.items import actions, present, schemas
from exchange.items.queries import item_row
from exchange.labels.layouts import DEFAULT_LAYOUT, LAYOUTS
from exchange.ledger.codes import CodeError, parse_code
from exchange.ledger.rules import ROLE_IN_SENTENCE, Forbidden, LedgerError, Role, Status, role_at_least
from exchange.messages import _, ngettext, translate
from exchange.problems import status_of
from exchange.web import forms, i18n, queries
from exchange.web.item_action_forms import run_once
from exchange.web.labels_page import _layouts
from exchange.web.numbers import whole_number
from exchange.web.render import error_message, lang_of, message, page, query_url, redirect

PIECE_FIELDS = ("length_mm", "width_mm", "thickness_mm", "quantity", "mass_kg", "title")
MIN_ROWS, MAX_ROWS = 3, 20
BLANK_SHEET = 21  # one A4 sheet of the default layout (3 x 7)


async def _item_for_steward(request: Request, code: str) -> schemas.ItemOut | Response:
    """The item, when the person is a steward of its lieu; else a redirect back to the item's
    page saying why (the ledger would refuse the action: the form is not offered)."""
    canonical = parse_code(code)
    row = await item_row(canonical)
    try:
        role = actor_of(request).role_for_item(row["lieu_id"], bool(row["lieu_shares"]))
        if not role_at_least(role, Role.steward):
            raise Forbidden(_("Only a %(role)s or above can do this.", role=ROLE_IN_SENTENCE[Role.steward]))
    except Forbidden as error:
        return redirect(f"/i/{canonical}", error_message(error))
    return await present.get_item(canonical, None)


# ---------------------------------------------------------------------------------------------
# Cutting a piece into pieces


def _rows_of(form: Any) -> list[dict[str, str]]:
    rows = []
    for index in range(MAX_ROWS):
        row = {name: forms.text(form, f"{name}_{index}") for name in PIECE_FIELDS}
        row["mass_kg"] = forms.decimal(row["mass_kg"])
        rows.append(row)
    while len(rows) > MIN_ROWS and not any(v for k, v in rows[-1].items() if k != "thickness_mm"):
        rows.pop()
    return rows


def _form_page(request: Request, template: str, item, errors, status_code, messages, **context: Any) -> Response:
    """A steward's form about `item`, with each field's problem in `errors`."""
    return page(
        request, template, status_code=status_code, item=item, errors=errors, messages=list(messages), **context
    )


def _split_page(request: Request, item: schemas.ItemOut, rows, errors, status_code=200, messages=()):
    cuttable = item.status == Status.available
    return _form_page(
        request,
        "items/split.html",
        item,
        errors,
        status_code,
        messages,
        rows=rows,
        max_rows=MAX_ROWS,
        cuttable=cuttable,
    )


@get("/i/{code:str}/split", name="split-form")
async def split_form(request: Request, code: str) -> Response:
    item = await _item_for_steward(request, code)
    if isinstance(item, Response):
        return item
    rows = [{name: "" for name in PIECE_FIELDS} for _ in range(MIN_ROWS)]
    for row in rows:
        row["thickness_mm"] = str(item.thickness_mm or "")
    return _split_page(request, item, rows, {})


@post("/i/{code:str}/split", name="split-submit")
async def split_submit(request: Request, code: str) -> Response:
    item = await _item_for_steward(request, code)
    if isinstance(item, Response):
        return item
    actor, lang, form = actor_of(request), lang_of(request), await request.form()
    rows = _rows_of(form)
    if form.get("add_row") and len(rows) < MAX_ROWS:
        rows.append({name: "" for name in PIECE_FIELDS} | {"thickness_mm": str(item.thickness_mm or "")})
        return _split_page(request, item, rows, {})
    errors: dict[str, str] = {}
    pieces = []
    for index, row in enumerate(rows):
        if not any(v for k, v in row.items() if k != "thickness_mm"):
            continue  # an empty row, whatever its thickness says
        piece, found = forms.read(row, schemas.PieceIn, lang)
        errors.update({f"{name}_{index}": text for name, text in found.items()})
        if piece is not None:
            pieces.append(piece)
    if not pieces and not errors:
        errors["form"] = translate(lang, _("Give at least one piece (length, width, thickness)."))
    if errors:
        return _split_page(request, item, rows, errors, 422, [message("error", _("Check the fields marked below."))])
    body = schemas.SplitIn(pieces=pieces, note=forms.text(form, "note", 2000))
    try:
        answer = await run_once(request, actor, form, 201, lambda: actions.split(actor, item.code, body))
    except (LedgerError, CodeError) as error:
        status = status_of(error)
        return _split_page(request, item, rows, {}, status, [error_message(error)])
    out = msgspec.json.decode(answer, type=schemas.SplitOut)
    return redirect(
        f"/labels?split_of={quote(item.code)}",
        message(
            "ok",
            ngettext(
                "Cut: %(num)s piece, loss %(loss)s.",
                "Cut: %(num)s pieces, loss %(loss)s.",
                len(out.pieces),
                loss=i18n.format_kg(out.loss_kg, lang),
            ),
            links=[(_("See the piece"), f"/i/{item.code}")],
        ),
    )


# ---------------------------------------------------------------------------------------------
# Correcting an item


ADJUST_FIELDS = ("title", "category", "length_mm", "width_mm", "thickness_mm", "mass_kg", "note")


def _current(item: schemas.ItemOut, lang: str) -> dict[str, str]:
    return {
        "title": item.title,
        "category": item.category,
        "length_mm": str(item.length_mm or ""),
        "width_mm": str(item.width_mm or ""),
        "thickness_mm": str(item.thickness_mm or ""),
        "mass_kg": i18n.format_number(item.mass_kg, lang) if item.mass_kg is not None else "",
        "note": "",
    }


async def _adjust_page(request, item, values, errors, status_code=200, messages=()):
    lang = lang_of(request)
    categories = sorted(await queries.categories(), key=lambda c: c.label(lang).lower())
    return _form_page(
        request, "items/adjust.html", item, errors, status_code, messages, values=values, categories=categories
    )


@get("/i/{code:str}/adjust", name="adjust-form")
async def adjust_form(request: Request, code: str) -> Response:
    item = await _item_for_steward(request, code)
    if isinstance(item, Response):
        return item
    return await _adjust_page(request, item, _current(item, lang_of(request)), {})


@post("/i/{code:str}/adjust", name="adjust-submit")
async def adjust_submit(request: Request, code: str) -> Response:
    item = await _item_for_steward(request, code)
    if isinstance(item, Response):
        return item
    actor, lang, form = actor_of(request), lang_of(request), await request.form()
    values = {name: forms.text(form, name, 2000) for name in ADJUST_FIELDS}
    current = _current(item, lang)
    # Only what the steward changed: a mass left as shown stays estimated, not "weighed".
    changed = {name: value for name, value in values.items() if name != "note" and value != current[name]}
    if "mass_kg" in changed:
        changed["mass_kg"] = forms.decimal(changed["mass_kg"])
    data, errors = forms.read({**changed, "note": values["note"]}, schemas.AdjustIn, lang)
    if "note" in errors or not values["note"]:
        errors["note"] = translate(lang, _("Say why (for example “measured wrong”)."))  # the ledger keeps why, always
    if not errors and not changed:
        errors["form"] = translate(lang, _("Nothing changed: edit at least one field."))
    if errors:
        return await _adjust_page(
            request, item, values, errors, 422, [message("error", _("Check the fields marked below."))]
        )
    try:
        await run_once(request, actor, form, 200, lambda: actions.adjust(actor, item.code, data))
    except (LedgerError, CodeError) as error:
        status = status_of(error)
        field = getattr(error, "field", None) or "form"
        problem = {field: translate(lang, error.text)}
        return await _adjust_page(request, item, values, problem, status, [error_message(error)])
    return redirect(f"/i/{item.code}", message("ok", _("Record corrected.")))


# ---------------------------------------------------------------------------------------------
# Blank codes for pre-printed labels


@get("/labels/blank", name="blank-form")
async def blank_form(request: Request) -> Response:
    values = {"count": str(BLANK_SHEET), "layout": DEFAULT_LAYOUT}
    return page(request, "labels/blank.html", values=values, errors={}, layouts=_layouts(lang_of(request)))


@post("/labels/blank", name="blank-submit")
async def blank_submit(request: Request) -> Response:
    from exchange.labels import service as labels

    lang = lang_of(request)
    form = await request.form()
    values = {"count": forms.text(form, "count", 10), "layout": forms.text(form, "layout", 40)}
    layout = values["layout"] if values["layout"] in LAYOUTS else DEFAULT_LAYOUT
    count = whole_number(values["count"], minimum=1, maximum=labels.MAX_BATCH) or 0
    if not 1 <= count <= labels.MAX_BATCH:
        errors = {
            "count": translate(
                lang, _("a whole number from 1 to %(max)s", max=i18n.format_number(labels.MAX_BATCH, lang))
            )
        }
        return page(
            request,
            "labels/blank.html",
            status_code=422,
            values=values,
            errors=errors,
            layouts=_layouts(lang),
            messages=[message("error", _("Check the fields marked below."))],
        )
    batch, codes = await labels.create_blank_batch(actor_of(request), count)
    return redirect(
        query_url("/labels", {"batch": batch, "layout": layout}),
        message(
            "ok",
            ngettext(
                "%(num)s blank code made: download the sheet.",
                "%(num)s blank codes made: download the sheet.",
                len(codes),
            ),
        ),
    )


ROUTES = [split_form, split_submit, adjust_form, adjust_submit, blank_form, blank_submit]
