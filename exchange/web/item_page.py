"""/i/{code}: the page a label opens (its piece, its history in words, the actions it offers
to whom) and /go, the "type a code" form. The forms those actions post to are
exchange/web/item_action_forms.py."""

from __future__ import annotations

import html
import secrets
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from litestar import MediaType, Request, Response, get
from litestar.response import Redirect
from litestar.utils.empty import value_or_default
from litestar.utils.scope.state import ScopeState

from exchange.auth.guards import actor_of
from exchange.auth.service import Actor
from exchange.encoded_response import EncodedResponse
from exchange.items import present, schemas
from exchange.items.queries import is_blank_code
from exchange.ledger.codes import CodeError, MistypedCode, parse_code
from exchange.ledger.rules import (
    DEFAULT_RESERVATION_HOURS,
    FINAL,
    LedgerError,
    NotFound,
    Role,
    Status,
    role_at_least,
)
from exchange.lieu import queries as lieu_queries
from exchange.lieu.service import list_workshops
from exchange.messages import Message, _, ngettext, translate
from exchange.web import i18n, queries
from exchange.web.render import (
    FLASH_COOKIE,
    current_path,
    lang_of,
    message,
    new_idempotency_key,
    page,
    redirect,
)


def local_url(url: str | None) -> str | None:
    """The path of an absolute URL the API gives out: pages link within the site they are on."""
    return urlsplit(url).path if url else None


# ---------------------------------------------------------------------------------------------
# A code that opens no item: mistyped, not a code, unknown, or a blank label

CODE_PROBLEMS = {
    "mistyped": (
        _("Mistyped code"),
        lambda code: _(
            "The code “%(code)s” is mistyped: its last symbol (the check symbol) does not match. Compare each symbol with the label.",
            code=code,
        ),
    ),
    "malformed": (
        _("This is not a code"),
        lambda code: _(
            "“%(code)s” is not a label code: a code has 8 symbols, digits and letters except I, L, O and U, like 7K3M-Q9XJ.",
            code=code,
        ),
    ),
    "unknown": (_("Unknown code"), lambda code: _("No piece holds the code %(code)s.", code=code)),
    "blank": (
        _("Blank label"),
        lambda code: _("The code %(code)s is a pre-printed label that has no piece yet.", code=code),
    ),
}


def _missing(request: Request, status: int, kind: str, code: str) -> Response:
    title, text = CODE_PROBLEMS[kind]
    return page(request, "items/missing.html", status_code=status, kind=kind, code=code, title=title, text=text(code))


# ---------------------------------------------------------------------------------------------
# The ledger in words


def _event_text(
    event: schemas.EventOut, lang: str, workshops: dict[str, str], lieux: dict[str, str] | None = None
) -> tuple[str, list[tuple[str, str]]]:
    """One line of the ledger in words, and the codes it links to."""

    def t(text: Message) -> str:
        return text.translate(lang)

    where = workshops.get(event.workshop, event.workshop)
    data = event.data or {}
    links: list[tuple[str, str]] = []
    match event.kind:
        case "intake":
            text = t(_("Logged in at %(workshop)s", workshop=where))
        case "transfer":
            origin = event.from_workshop or "?"
            text = t(
                _(
                    "Transferred from %(origin)s (%(from_lieu)s) to %(workshop)s (%(lieu)s)",
                    origin=workshops.get(origin, origin),
                    from_lieu=(lieux or {}).get(origin, "?"),
                    workshop=where,
                    lieu=(lieux or {}).get(event.workshop, "?"),
                )
            )
        case "move":
            text = t(
                _(
                    "Moved from %(origin)s to %(workshop)s",
                    origin=workshops.get(event.from_workshop or "", event.from_workshop or "?"),
                    workshop=where,
                )
            )
        case "reserve":
            until = _parse_time(data.get("until"))
            text = t(_("Reserved until %(until)s", until=i18n.format_datetime(until, lang) if until else "?"))
        case "release":
            return t(_("Reservation expired") if event.note == "reservation expired" else _("Released")), links
        case "use":
            project = data.get("project")
            text = t(_("Used for “%(project)s”", project=project)) if project else t(_("Used"))
        case "recycle":
            channel = data.get("channel")
            text = t(_("Sent to recycling (%(channel)s)", channel=channel)) if channel else t(_("Sent to recycling"))
        case "discard":
            text = t(_("Discarded"))
        case "split":
            pieces = data.get("pieces") or []
            text = t(
                ngettext(
                    "Cut into %(num)s piece, loss %(loss)s",
                    "Cut into %(num)s pieces, loss %(loss)s",
                    len(pieces),
                    loss=i18n.format_kg(event.loss_kg, lang),
                )
            )
            links = [(code, f"/i/{code}") for code in pieces]
        case "piece":
            parent = data.get("parent", "?")
            text = t(_("Cut from %(parent)s", parent=parent))
            links = [(parent, f"/i/{parent}")]
        case "adjust":
            changed = ", ".join(sorted(data.get("before") or {}))
            text = t(_("Corrected (%(what)s)", what=changed)) if changed else t(_("Corrected"))
        case _:
            text = event.kind
    if event.note:
        text += f" — {event.note}"
    return text, links


