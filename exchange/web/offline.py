"""The installable app: its web manifest, its service worker (/sw.js), the offline page and
the list of actions waiting on the phone (/queue). The worker's logic is the static file
static/js/service-worker.js (Workbox, vendored); this module writes the lines before it:
this version's precache list and script URLs (DESIGN.md, "On the workshop floor").

The worker's version is a hash of everything the app shows (templates, static files, the
words, the lieu's name), read once per process: any change gives /sw.js other bytes, so the
phone installs the new worker, which replaces the old one (static/js/offline.js reloads the
pages it takes over)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import cache
from typing import Any

from litestar import MediaType, Request, Response, get
from litestar.response import Template

from exchange.messages import LOCALE_DIR, _, pgettext
from exchange.settings import get_settings
from exchange.web.render import (
    CSRF_COOKIE,
    STATIC,
    TEMPLATES,
    _asset_version,
    _shown,
    asset,
    lang_of,
    page,
    redirect,
)

WORKBOX = "vendor/workbox"
WORKBOX_MODULES = ("core", "routing", "strategies", "expiration", "precaching")
# Precached at install: the shell's files, the QR decoder and its WebAssembly.
PRECACHED_ASSETS = (
    "css/app.css",
    "css/scan.css",
    "js/offline.js",
    "js/outbox.js",
    "js/scan.js",
    "js/intake.js",
    "img/icon.svg",
    "img/icon-192.png",
    "vendor/barcode-detector/ponyfill.js",
    "vendor/barcode-detector/zxing_reader.wasm",
)
# ponyfill.js imports its chunk by a relative URL, without our ?v=: precached by that URL.
PRECACHED_UNVERSIONED = ("vendor/barcode-detector/zxing-exported.js",)
# Pages rendered for nobody in particular (?shell=1), kept by the worker for when the
# network is gone: the offline page, the scanner (the installed app starts there), the queue.
SHELL_PAGES = {"/offline": "/offline", "/scan": "/scan?shell=1", "/queue": "/queue?shell=1"}
# The words offline.js shows (data attribute); the placeholders in {braces} are filled by the script.
SCRIPT_WORDS = {
    "waiting_one": _("{n} action waiting"),
    "waiting_other": _("{n} actions waiting"),
    "sent_one": _("{n} action taken offline is recorded."),
    "sent_other": _("{n} actions taken offline are recorded."),
    "seen": _("Offline: this is the page as it was on {when}."),
    "queued_here": _("Waiting to be sent: {actions}."),
    "refused": _("“{action}” on {code} (taken on {when}) could not be recorded: {detail}"),
    "refused_generic": _("the server refused this action."),
    "dismiss": _("Understood"),
    "login_needed": _("Actions are waiting: log in again to send them."),
    "taken_at": _("taken on {when}"),
    "held": _("Taken by another account: sent when that person logs in here again."),
    "update": _("A new version of the app is ready."),
    "reload": _("Reload the page"),
    "intake_code": _("Code on the label"),
    "action_reserve": _("Reserve"),
    "action_extend": _("Extend the reservation"),
    "action_release": _("Release"),
    "action_use": pgettext("action", "Use"),
    "action_move": _("Move"),
    "action_recycle": _("Recycle"),
    "action_discard": _("Discard"),
    "action_intake": _("Log the piece {code}"),
}
APP_NAME = _("Material exchange")
SHORT_NAME = _("Exchange")
DESCRIPTION = _("The lieu's offcuts: scan a label, see a piece, reserve it, even without network.")


def script_words(lang: str) -> dict[str, str]:
    """The words offline.js shows, in the reader's language."""
    return {name: text.translate(lang) for name, text in SCRIPT_WORDS.items()}


