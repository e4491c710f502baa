"""/i/{code}: the page a label opens, and the actions people take from it.

Over 400 lines, for now: the page, its history's sentences and the form handling of every
action on it share the form parsing and the replies (a page, or JSON for the offline outbox);
the actions' half (`POST /i/{code}/{action}`) is the next thing to move to a module of its own."""

from __future__ import annotations

import html
import json
import re
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import msgspec
from litestar import MediaType, Request, Response, get, post
from litestar.response import Redirect
from litestar.utils.empty import value_or_default
from litestar.utils.scope.state import ScopeState

from exchange.auth.guards import actor_of
from exchange.auth.service import Actor
from exchange.items import actions, photos, present, schemas
from exchange.items.idempotency import IdempotencyRequest, run_action
from exchange.items.queries import is_blank_code
from exchange.ledger.codes import CodeError, MistypedCode, parse_code
from exchange.ledger.rules import (
    DEFAULT_RESERVATION_HOURS,
    FINAL,
    MAX_DIMENSION_MM,
    MAX_QUANTITY,
    LedgerError,
    NotFound,
    Role,
    Status,
    role_at_least,
)
from exchange.ledger.split import rest_after_cut
from exchange.lieu import queries as lieu_queries
from exchange.messages import Message, _, ngettext, translate
from exchange.problems import status_of
from exchange.tables import Item
from exchange.web import i18n, offline, queries
from exchange.web.numbers import whole_number
from exchange.web.render import (
    FLASH_COOKIE,
    current_path,
    error_message,
    lang_of,
    message,
    new_idempotency_key,
    page,
    redirect,
)

MAX_PHOTO_FORM = photos.MAX_PHOTO_BYTES + 256 * 1024


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
        item, revision = await present.get_item_revision(canonical, actor)
    except NotFound:
        blank = await is_blank_code(canonical)
        return _missing(request, 404, "blank" if blank else "unknown", canonical)
    # The same viewer sees the same page for the same state of the item: served from the
    # process's cache while the item's row (its version, bumped by every event; its photo; its
    # status as of now) is what it was, rendered once per viewer (None: no login) and language.
    # What differs per request is written in after: the form token of the viewer's cookie and
    # a new idempotency key per form. Workshop and category names are never renamed. Measured:
    # a member's page cost 1.7 ms of CPU rendered (0.03x hello-world), 0.1 ms from here.
    cache_key = None
    if FLASH_COOKIE not in request.cookies:
        engine = Item._meta.db
        cache_key = (
            id(engine),
            getattr(engine, "path", None) or repr(getattr(engine, "config", None)),
            revision,
            msgspec.json.encode(item),
            lang,
            current_path(request),
            actor,
        )
        kept = _PAGES.get(cache_key)
        if kept is not None:
            _PAGES.move_to_end(cache_key)
            return _from_kept(request, *kept)
    answer = await _item_page(request, item)
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


async def _item_page(request: Request, item: schemas.ItemOut, status_code: int = 200, **extra: Any) -> Response:
    """The item page; `extra` carries a refused form's values and problems."""
    actor = actor_of(request)
    lang = lang_of(request)
    events = await present.item_events(item.code, actor)
    workshops = await queries.workshop_names()
    lieux = await queries.workshop_lieux() if any(e.kind == "transfer" for e in events) else {}
    categories = await queries.category_names(lang)
    holder = await queries.holder_id(item.code) if item.status == Status.reserved else None
    pieces = next((e.data.get("pieces") or [] for e in events if e.kind == "split"), [])
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
        actions=allowed_actions(item, actor, holder, await _role_here(actor, item)),
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
    return Response(content=body.replace(_CSRF_MARK.encode(), token), media_type=MediaType.HTML, headers=dict(headers))


