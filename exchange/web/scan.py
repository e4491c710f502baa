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
from exchange.settings import get_settings
from exchange.web import i18n
from exchange.web.render import asset, message, page

ITEM_PATH = "/i/"
SCRIPT = "js/scan.js"
POLYFILL = "vendor/barcode-detector/ponyfill.js"
WASM = "vendor/barcode-detector/zxing_reader.wasm"

# The page's words, (French, English) as in exchange.web.i18n.MESSAGES, where they are
# added unless the catalogue already has them. Placeholders in {braces} are filled by
# scan.js in the browser (not by t()).
MESSAGES: dict[str, tuple[str, str]] = {
    "scan.title": ("Scanner une étiquette", "Scan a label"),
    "scan.intro": (
        "Visez le QR code de l'étiquette avec la caméra, ou tapez son code.",
        "Aim the camera at the label's QR code, or type its code.",
    ),
    "scan.video_label": ("Image de la caméra", "Camera view"),
    "scan.code_label": ("Code ou lien de l'étiquette", "Code or link on the label"),
    "scan.code_hint": (
        "8 signes, par exemple 7K3M-Q9XJ ; une douchette USB le tape toute seule.",
        "8 symbols, for example 7K3M-Q9XJ; a USB barcode scanner types it for you.",
    ),
    "scan.open": ("Ouvrir", "Open"),
    "scan.starting": ("Ouverture de la caméra…", "Opening the camera…"),
    "scan.scanning": (
        "Visez le QR code : la fiche de la pièce s'ouvre dès qu'il est lu.",
        "Aim at the QR code: the piece's page opens as soon as it is read.",
    ),
    "scan.opening": ("Code {code} lu : ouverture de sa fiche…", "Read {code}: opening its page…"),
    "scan.not_label": (
        "Lu : « {text} ». Ce n'est pas une étiquette de la matériauthèque.",
        "Read: “{text}”. This is not one of the exchange's labels.",
    ),
    "scan.denied": (
        "L'accès à la caméra est refusé. Autorisez-le dans les réglages du navigateur, ou tapez le code.",
        "Camera access is denied. Allow it in the browser's settings, or type the code.",
    ),
    "scan.no_camera": ("Aucune caméra trouvée : tapez le code.", "No camera found: type the code."),
    "scan.busy": (
        "La caméra est occupée par une autre application : fermez-la, puis rechargez la page.",
        "The camera is in use by another app: close it, then reload the page.",
    ),
    "scan.camera_failed": (
        "La caméra n'a pas pu s'ouvrir : tapez le code.",
        "The camera could not start: type the code.",
    ),
    "scan.insecure": (
        "La caméra ne s'ouvre que sur une adresse sécurisée (https) : tapez le code.",
        "The camera only opens on a secure (https) address: type the code.",
    ),
    "scan.no_camera_api": (
        "Ce navigateur ne donne pas accès à la caméra : tapez le code.",
        "This browser gives no access to the camera: type the code.",
    ),
    "scan.decoder_failed": (
        "Le lecteur de QR codes n'a pas pu démarrer : tapez le code.",
        "The QR code reader could not start: type the code.",
    ),
    "scan.bad_typed": (
        "« {text} » n'est ni un code ni un lien d'étiquette.",
        "“{text}” is neither a code nor a label's link.",
    ),
}
for _key, _pair in MESSAGES.items():
    i18n.MESSAGES.setdefault(_key, _pair)

# The strings scan.js shows: data-msg-<name> attribute -> catalogue key.
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
    "empty-typed": "code.empty",
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
        problem = ("code.empty", {})
    else:
        try:
            return Redirect(f"{ITEM_PATH}{code_from_scan(typed)}", status_code=303)
        except MistypedCode:
            problem = ("code.mistyped", {"code": typed})
        except CodeError:
            problem = ("code.malformed", {"code": typed})
    key, values = problem
    return page(
        request,
        "scan.html",
        status_code=400,
        messages=[message("error", key, **values)],
        **scan_context(typed),
    )


ROUTES = [scan_page]
