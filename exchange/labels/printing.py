"""Label printers of the lieux (each configured by its lieu's coordinators) and print jobs sent
to them by its stewards. A printer of another lieu is not listed, and printing on it is a 404:
one lieu's stewards do not spend another lieu's labels, nor learn where its printers are."""

from __future__ import annotations

import asyncio
from typing import Annotated

import msgspec

from exchange.auth.service import Actor
from exchange.items.present import now_utc
from exchange.labels import printers, queries
from exchange.labels.service import contents_for
from exchange.ledger.rules import Conflict, Forbidden, Invalid, NotFound, Role, role_at_least
from exchange.lieu.lieux import lieu_id
from exchange.lieu.queries import lieu_slug_of
from exchange.messages import _

MAX_PRINT = 200  # labels in one job: a full roll of die-cut labels is 300 to 400
PrinterName = Annotated[str, msgspec.Meta(min_length=1, max_length=60)]


class PrinterIn(msgspec.Struct, forbid_unknown_fields=True):
    name: PrinterName
    model: Annotated[str, msgspec.Meta(max_length=20, examples=["QL-820NWB"])]
    label: Annotated[str, msgspec.Meta(max_length=20, examples=["62"], description="brother_ql's label name")]
    uri: Annotated[str, msgspec.Meta(max_length=300, examples=["tcp://192.168.1.50:9100", "/dev/usb/lp0"])]
    lieu: Annotated[str, msgspec.Meta(max_length=60, description="the lieu's slug; default your own")] | None = None


class PrinterOut(msgspec.Struct):
    name: str
    model: str
    label: str
    uri: str
    lieu: str | None  # the slug of the lieu whose printer it is


class PrintIn(msgspec.Struct, forbid_unknown_fields=True):
    codes: Annotated[list[str], msgspec.Meta(min_length=1, max_length=MAX_PRINT)]
    printer: PrinterName


class PrintOut(msgspec.Struct):
    printer: str
    codes: list[str]
    bytes_sent: int


def _out(row: dict) -> PrinterOut:
    return PrinterOut(name=row["name"], model=row["model"], label=row["label"], uri=row["uri"], lieu=row["lieu_slug"])


def _may(actor: Actor | None, lieu: int | None, minimum: Role) -> bool:
    """Whether `actor` holds `minimum` in `lieu`; None is the command line (the server's own
    administrator)."""
    return actor is None or actor.holds(lieu, minimum)


async def save_printer(data: PrinterIn, actor: Actor | None = None) -> tuple[PrinterOut, bool]:
    """Add a printer to `data.lieu` (by default the actor's own lieu), or change the one of that
    name there; returns (it, whether it is new)."""
    name = data.name.strip()
    if not name:
        raise Invalid(_("A printer has a name."), field="name")
    lieu = await lieu_id(data.lieu, default=actor.lieu if actor is not None else None)
    if not _may(actor, lieu, Role.coordinator):
        raise Forbidden(_("Only a coordinator of the lieu configures its printers."))
    printers.check_printer(data.model, data.label, data.uri)
    existing = await queries.printer_named(name)
    if existing is not None and existing["lieu"] not in (None, lieu):
        raise Conflict(_("Another lieu has a printer named '%(name)s': choose another name.", name=name))
    values = {"model": data.model, "label": data.label, "uri": data.uri.strip(), "lieu": lieu}
    changed = await queries.update_printer(name, values)
    if not changed:
        await queries.insert_printer({"name": name, "created_at": now_utc(), **values})
    out = {k: v for k, v in values.items() if k != "lieu"}
    return PrinterOut(name=name, lieu=await lieu_slug_of(lieu), **out), not changed


async def list_printers(actor: Actor | None = None) -> list[PrinterOut]:
    """The printers of the lieux where `actor` is a steward or more (every printer for the
    command line, the network coordinator, or an actor made in code for a single lieu)."""
    lieux = None
    if actor is not None and not actor.network and actor.roles is not None:
        lieux = [lieu for lieu, role in actor.roles if role_at_least(role, Role.steward)]
    return [_out(row) for row in await queries.printers(lieux)]


async def printer_named(name: str, actor: Actor | None = None) -> PrinterOut:
    """The printer `name`, when `actor` is a steward of its lieu (else as if there were none)."""
    row = await queries.printer_named(name.strip())
    if row is None or not _may(actor, row["lieu"], Role.steward):
        raise NotFound(_("No printer is named '%(name)s'.", name=name))
    return _out(row)


def _job(printer: PrinterOut, contents: list) -> bytes:
    return printers.raster(printer.model, printer.label, [printers.label_image(c, printer.label) for c in contents])


async def print_labels(codes: list[str], printer_name: str, actor: Actor | None = None) -> PrintOut:
    """Draw the labels for the printer, send them; returns once the printer has every byte."""
    if not codes:
        raise Invalid(_("Name at least one code."), field="codes")
    if len(codes) > MAX_PRINT:
        raise Invalid(_("At most %(max)s labels at once.", max=MAX_PRINT), field="codes")
    printer = await printer_named(printer_name, actor)
    contents = await contents_for(codes)
    job = await asyncio.to_thread(_job, printer, contents)
    await printers.send(printer.uri, job)
    return PrintOut(printer=printer.name, codes=[c.code for c in contents], bytes_sent=len(job))