# Rendered item pages as UTF-8, least recently used dropped: 2,048 of 5-8 kB, under 16 MB. The
# marks stand where the per-request values go: NUL is refused in any text the app takes, and
# the rest is random.
PAGES_KEPT = 2048
_PAGES: OrderedDict[tuple, tuple[list[bytes], dict[str, str]]] = OrderedDict()
_CSRF_MARK = f"\x00csrf-{secrets.token_hex(8)}\x00"
_IDEM_MARK = f"\x00idem-{secrets.token_hex(8)}\x00"


# ---------------------------------------------------------------------------------------------
# Actions


# Not part of what a key stands for: the token, the key itself, and the moment the outbox
# stamps on an action sent again (the same action, whenever it is sent).
UNHASHED_FIELDS = ("_csrf_token", "_idem", "occurred_at")


def _form_hash_body(form: Any) -> bytes:
    fields = sorted((k, v) for k, v in form.multi_items() if k not in UNHASHED_FIELDS and isinstance(v, str))
    return json.dumps(fields, ensure_ascii=False).encode()


def _text(form: Any, name: str, limit: int = 200) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _convert(data: dict[str, Any], kind: type) -> Any:
    try:
        return msgspec.convert({k: v for k, v in data.items() if v not in (None, "")}, kind, strict=False)
    except msgspec.ValidationError as error:
        raise FormError(field_of(error)) from error


class FormError(Exception):
    """A form value out of bounds; `args[0]` names the field."""


def field_of(error: msgspec.ValidationError) -> str:
    """The field a msgspec validation error is about."""
    match = re.search(r"at `\$\.(\w+)`", str(error)) or re.search(r"missing required field `(\w+)`", str(error))
    return match.group(1) if match else "form"


def field_problem(lang: str, field: str) -> str:
    """What is wrong with a field, in the reader's language."""
    if field in ("length_mm", "width_mm", "thickness_mm"):
        return translate(lang, _("a whole number from 1 to %(max)s", max=i18n.format_number(MAX_DIMENSION_MM, lang)))
    if field == "quantity":
        return translate(lang, _("a whole number from 1 to %(max)s", max=i18n.format_number(MAX_QUANTITY, lang)))
    if field == "mass_kg":
        return translate(lang, _("a mass in kg, above 0 and up to 10,000"))
    if field in ("category", "workshop"):
        return translate(lang, _("required"))
    if field == "occurred_at":
        return translate(lang, _("the time of the action, ISO 8601 with its offset"))
    return translate(lang, _("too long"))


async def _run(
    request: Request, actor: Actor, form: Any, status_code: int, work: Callable[[], Awaitable[msgspec.Struct]]
) -> bytes:
    key = form.get("_idem")
    idempotency = IdempotencyRequest.of(
        key if isinstance(key, str) and key else None, "POST", request.url.path, _form_hash_body(form)
    )
    answer = await run_action(actor, idempotency, status_code, work)
    return answer.body


ACTIONS = ("reserve", "extend", "release", "use", "use-part", "move", "recycle", "discard")


