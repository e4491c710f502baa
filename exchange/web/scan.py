"""The /scan page: the phone's camera reads a label's QR code and opens the item's page.

The decoding happens in the browser (static/js/scan.js): the browser's own
BarcodeDetector where it has one, otherwise the vendored polyfill (ZXing in WebAssembly,
static/vendor/barcode-detector/, see static/vendor/README.md), which is told to load its
.wasm from here: the page makes no request to any other host.

The same page takes a code typed by hand or by a USB keyboard-wedge scanner (which types
the label's URL, then Enter). With JavaScript the script opens /i/{code} directly;
without it the form comes back here as ``/scan?code=...`` and is answered with a redirect
(the code read forgivingly, a label URL reduced to its code) or the page and a message.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Redirect, Template

from exchange.ledger.codes import CodeError, MistypedCode, code_from_scan
from exchange.messages import _
from exchange.settings import get_settings
from exchange.web.item_page import CODE_PROBLEMS
from exchange.web.render import asset, message, page

ITEM_PATH = "/i/"
SCRIPT = "js/scan.js"
POLYFILL = "vendor/barcode-detector/ponyfill.js"
WASM = "vendor/barcode-detector/zxing_reader.wasm"

# The sentences scan.js shows: data-msg-<name> attribute -> message. The placeholders in
# {braces} are filled by scan.js in the browser.
SCRIPT_MESSAGES = {
    "starting": _("Opening the camera…"),
    "scanning": _("Aim at the QR code: the piece's page opens as soon as it is read."),
    "opening": _("Read {code}: opening its page…"),
    "not-label": _("Read: “{text}”. This is not one of the exchange's labels."),
    "denied": _("Camera access is denied. Allow it in the browser's settings, or type the code."),
    "no-camera": _("No camera found: type the code."),
    "busy": _("The camera is in use by another app: close it, then reload the page."),
    "camera-failed": _("The camera could not start: type the code."),
    "insecure": _("The camera only opens on a secure (https) address: type the code."),
    "no-camera-api": _("This browser gives no access to the camera: type the code."),
    "decoder-failed": _("The QR code reader could not start: type the code."),
    "bad-typed": _("“{text}” is neither a code nor a label's link."),
    "empty-typed": _("Type the code on the label."),
}


def scan_context(typed: str = "") -> dict[str, Any]:
    base_url = get_settings().base_url.rstrip("/")
    return {
        "scan": {
            "script_url": asset(SCRIPT),
            "polyfill_url": asset(POLYFILL),
            "wasm_url": asset(WASM),
            "item_path": ITEM_PATH,
            "label_bases": f"{base_url}{ITEM_PATH}",
            "messages": SCRIPT_MESSAGES,
            "typed": typed,
        }
    }


@get("/scan", name="scan", include_in_schema=False, cache=False)
async def scan_page(request: Request, code: str | None = None) -> Template | Redirect:
    """The scanner; ``?code=`` (the form sent without JavaScript) opens that item."""
    if code is None:
        return page(request, "scan.html", **scan_context())
    typed = code.strip()
    if not typed:
        problem = SCRIPT_MESSAGES["empty-typed"]
    else:
        try:
            return Redirect(f"{ITEM_PATH}{code_from_scan(typed)}", status_code=303)
        except MistypedCode:
            problem = CODE_PROBLEMS["mistyped"][1](typed)
        except CodeError:
            problem = CODE_PROBLEMS["malformed"][1](typed)
    return page(
        request,
        "scan.html",
        status_code=400,
        messages=[message("error", problem)],
        **scan_context(typed),
    )


ROUTES = [scan_page]
