"""/labels: pick items (a list, everything logged today, the pieces of a split), a layout and
a start position, and get the PDF, served here with the session cookie (the API's labels.pdf
takes a Bearer token)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from litestar import Request, Response, get, post

from exchange import base_url
from exchange.auth.guards import actor_of
from exchange.figures.scope import lieu_scope
from exchange.items import present
from exchange.items.queries import is_blank_code
from exchange.labels import printing
from exchange.labels.layouts import DEFAULT_LAYOUT, LAYOUTS, positions_per_page
from exchange.labels.printing import list_printers
from exchange.ledger.codes import CodeError, MistypedCode, parse_code
from exchange.ledger.rules import LedgerError, NotFound
from exchange.messages import _, ngettext, translate
from exchange.settings import get_settings
from exchange.web import queries
from exchange.web.item_page import CODE_PROBLEMS
from exchange.web.numbers import whole_number
from exchange.web.render import error_message, lang_of, message, page, query_url, redirect

MAX_CODES = 500
_SEPARATORS = re.compile(r"[\s,;]+")


def _codes(request: Request, *names: str) -> tuple[list[str], list[dict[str, Any]]]:
    """Canonical codes from repeated or comma-separated parameters, in order, without repeats; and
    what is wrong with the unreadable ones (a mistyped one says so: a typo, not an unknown item)."""
    found: list[str] = []
    bad: list[dict[str, Any]] = []
    for name in names:
        for value in request.query_params.getall(name, []):
            for raw in _SEPARATORS.split(str(value)):
                if not raw:
                    continue
                try:
                    found.append(parse_code(raw))
                except MistypedCode:
                    bad.append(message("error", CODE_PROBLEMS["mistyped"][1](raw[:20])))
                except CodeError as error:
                    bad.append(error_message(error))
    return list(dict.fromkeys(found))[:MAX_CODES], bad


# The layouts' names on the page (a layout added later shows its own English title).
LAYOUT_TITLES = {
    "a4-3x7": _("A4, 3 × 7 labels of 63.5 × 38.1 mm (Avery L7160)"),
    "a4-3x8": _("A4, 3 × 8 labels of 70 × 37 mm (edge to edge)"),
    "a4-2x7": _("A4, 2 × 7 labels of 99.1 × 38.1 mm (Avery L7163)"),
    "roll-62": _("Label printer, 62 mm roll (62 × 40 mm)"),
    "label-29x62": _("Label printer, 29 × 62 mm labels"),
}


def _layouts(lang: str) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "title": translate(lang, LAYOUT_TITLES.get(name, layout.title)),
            "positions": positions_per_page(layout),
        }
        for name, layout in LAYOUTS.items()
    ]


@get("/labels", name="labels")
async def labels_page(request: Request) -> Response:
    actor = actor_of(request)
    lang = lang_of(request)
    codes, messages = _codes(request, "codes", "more")
    if request.query_params.get("today"):
        here = await lieu_scope(None, actor)  # the steward's own lieu, in its own day
        today = await queries.codes_logged_today(here.tz, None if here.alone else here.workshops)
        codes = list(dict.fromkeys(codes + today))
    batch = str(request.query_params.get("batch") or "").strip()[:40]
    if batch:
        from exchange.labels import service as labels

        try:
            codes = list(dict.fromkeys(codes + await labels.batch_codes(batch)))
        except LedgerError as error:
            messages.append(error_message(error))
    split_of = str(request.query_params.get("split_of") or "").strip()[:20]
    if split_of:
        try:
            events = await present.item_events(split_of, actor)
            for event in events:
                if event.kind == "split":
                    codes = list(dict.fromkeys(codes + list(event.data.get("pieces") or [])))
        except (LedgerError, CodeError) as error:
            messages.append(error_message(error))
    items = []
    for code in codes:
        try:
            items.append(await present.get_item(code, actor))
        except NotFound:
            if await is_blank_code(code):
                items.append({"code": code, "blank": True})
            else:
                messages.append(error_message(_("No item holds the code %(code)s.", code=code)))
    layout = str(request.query_params.get("layout") or DEFAULT_LAYOUT)
    if layout not in LAYOUTS:
        layout = DEFAULT_LAYOUT
    workshops = await queries.workshop_names()
    # Said first and loudly: labels printed with a wrong base URL are a sheet wasted.
    warnings = base_url.problems(get_settings().base_url, request.headers.get("host"))
    messages = [message("error", warning) for warning in warnings] + messages
    return page(
        request,
        "labels/index.html",
        items=items,
        layouts=_layouts(lang),
        layout=layout,
        start=str(request.query_params.get("start") or "1"),
        split_of=split_of,
        workshops=workshops,
        printers=await list_printers(actor_of(request)),
        messages=messages,
    )


@get("/labels/sheet.pdf", name="labels-pdf")
async def labels_pdf(request: Request) -> Response:
    codes, bad = _codes(request, "codes", "more")
    layout = str(request.query_params.get("layout") or DEFAULT_LAYOUT)
    start_raw = str(request.query_params.get("start") or "1").strip()
    # Not a position at all: 0, which the labels service refuses with the range it takes.
    start = whole_number(start_raw, maximum=10_000) or 0
    back = query_url("/labels", {"codes": ",".join(codes), "layout": layout, "start": start_raw})
    if bad:
        return redirect(back, *bad)
    if not codes:
        return redirect(back, message("error", _("Choose at least one piece.")))
    try:
        from exchange.labels import service as labels
    except ImportError:
        return redirect(back, message("error", _("Label sheets are not available on this server yet.")))
    try:
        pdf = await labels.labels_pdf(codes, layout, start)
    except (LedgerError, CodeError) as error:
        return redirect(back, error_message(error))
    stamp = datetime.now(get_settings().tz).strftime("%Y%m%d-%H%M")
    name = f"etiquettes-{stamp}.pdf" if lang_of(request) == "fr" else f"labels-{stamp}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@post("/labels/print", name="labels-print")
async def print_labels(request: Request) -> Response:
    """The "print on ..." buttons: the chosen labels straight to a label printer."""
    form = await request.form()
    codes = [str(c) for c in form.getall("codes", []) if str(c).strip()]
    codes += [c for c in _SEPARATORS.split(str(form.get("more") or "")) if c]
    printer = str(form.get("printer") or "")[:60]
    back = query_url("/labels", {"codes": ",".join(codes)[:5000], "layout": str(form.get("layout") or "")[:40]})
    if not codes:
        return redirect(back, message("error", _("Choose at least one piece.")))
    try:
        done = await printing.print_labels(codes, printer, actor_of(request))
    except (LedgerError, CodeError) as error:
        return redirect(back, error_message(error))
    sent = ngettext(
        "%(num)s label sent to %(printer)s.",
        "%(num)s labels sent to %(printer)s.",
        len(done.codes),
        printer=done.printer,
    )
    return redirect(back, message("ok", sent))


ROUTES = [labels_page, labels_pdf, print_labels]