def _parse_time(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


# An action the server wrote later than this after it happened (taken offline, or brought in
# by a steward) shows both times; the seconds of an ordinary request never do.
RECORDED_LATE = timedelta(minutes=5)


def journey(events: list[schemas.EventOut], lieux: dict[str, str]) -> list[str]:
    """The lieux the piece went through, in order (one, until it is first transferred)."""
    stops: list[str] = []
    for event in events:
        if event.kind in ("intake", "piece", "transfer"):
            here = lieux.get(event.workshop, "?")
            if not stops or stops[-1] != here:
                stops.append(here)
    return stops


def history(
    events: list[schemas.EventOut], lang: str, workshops: dict[str, str], lieux: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    lines = []
    for event in reversed(events):  # newest first: what happened last matters most on the floor
        text, links = _event_text(event, lang, workshops, lieux)
        late = event.recorded_at - event.occurred_at > RECORDED_LATE
        lines.append(
            {
                "recorded": translate(
                    lang, _("recorded on %(when)s", when=i18n.format_datetime(event.recorded_at, lang))
                )
                if late
                else None,
                "recorded_iso": event.recorded_at.isoformat(),
                "when": i18n.format_datetime(event.occurred_at, lang),
                "iso": event.occurred_at.isoformat(),
                "text": text,
                "by": event.by,
                "mass": i18n.format_kg(event.mass_kg, lang) if event.mass_kg is not None else None,
                "links": [{"text": t, "href": h} for t, h in links],
                "kind": event.kind,
            }
        )
    return lines


# ---------------------------------------------------------------------------------------------
# What someone may do here


def allowed_actions(
    item: schemas.ItemOut, actor: Actor | None, holder: int | None, role: Role | None = None
) -> list[str]:
    """The actions the person's role (in the item's lieu: `role`) and the item's status allow,
    in the order the page shows them."""
    if actor is None or role is None:
        return []
    status = Status(item.status)
    if status in FINAL:
        return []
    steward = role_at_least(role, Role.steward)
    mine = status is Status.reserved and holder == actor.id
    dims = None not in (item.length_mm, item.width_mm, item.thickness_mm) and item.mass_kg is not None
    actions: list[str] = []
    if status is Status.available:
        actions += ["reserve", "use"]
    elif mine:
        actions += ["use", "extend", "release"]
    elif steward:
        actions += ["release"]
    if dims and (status is Status.available or mine):
        actions.append("use-part")  # whoever may use it may cut off the part used
    if steward:
        actions.append("move")
        if status is Status.available:
            actions += ["recycle", "discard"]
        actions.append("photo")
    return actions


async def _destinations(item: schemas.ItemOut) -> tuple[dict[str, str], list[tuple[str, list[tuple[str, str]]]]]:
    """Where a steward may send the item: the other workshops of its lieu (a move), by name,
    and the workshops of the other lieux (a transfer) as (lieu's name, [(slug, name)]), by
    lieu's name. A single-lieu installation has no transfer to offer."""
    move_to: dict[str, str] = {}
    elsewhere: dict[str, list[tuple[str, str]]] = {}
    for workshop in await list_workshops():
        if workshop.lieu == item.lieu:
            if workshop.slug != item.workshop:
                move_to[workshop.slug] = workshop.name
        else:
            elsewhere.setdefault(workshop.lieu, []).append((workshop.slug, workshop.name))
    if not elsewhere:
        return move_to, []
    names = await lieu_queries.lieu_names()
    transfer_to = sorted(((names.get(lieu, lieu), choices) for lieu, choices in elsewhere.items()), key=lambda g: g[0])
    return move_to, transfer_to


async def _role_here(actor: Actor | None, item: schemas.ItemOut) -> Role | None:
    """The actor's role in the item's lieu (None: not logged in, or not theirs to act on)."""
    if actor is None:
        return None
    lieu = await lieu_queries.sharing_of(item.lieu)
    try:
        return actor.role_for_item(lieu and lieu["id"], bool(lieu and lieu["shares_with_network"]))
    except LedgerError:
        return None


@get("/i/{code:str}", name="item-page")
async def item_page(request: Request, code: str) -> Response:
    actor = actor_of(request)
    lang = lang_of(request)
    try:
        canonical = parse_code(code)
    except MistypedCode:
        return _missing(request, 400, "mistyped", code)
    except CodeError:
        return _missing(request, 400, "malformed", code)
    if canonical != code:
        return Redirect(path=f"/i/{canonical}", status_code=301)
    try:
        revision = await present.item_revision(canonical, present.now_utc())
    except NotFound:
        blank = await is_blank_code(canonical)
        return _missing(request, 404, "blank" if blank else "unknown", canonical)
    # The same viewer sees the same page for the same state of the item: served from the
    # process's cache while the item's revision (present.item_revision: its version, bumped by
    # every event; its photo; its holder; its status as of now) is what it was, rendered once
    # per viewer (None: no login), language and address. What differs per request is written
    # in after: the form token of the viewer's cookie and a new idempotency key per form.
    # Workshop and category names are never renamed. Measured: a member's page cost 1.7 ms of
    # CPU rendered (0.03x hello-world), 0.1 ms from here.
    cache_key = None
    if FLASH_COOKIE not in request.cookies:
        cache_key = (revision, lang, current_path(request), actor)
        kept = _PAGES.get(cache_key)
        if kept is not None:
            _PAGES.move_to_end(cache_key)
            return _from_kept(request, *kept)
    try:
        item = await present.get_item(canonical, actor)
    except NotFound:  # deleted between the two reads: as if it had never been
        return _missing(request, 404, "unknown", canonical)
    answer = await render_item_page(request, item)
    if cache_key is None or answer.cookies:
        return answer
    template = request.app.template_engine.get_template(answer.template_name)
    context = answer.create_template_context(request)
    context.update(
        csrf_token=_CSRF_MARK,
        csrf_input=f'<input type="hidden" name="_csrf_token" value="{_CSRF_MARK}" />',
        idem=lambda: _IDEM_MARK,
    )
    kept = (template.render(**context).encode().split(_IDEM_MARK.encode()), dict(answer.headers))
    _PAGES[cache_key] = kept
    if len(_PAGES) > PAGES_KEPT:
        _PAGES.popitem(last=False)
    return _from_kept(request, *kept)


async def render_item_page(request: Request, item: schemas.ItemOut, status_code: int = 200, **extra: Any) -> Response:
    """The item page; `extra` carries a refused form's values and problems."""
    actor = actor_of(request)
    lang = lang_of(request)
    events = await present.item_events(item.code, actor)
    workshops = await queries.workshop_names()
    lieux = await queries.workshop_lieux() if any(e.kind == "transfer" for e in events) else {}
    categories = await queries.category_names(lang)
    holder = await queries.holder_id(item.code) if item.status == Status.reserved else None
    pieces = next((e.data.get("pieces") or [] for e in events if e.kind == "split"), [])
    actions = allowed_actions(item, actor, holder, await _role_here(actor, item))
    move_to, transfer_to = (await _destinations(item)) if "move" in actions else ({}, [])
    if "move" in actions and not move_to:  # the lieu's only workshop: nowhere to move it
        actions.remove("move")
    if transfer_to:
        actions.append("transfer")
    return page(
        request,
        "items/item.html",
        status_code=status_code,
        item=item,
        photo_url=local_url(item.photo_url),
        label_url=local_url(item.label_url),
        category_name=categories.get(item.category, item.category),
        workshop_name=workshops.get(item.workshop, item.workshop),
        workshops=workshops,
        history=history(events, lang, workshops, lieux),
        journey=journey(events, lieux) if any(e.kind == "transfer" for e in events) else [],
        actions=actions,
        move_to=move_to,
        transfer_to=transfer_to,
        mine=holder is not None and actor is not None and holder == actor.id,
        final=Status(item.status) in FINAL,
        pieces=pieces,
        hours=DEFAULT_RESERVATION_HOURS,
        part=extra.pop("part", {}),
        part_errors=extra.pop("part_errors", {}),
        **extra,
    )


def _from_kept(request: Request, parts: list[bytes], headers: dict[str, str]) -> Response:
    """A kept page with this request's form token and a new idempotency key for each form."""
    token = html.escape(value_or_default(ScopeState.from_scope(request.scope).csrf_token, "")).encode()
    body = parts[0]
    for part in parts[1:]:
        body += new_idempotency_key().encode() + part
    return EncodedResponse(body.replace(_CSRF_MARK.encode(), token), MediaType.HTML, headers)


# Rendered item pages as UTF-8, least recently used dropped: 2,048 of 5-8 kB, under 16 MB. The
# marks stand where the per-request values go: NUL is refused in any text the app takes, and
# the rest is random.
PAGES_KEPT = 2048
_PAGES: OrderedDict[tuple, tuple[list[bytes], dict[str, str]]] = OrderedDict()


def forget_kept_pages() -> None:
    """Drop the kept pages (see present.forget_kept)."""
    _PAGES.clear()


_CSRF_MARK = f"\x00csrf-{secrets.token_hex(8)}\x00"
_IDEM_MARK = f"\x00idem-{secrets.token_hex(8)}\x00"


@get("/go", name="go")
async def go(request: Request, code: str = "") -> Redirect:
    """The "type a code" form: to the label's page, whatever the spelling."""
    if not code.strip():
        return redirect("/", message("error", _("Type the code on the label.")))
    return Redirect(path=f"/i/{quote(code.strip()[:40], safe='')}", status_code=303)


ROUTES = [item_page, go]