@cache
def app_version() -> str:
    """A hash of what the pages show: templates, static files, words and the lieu's name
    (some 1.5 MB, read once per process at the first /sw.js: 42 ms measured on a loaded machine)."""
    digest = hashlib.sha256(get_settings().lieu_name.encode())
    for folder in (TEMPLATES, STATIC, LOCALE_DIR):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix != ".pyc":
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@cache
def worker_prelude() -> str:
    version = app_version()
    config = {
        "version": version,
        "csrfCookie": CSRF_COOKIE,
        "scripts": {"workbox": asset(f"{WORKBOX}/workbox-sw.js"), "outbox": asset("js/outbox.js")},
        "modules": {f"workbox-{name}": asset(f"{WORKBOX}/workbox-{name}.prod.js") for name in WORKBOX_MODULES},
        "precache": [
            *({"url": asset(name), "revision": None} for name in PRECACHED_ASSETS),
            *({"url": f"/static/{name}", "revision": _asset_version(name)} for name in PRECACHED_UNVERSIONED),
            *({"url": url, "revision": version} for url in SHELL_PAGES.values()),
        ],
        "shells": SHELL_PAGES,
    }
    return (
        "// Written by exchange/web/offline.py: this version's configuration, then the worker.\n"
        f"self.EXCHANGE = {json.dumps(config)};\n"
        f'importScripts("{asset("js/service-worker.js")}");\n'
    )


@get("/sw.js", name="service-worker", include_in_schema=False, opt={"exclude_from_auth": True})
async def service_worker() -> Response:
    return Response(
        content=worker_prelude(),
        media_type="text/javascript",
        # Checked at every page load (the browser caps it at a day anyway): a new version
        # is found as soon as the phone has network.
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


@get("/manifest.webmanifest", name="manifest", include_in_schema=False, opt={"exclude_from_auth": True})
async def manifest(request: Request) -> Response:
    lang = lang_of(request)
    settings = get_settings()
    body = {
        "name": f"{settings.lieu_name} · {_('Material exchange').translate(lang)}",
        "short_name": SHORT_NAME.translate(lang),
        "description": DESCRIPTION.translate(lang),
        "lang": lang,
        "start_url": "/scan",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f4efe3",
        "theme_color": "#1f5130",
        "icons": [
            {"src": asset(f"img/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"}
            for size in (192, 512)
        ],
    }
    return Response(
        content=json.dumps(body, ensure_ascii=False),
        media_type="application/manifest+json",
        headers={"Vary": "Accept-Language, Cookie"},
    )


@get("/offline", name="offline", include_in_schema=False, media_type=MediaType.HTML)
async def offline_page(request: Request) -> Template:
    """What the worker shows for a page never seen while the network is gone (for nobody in
    particular: the phone may change hands). offline.js fills in a label's code."""
    return page(request, "offline/offline.html", shell=True)


@get("/queue", name="queue", include_in_schema=False, media_type=MediaType.HTML)
async def queue_page(request: Request) -> Template:
    """The actions waiting on this phone: the list is the phone's (IndexedDB), drawn by offline.js."""
    return page(request, "offline/queue.html")


# ---------------------------------------------------------------------------------------------
# The outbox sends a queued action back to its form route (the page's session and CSRF
# token, the form's Idempotency-Key), asking for JSON instead of a page to go to.


def for_script(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


Reply = Callable[..., Response]


def replier(request: Request, back: str) -> Reply:
    """How a form route answers: `reply(message, status=200, target=back)` is the redirect
    with its flash message for a person, or for the outbox {ok, status, detail} in JSON
    with the status the API would give (409 when someone took the piece meanwhile)."""

    def reply(said: dict[str, Any] | None = None, status: int = 200, target: str | None = None) -> Response:
        if not for_script(request):
            return redirect(target or back, *([said] if said else []))
        detail = _shown(lang_of(request), [said])[0]["text"] if said else ""
        return Response(
            content={"ok": status < 400, "status": status, "detail": detail, "location": target or back},
            status_code=status,
            media_type=MediaType.JSON,
            headers={"Cache-Control": "no-store"},
        )

    return reply


ROUTES = [service_worker, manifest, offline_page, queue_page]
