"""Brother QL label printers: the label drawn at the printer's own resolution, turned into
the printer's raster language by brother_ql (the maintained brother_ql-inventree fork: the
original 0.9.4 calls Image.ANTIALIAS, gone from Pillow 10 on), and sent over the network
(tcp://host:9100) or to a local device (/dev/usb/lp0), never waiting more than SEND_TIMEOUT_S.

The image is drawn at exactly the label's printable dots (brother_ql's table), so brother_ql
never resizes it and every QR module stays a whole number of dots (labels/draw.py)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from PIL import Image

from exchange.labels.draw import LabelContent, render_label
from exchange.labels.layouts import MM_PER_INCH, Layout
from exchange.ledger.rules import Invalid, LedgerError
from exchange.messages import _

DPI = 300  # every QL model's head; the 600 dpi mode doubles dots along the feed only
SEND_TIMEOUT_S = 5.0  # connect and send: an unreachable printer is an error, never a hang
DEFAULT_PORT = 9100  # the raw printing port of Brother's network printers
_DEVICE = re.compile(r"/dev/(usb/)?lp\d{1,2}")
# Endless tape: each label cut at this length along the feed (a 62 mm roll gives 62 x 40 mm,
# like the roll-62 layout); narrow tapes get a longer label, to hold the QR code and text.
ENDLESS_LENGTH_MM = {True: 40.0, False: 62.0}  # keyed by "printable width >= 45 mm"


class PrinterError(LedgerError):
    """The printer could not take the job: a 502 (refused, unknown host) or 504 (no answer)."""

    status_code = 502


class PrinterTimeout(PrinterError):
    status_code = 504


class PrinterBusy(PrinterError):
    status_code = 503


def _models() -> dict[str, object]:
    from brother_ql.models import ALL_MODELS

    return {m.identifier: m for m in ALL_MODELS if m.identifier.startswith("QL-")}


def _labels() -> dict[str, object]:
    from brother_ql.labels import ALL_LABELS, FormFactor

    kept = (FormFactor.ENDLESS, FormFactor.DIE_CUT)
    return {
        label.identifier: label for label in ALL_LABELS if label.form_factor in kept and "red" not in label.identifier
    }


def models() -> list[str]:
    return list(_models())


def labels_for(model: str) -> list[str]:
    return [
        name
        for name, label in _labels().items()
        if not label.restricted_to_models or model in label.restricted_to_models
    ]


@dataclass(frozen=True)
class Destination:
    kind: str  # tcp | device
    host: str = ""
    port: int = DEFAULT_PORT
    path: str = ""


def parse_uri(uri: str) -> Destination:
    """tcp://host[:port] or a local printer device, /dev/usb/lpN (file:///dev/usb/lpN too)."""
    uri = uri.strip()
    device = uri.removeprefix("file://")
    if device.startswith("/"):
        if not _DEVICE.fullmatch(device):
            raise Invalid(_("A local printer is a device such as /dev/usb/lp0."), field="uri")
        return Destination("device", path=device)
    parts = urlsplit(uri)
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise Invalid(_("The port of the printer's address is not a number from 1 to 65535."), field="uri") from None
    if parts.scheme != "tcp" or not parts.hostname or parts.path not in ("", "/"):
        raise Invalid(_("A network printer's address reads tcp://host:9100."), field="uri")
    return Destination("tcp", host=parts.hostname, port=port)


def check_printer(model: str, label: str, uri: str) -> None:
    if model not in _models():
        raise Invalid(
            _("Unknown model '%(model)s': one of %(models)s.", model=model, models=", ".join(_models())), field="model"
        )
    if label not in labels_for(model):
        raise Invalid(
            _(
                "The %(model)s takes none of '%(label)s': one of %(labels)s.",
                model=model,
                label=label,
                labels=", ".join(labels_for(model)),
            ),
            field="label",
        )
    parse_uri(uri)


def label_layout(label: str) -> Layout:
    """The label's printable area as a layout, at exactly its dots at 300 dpi."""
    spec = _labels()[label]
    across, along = spec.dots_printable
    width_mm = across * MM_PER_INCH / DPI
    length_mm = along * MM_PER_INCH / DPI if along else ENDLESS_LENGTH_MM[width_mm >= 45]
    return Layout(f"ql-{label}", f"Brother QL {label}", width_mm, length_mm, width_mm, length_mm, 1, 1, 0, 0, 0, 0)


def label_image(content: LabelContent, label: str) -> Image.Image:
    return render_label(content, label_layout(label), DPI)


def raster(model: str, label: str, images: list[Image.Image]) -> bytes:
    """The printer's job: brother_ql's raster instructions, cut after each label."""
    from brother_ql.conversion import convert
    from brother_ql.raster import BrotherQLRaster

    job = BrotherQLRaster(model)
    job.exception_on_warning = True  # a resize would blur the QR modules: refuse, never resample
    return bytes(convert(job, images, label, cut=True, rotate="0", dither=False, compress=False, hq=True))


async def send(uri: str, data: bytes, timeout: float | None = None) -> None:
    """Hand the job to the printer; returns once every byte is sent, raises PrinterError."""
    destination = parse_uri(uri)
    timeout = SEND_TIMEOUT_S if timeout is None else timeout
    try:
        async with asyncio.timeout(timeout):
            if destination.kind == "tcp":
                await _send_tcp(destination, data)
            else:
                await asyncio.to_thread(_write_device, destination.path, data)
    except TimeoutError:
        raise PrinterTimeout(f"The printer at {uri} did not answer within {timeout:g} seconds.") from None
    except PrinterError:
        raise
    except OSError as error:
        reason = error.strerror or str(error)
        raise PrinterError(f"The printer at {uri} cannot be reached: {reason}.") from None


async def _send_tcp(destination: Destination, data: bytes) -> None:
    _, writer = await asyncio.open_connection(destination.host, destination.port)
    try:
        writer.write(data)
        await writer.drain()
        writer.write_eof()
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def _write_device(path: str, data: bytes) -> None:
    # Opened without waiting (a missing or switched-off printer fails at once), written in full.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except BlockingIOError:
        raise PrinterBusy(f"The printer at {path} is busy.") from None
    try:
        os.set_blocking(fd, True)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
