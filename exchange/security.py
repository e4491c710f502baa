"""Security headers on every answer, including static files and errors; text with the NUL
character refused on the way in."""

from __future__ import annotations

import re

from litestar import Request
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from exchange.ledger.rules import LedgerError
from exchange.messages import _

# Scripts only from our own files (no inline script); WebAssembly for the QR decoder.
# Inline style attributes are allowed: the charts' SVG uses them, and they cannot run code.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), geolocation=(), microphone=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeadersMiddleware:
    """Adds HEADERS to every HTTP answer that does not set its own, as raw header pairs built
    once: through MutableScopeHeaders.setdefault (a scan of the headers per name) this cost
    20 µs a request, as much as a bare Litestar hello-world (measured in-process, 2026-12-01)."""

    def __init__(self, https: bool) -> None:
        headers = {**HEADERS, **({"Strict-Transport-Security": "max-age=31536000"} if https else {})}
        self.pairs = [(name.lower().encode(), value.encode()) for name, value in headers.items()]

    def __call__(self, app: ASGIApp) -> ASGIApp:
        pairs = self.pairs

        async def security_headers(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers", ()))
                    present = {name.lower() for name, _ in headers}
                    headers += [pair for pair in pairs if pair[0] not in present]
                    message["headers"] = headers
                await send(message)

            await app(scope, receive, send_with_headers)

        return security_headers


NUL_REFUSED = _("Text may not contain the NUL character (U+0000).")
# \u0000 in JSON: a backslash-u0000 after an even number (0, 2, ...) of other backslashes.
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


# No body of this API nests more than 4 levels; the decoder recurses once per level, and a
# body of 100,000 "[" (well under the 1 MB cap) ran it out of stack: a 500.
MAX_JSON_DEPTH = 32
TOO_DEEP = _("JSON may nest %(depth)s levels deep at most.", depth=MAX_JSON_DEPTH)
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_OPENERS_IN_A_ROW = re.compile(rb"[\[{]{%d}" % (MAX_JSON_DEPTH + 1))
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_too_deep(body: bytes) -> bool:
    """Whether the arrays and objects of a JSON text nest deeper than MAX_JSON_DEPTH (brackets
    inside strings ignored), found before any decoder sees it. Each pass drops the innermost
    empty pairs, so what is left after MAX_JSON_DEPTH passes was deeper: every pass runs at C
    speed over the text (a 1 MB body of brackets: milliseconds)."""
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return False  # the usual body costs two counts
    # Brackets inside strings only add depth: the exact count (strings cut out) is needed
    # only when the rough one is over.
    if not _deeper_than_limit(body):
        return False
    # Without escapes, the strings are every other stretch between quotes (split: C speed).
    outside = b"".join(body.split(b'"')[::2]) if b"\\" not in body else _JSON_STRING.sub(b"", body)
    return _deeper_than_limit(outside)


def _deeper_than_limit(text: bytes) -> bool:
    brackets = text.translate(None, _NOT_BRACKETS)
    if _OPENERS_IN_A_ROW.search(brackets):
        return True
    for _pass in range(MAX_JSON_DEPTH):
        if not brackets:
            return False
        brackets = brackets.replace(b"[]", b"").replace(b"{}", b"")
    return bool(brackets)


async def refuse_nul_characters(request: Request) -> None:
    """PostgreSQL cannot store U+0000 in text (SQLite can, and both engines must agree), and
    no label, title or note has a use for it: refused with a 400 in the path, the query and
    JSON or form bodies, before anything reads them. (Multipart bodies carry photos, whose
    bytes may be anything.) JSON nested deeper than MAX_JSON_DEPTH is refused here too."""
    scope = request.scope
    if b"%00" in scope.get("query_string", b"") or "\x00" in scope["path"]:
        raise LedgerError(NUL_REFUSED)
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    content_type = request.content_type[0]
    if content_type == "application/json" or content_type.endswith("+json"):
        body = await request.body()
        if b"\x00" in body or _JSON_NUL.search(body):
            raise LedgerError(NUL_REFUSED)
        if json_too_deep(body):
            raise LedgerError(TOO_DEEP)
    elif content_type == "application/x-www-form-urlencoded":
        body = await request.body()
        if b"%00" in body or b"\x00" in body:
            raise LedgerError(NUL_REFUSED)