@post("/i/{code:str}/{action:str}", name="item-action")
async def item_action(request: Request, code: str, action: str) -> Response:
    """An action's form; sent again by the outbox (exchange/web/offline.py) with the moment it
    was taken offline (`occurred_at`), it answers in JSON."""
    actor: Actor = actor_of(request)
    lang = lang_of(request)
    canonical = parse_code(code)
    back = f"/i/{canonical}"
    reply = offline.replier(request, back)
    if action not in ACTIONS:
        return reply(None, 404)
    form = await request.form()
    when = {"occurred_at": _text(form, "occurred_at", 40)}
    try:
        if action in ("reserve", "extend"):
            data = _convert(when, schemas.ReserveIn)
            body = await _run(request, actor, form, 200, lambda: actions.reserve(actor, canonical, data))
            item = msgspec.json.decode(body, type=schemas.ItemOut)
            until = i18n.format_datetime(item.reserved_until, lang)
            return reply(
                message(
                    "ok", _("Reserved for you until %(until)s. Pick it up before then, or release it.", until=until)
                ),
            )
        if action == "release":
            data = _convert(when, schemas.ReleaseIn)
            await _run(request, actor, form, 200, lambda: actions.release(actor, canonical, data))
            return reply(message("ok", _("Released: the piece is available again.")))
        if action == "use":
            data = _convert({"project": _text(form, "project"), **when}, schemas.UseIn)
            body = await _run(request, actor, form, 200, lambda: actions.use(actor, canonical, data))
            item = msgspec.json.decode(body, type=schemas.ItemOut)
            if data.project:
                return reply(
                    message(
                        "ok",
                        _(
                            "Recorded: %(title)s was used for “%(project)s”. Thank you! Peel off its label.",
                            title=item.title,
                            project=data.project,
                        ),
                    ),
                )
            return reply(
                message(
                    "ok",
                    _(
                        "Recorded: %(title)s was used. Thank you, it will not end up in the skip! Peel off its label.",
                        title=item.title,
                    ),
                ),
            )
        if action == "use-part":
            return await _use_part(request, actor, form, canonical, back)
        if action == "move":
            data = _convert({"workshop": _text(form, "workshop", 60), **when}, schemas.MoveIn)
            await _run(request, actor, form, 200, lambda: actions.move(actor, canonical, data))
            workshops = await queries.workshop_names()
            return reply(
                message(
                    "ok",
                    _(
                        "Moved to %(workshop)s. Put it away there.",
                        workshop=workshops.get(data.workshop, data.workshop),
                    ),
                ),
            )
        if action == "recycle":
            data = _convert({"channel": _text(form, "channel"), **when}, schemas.RecycleIn)
            await _run(request, actor, form, 200, lambda: actions.recycle(actor, canonical, data))
            return reply(message("ok", _("Sent to recycling. Put it in the right bin and peel off its label.")))
        if action == "discard":
            data = _convert({"note": _text(form, "note", 2000), **when}, schemas.DiscardIn)
            await _run(request, actor, form, 200, lambda: actions.discard(actor, canonical, data))
            return reply(message("ok", _("Discarded. Peel off its label.")))
    except FormError as error:
        return reply(message("error", _("Check the form: %(detail)s", detail=field_problem(lang, error.args[0]))), 422)
    except (LedgerError, CodeError) as error:
        return reply(error_message(error), status_of(error))
    return reply(None)


PART_FIELDS = ("used_length", "used_width", "used_quantity", "rest_length", "rest_width", "rest_quantity", "thickness")


# The use-part form's fields by name, as its errors say them.
PART_NAMES = {
    "used_length": _("Length of the part used"),
    "used_width": _("Width of the part used"),
    "used_quantity": _("Number of pieces used"),
    "rest_length": _("Length of the rest"),
    "rest_width": _("Width of the rest"),
    "rest_quantity": _("Number of pieces left"),
    "thickness": _("Thickness"),
}


def _part_problems(item: schemas.ItemOut, part: dict[str, str], lang: str) -> dict[str, str]:
    """Each field of the use-part form that is wrong, named, in millimetres."""
    longest = max(item.length_mm or 0, item.width_mm or 0)
    limits = {
        "used_length": longest,
        "used_width": longest,
        "rest_length": longest,
        "rest_width": longest,
        "thickness": item.thickness_mm or MAX_DIMENSION_MM,
        "used_quantity": item.quantity,
        "rest_quantity": item.quantity,
    }
    problems = {}
    for name, top in limits.items():
        raw, field = part[name], PART_NAMES[name]
        if not raw and name in ("used_length", "used_width"):
            problems[name] = translate(lang, _("%(field)s: in millimetres, for example 600.", field=field))
        elif raw and whole_number(raw, minimum=1, maximum=top) is None:
            most = i18n.format_number(top, lang)
            if name.endswith("quantity"):
                problem = _("%(field)s: 1 to %(max)s.", field=field, max=most)
            else:
                problem = _("%(field)s: a whole number of millimetres, 1 to %(max)s.", field=field, max=most)
            problems[name] = translate(lang, problem)
    return problems


