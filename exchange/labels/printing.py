"""Label printers of the lieu (configured by a coordinator) and print jobs sent to them."""

from __future__ import annotations

import asyncio
from typing import Annotated

import msgspec

from exchange.items.present import now_utc
from exchange.labels import printers, queries
from exchange.labels.service import contents_for
from exchange.ledger.rules import Invalid, NotFound
from exchange.messages import _

MAX_PRINT = 200  # labels in one job: a full roll of die-cut labels is 300 to 400
PrinterName = Annotated[str, msgspec.Meta(min_length=1, max_length=60)]


class PrinterIn(msgspec.Struct, forbid_unknown_fields=True):
    name: PrinterName
    model: Annotated[str, msgspec.Meta(max_length=20, examples=["QL-820NWB"])]
    label: Annotated[str, msgspec.Meta(max_length=20, examples=["62"], description="brother_ql's label name")]
    uri: Annotated[str, msgspec.Meta(max_length=300, examples=["tcp://192.168.1.50:9100", "/dev/usb/lp0"])]


class PrinterOut(msgspec.Struct):
    name: str
    model: str
    label: str
    uri: str


class PrintIn(msgspec.Struct, forbid_unknown_fields=True):
    codes: Annotated[list[str], msgspec.Meta(min_length=1, max_length=MAX_PRINT)]
    printer: PrinterName


class PrintOut(msgspec.Struct):
    printer: str
    codes: list[str]
    bytes_sent: int


def _out(row: dict) -> PrinterOut:
    return PrinterOut(name=row["name"], model=row["model"], label=row["label"], uri=row["uri"])


async def save_printer(data: PrinterIn) -> tuple[PrinterOut, bool]:
    """Add a printer, or change the one of that name; returns (it, whether it is new)."""
    name = data.name.strip()
    if not name:
        raise Invalid(_("A printer has a name."), field="name")
    printers.check_printer(data.model, data.label, data.uri)
    values = {"model": data.model, "label": data.label, "uri": data.uri.strip()}
    changed = await queries.update_printer(name, values)
    if not changed:
        await queries.insert_printer({"name": name, "created_at": now_utc(), **values})
    return PrinterOut(name=name, **values), not changed


async def list_printers() -> list[PrinterOut]:
    return [_out(row) for row in await queries.printers()]


async def printer_named(name: str) -> PrinterOut:
    row = await queries.printer_named(name.strip())
    if row is None:
        raise NotFound(_("No printer is named '%(name)s'.", name=name))
    return _out(row)


def _job(printer: PrinterOut, contents: list) -> bytes:
    return printers.raster(printer.model, printer.label, [printers.label_image(c, printer.label) for c in contents])


async def print_labels(codes: list[str], printer_name: str) -> PrintOut:
    """Draw the labels for the printer, send them; returns once the printer has every byte."""
    if not codes:
        raise Invalid(_("Name at least one code."), field="codes")
    if len(codes) > MAX_PRINT:
        raise Invalid(_("At most %(max)s labels at once.", max=MAX_PRINT), field="codes")
    printer = await printer_named(printer_name)
    contents = await contents_for(codes)
    job = await asyncio.to_thread(_job, printer, contents)
    await printers.send(printer.uri, job)
    return PrintOut(printer=printer.name, codes=[c.code for c in contents], bytes_sent=len(job))
