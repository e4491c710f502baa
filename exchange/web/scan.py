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

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from litestar import get
from litestar.response import Redirect, Template

from exchange.ledger.codes import CodeError, MistypedCode, code_from_scan
from exchange.settings import get_settings

STATIC_URL = "/static"
ITEM_PATH = "/i/"
STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
SCRIPT = "js/scan.js"
POLYFILL = "vendor/barcode-detector/ponyfill.js"
WASM = "vendor/barcode-detector/zxing_reader.wasm"

# The strings scan.js shows, by the data- attribute that carries them (data-msg-*) and
# the translation key (t()) that gives them in the visitor's language.
SCRIPT_MESSAGES = {
    "starting": "scan.starting",
    "scanning": "scan.scanning",
    "opening": "scan.opening",
    "not-label": "scan.not_label",
    "denied": "scan.denied",
    "no-camera": "scan.no_camera",
    "busy": "scan.busy",
    "camera-failed": "scan.camera_failed",
    "insecure": "scan.insecure",
    "no-camera-api": "scan.no_camera_api",
    "decoder-failed": "scan.decoder_failed",
    "bad-typed": "scan.bad_typed",
    "empty-typed": "scan.empty_typed",
}


@cache
def static_url(relative: str) -> str:
    """/static/<relative>?v=<content hash>: a new file is a new URL, so no stale cache."""
    digest = hashlib.sha256((STATIC_DIR / relative).read_bytes()).hexdigest()[:12]
    return f"{STATIC_URL}/{relative}?v={digest}"


def scan_context(typed: str = "", error: str | None = None) -> dict[str, Any]:
    base_url = get_settings().base_url.rstrip("/")
    return {
        "scan": {
            "script_url": static_url(SCRIPT),
            "polyfill_url": static_url(POLYFILL),
            "wasm_url": static_url(WASM),
            "item_path": ITEM_PATH,
            "label_bases": f"{base_url}{ITEM_PATH}",
            "messages": SCRIPT_MESSAGES,
            "typed": typed,
            "error": error,
        }
    }


@get("/scan", name="scan", include_in_schema=False, cache=False)
async def scan_page(code: str | None = None) -> Template | Redirect:
    """The scanner; ``?code=`` (the form sent without JavaScript) opens that item."""
    error = None
    if code is not None:
        if not code.strip():
            error = "scan.empty_typed"
        else:
            try:
                return Redirect(f"{ITEM_PATH}{code_from_scan(code)}", status_code=303)
            except MistypedCode:
                error = "scan.mistyped"
            except CodeError:
                error = "scan.bad_typed"
    return Template(
        template_name="scan.html",
        context=scan_context(typed=code or "", error=error),
        status_code=400 if error else 200,
    )


ROUTES = [scan_page]
