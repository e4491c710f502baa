"""The forms that act on one item, from its page (/i/{code}): reserve, extend, release, use,
use part of it, move, recycle, discard (`POST /i/{code}/{action}`), transfer to another lieu
(`POST /i/{code}/transfer`) and its photo (`POST /i/{code}/photo`). Each calls the ledger's action (exchange/items/actions.py) once per
idempotency key and answers with a redirect and a message, or JSON to the offline outbox. The
page itself, and what it offers to whom, is exchange/web/item_page.py."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import msgspec
from litestar import Request, Response, post
from litestar.response import Redirect

from exchange.auth.guards import actor_of
from exchange.auth.service import Actor
from exchange.items import actions, photos, present, schemas
from exchange.items.idempotency import IdempotencyRequest, run_action
from exchange.ledger.codes import CodeError, parse_code
from exchange.ledger.rules import MAX_DIMENSION_MM, LedgerError
from exchange.ledger.split import rest_after_cut
from exchange.lieu import queries as lieu_queries
from exchange.lieu.service import list_workshops
from exchange.messages import _, translate
from exchange.problems import status_of
from exchange.web import forms, i18n, offline, queries
from exchange.web.item_page import render_item_page
from exchange.web.numbers import whole_number
from exchange.web.render import error_message, lang_of, message, redirect

MAX_PHOTO_FORM = photos.MAX_PHOTO_BYTES + 256 * 1024


# Not part of what a key stands for: the token, the key itself, and the moment the outbox
# stamps on an action sent again (the same action, whenever it is sent).
UNHASHED_FIELDS = ("_csrf_token", "_idem", "occurred_at")


def form_hash_body(form: Any) -> bytes:
    fields = sorted((k, v) for k, v in form.multi_items() if k not in UNHASHED_FIELDS and isinstance(v, str))
    return json.dumps(fields, ensure_ascii=False).encode()


async def run_once(
    request: Request, actor: Actor, form: Any, status_code: int, work: Callable[[], Awaitable[msgspec.Struct]]
) -> bytes:
    key = form.get("_idem")
    idempotency = IdempotencyRequest.of(
        key if isinstance(key, str) and key else None, "POST", request.url.path, form_hash_body(form)
    )
    answer = await run_action(actor, idempotency, status_code, work)
    return answer.body


ACTIONS = ("reserve", "extend", "release", "use", "use-part", "move", "recycle", "discard")


@post("/i/{code:str}/{action:str}", name="item-action")
async def item_action(request: Request, code: str, action: str) -> Response:
    """An action's form; sent again by the outbox (exchange/web/offline.py) with the moment it
    was taken offline (`occurred_at`), it answers in JSON."""
    if action not in ACTIONS:
        return offline.replier(request, f"/i/{parse_code(code)}")(None, 404)
    return await _act(request, code, action)


@post("/i/{code:str}/transfer", name="item-transfer")
async def item_transfer(request: Request, code: str) -> Response:
    """A steward of the item's lieu passes it to a workshop of another lieu (the ledger's
    `transfer`, as POST /api/v1/items/{code}/transfer): a route of its own, for stewards
    (exchange/auth/permissions.py), where the other actions share one for members."""
    return await _act(request, code, "transfer")


async def _act(request: Request, code: str, action: str) -> Response:
    actor: Actor = actor_of(request)
    lang = lang_of(request)
    canonical = parse_code(code)
    back = f"/i/{canonical}"
    reply = offline.replier(request, back)
    form = await request.form()
    when = {"occurred_at": forms.text(form, "occurred_at", 40)}
    try:
        if action in ("reserve", "extend"):
            data = forms.convert(when, schemas.ReserveIn)
            body = await run_once(request, actor, form, 200, lambda: actions.reserve(actor, canonical, data))
            item = msgspec.json.decode(body, type=schemas.ItemOut)
            until = i18n.format_datetime(item.reserved_until, lang)
            return reply(
                message(
                    "ok", _("Reserved for you until %(until)s. Pick it up before then, or release it.", until=until)
                ),
            )
        if action == "release":
            data = forms.convert(when, schemas.ReleaseIn)
            await run_once(request, actor, form, 200, lambda: actions.release(actor, canonical, data))
            return reply(message("ok", _("Released: the piece is available again.")))
        if action == "use":
            data = forms.convert({"project": forms.text(form, "project"), **when}, schemas.UseIn)
            body = await run_once(request, actor, form, 200, lambda: actions.use(actor, canonical, data))
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
            data = forms.convert({"workshop": forms.text(form, "workshop", 60), **when}, schemas.MoveIn)
            await run_once(request, actor, form, 200, lambda: actions.move(actor, canonical, data))
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
        if action == "transfer":
            fields = {"workshop": forms.text(form, "workshop", 60), "note": forms.text(form, "note", 2000)}
            data = forms.convert({**fields, **when}, schemas.TransferIn)
            if not data.workshop:
                raise forms.FormError("workshop")
            await run_once(request, actor, form, 200, lambda: actions.transfer(actor, canonical, data))
            target = next((w for w in await list_workshops() if w.slug == data.workshop), None)
            lieu_names = await lieu_queries.lieu_names()
            return reply(
                message(
                    "ok",
                    _(
                        "Transferred to %(workshop)s (%(lieu)s): it keeps its code and its label. Hand it over to them.",
                        workshop=target.name if target else data.workshop,
                        lieu=lieu_names.get(target.lieu, target.lieu) if target else "?",
                    ),
                ),
            )
        if action == "recycle":
            data = forms.convert({"channel": forms.text(form, "channel"), **when}, schemas.RecycleIn)
            await run_once(request, actor, form, 200, lambda: actions.recycle(actor, canonical, data))
            return reply(message("ok", _("Sent to recycling. Put it in the right bin and peel off its label.")))
        if action == "discard":
            data = forms.convert({"note": forms.text(form, "note", 2000), **when}, schemas.DiscardIn)
            await run_once(request, actor, form, 200, lambda: actions.discard(actor, canonical, data))
            return reply(message("ok", _("Discarded. Peel off its label.")))
    except forms.FormError as error:
        return reply(
            message("error", _("Check the form: %(detail)s", detail=forms.field_problem(lang, error.args[0]))), 422
        )
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
    part = {name: forms.text(form, name, 10) for name in PART_FIELDS} | {"project": forms.text(form, "project")}
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
        return render_item_page(request, item, status_code, part=part, part_errors=problems, messages=[shown])

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
        answer = await run_once(request, actor, form, 201, work)
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


ROUTES = [item_photo, item_transfer, item_action]