async def _use_part(request: Request, actor: Actor, form: Any, code: str, back: str) -> Response:
    """A split into the part used and the rest, then a `use` of the part, in one transaction.

    A refused form comes back open, with what was typed and each problem beside its field;
    the rest, left empty, is worked out from the part used."""
    lang = lang_of(request)
    item = await present.get_item(code, actor)
    part = {name: _text(form, name, 10) for name in PART_FIELDS} | {"project": _text(form, "project")}
    problems = _part_problems(item, part, lang)
    if not problems and not (part["rest_length"] and part["rest_width"]):
        rest = rest_after_cut(item.length_mm, item.width_mm, int(part["used_length"]), int(part["used_width"]))
        if rest is None:
            whole = i18n.format_dimensions(item.length_mm, item.width_mm, None, lang)
            problems["used_length"] = translate(
                lang,
                _(
                    "The part used leaves nothing of the piece (%(whole)s), or does not fit in it: "
                    "give what is left, or choose “I used it”.",
                    whole=whole,
                ),
            )
        else:
            part["rest_length"], part["rest_width"] = (str(v) for v in rest)

    def refused(status_code: int, problems: dict[str, str], shown: dict[str, Any]) -> Awaitable[Response]:
        return _item_page(request, item, status_code, part=part, part_errors=problems, messages=[shown])

    if problems:
        return await refused(422, problems, message("error", _("Check the fields marked below.")))
    thickness = int(part["thickness"] or item.thickness_mm)

    def piece(prefix: str) -> schemas.PieceIn:
        return schemas.PieceIn(
            length_mm=int(part[f"{prefix}_length"]),
            width_mm=int(part[f"{prefix}_width"]),
            thickness_mm=thickness,
            quantity=int(part[f"{prefix}_quantity"] or (1 if prefix == "used" else max(1, item.quantity - 1))),
        )

    body = schemas.UsePartIn(used=piece("used"), rest=[piece("rest")], project=part["project"])

    async def work() -> schemas.UsePartOut:
        return await actions.use_part(actor, code, body)

    try:
        answer = await _run(request, actor, form, 201, work)
    except (LedgerError, CodeError) as error:
        status = status_of(error)
        return await refused(status, {"form": translate(lang, error.text)}, error_message(error))
    out = msgspec.json.decode(answer, type=schemas.UsePartOut)
    rest_code = out.rest[0].code
    return redirect(
        f"/i/{rest_code}",
        message(
            "ok",
            _(
                "Recorded: part of %(parent)s was used. The rest is a new piece, %(code)s: print its label and stick it on.",
                parent=out.parent.code,
                code=rest_code,
            ),
            links=[(_("Print the new label"), f"/labels?codes={quote(rest_code)}")],
        ),
    )


@post("/i/{code:str}/photo", name="item-photo", request_max_body_size=MAX_PHOTO_FORM)
async def item_photo(request: Request, code: str) -> Redirect:
    actor: Actor = actor_of(request)
    canonical = parse_code(code)
    back = f"/i/{canonical}"
    form = await request.form()
    upload = form.get("photo")
    if upload is None or isinstance(upload, str):
        return redirect(back, message("error", _("This photo could not be read: send a JPEG, PNG or WebP.")))
    try:
        await photos.attach_photo(actor, canonical, await upload.read())
    except (photos.NotAnImage, photos.BadImage):
        return redirect(back, message("error", _("This photo could not be read: send a JPEG, PNG or WebP.")))
    except photos.PhotoTooLarge:
        return redirect(back, message("error", _("File too large (10 MB at most).")))
    except LedgerError as error:
        return redirect(back, error_message(error))
    return redirect(back, message("ok", _("Photo saved.")))


@get("/go", name="go")
async def go(request: Request, code: str = "") -> Redirect:
    """The "type a code" form: to the label's page, whatever the spelling."""
    if not code.strip():
        return redirect("/", message("error", _("Type the code on the label.")))
    return Redirect(path=f"/i/{quote(code.strip()[:40], safe='')}", status_code=303)


ROUTES = [item_page, item_photo, item_action, go]
