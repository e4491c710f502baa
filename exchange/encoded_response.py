"""Answers whose bytes are ready before the request comes: an item's JSON and scan page kept per
revision, and /healthz. They are sent as they are.

Litestar's own way from a Response to what is sent builds an ASGIResponse per request: it copies
every header into a MutableScopeHeaders, sets content-type and content-length through its
`setdefault` (a scan of the headers each), renders the body and encodes the headers back to
bytes. For an answer that is the same bytes every time that is a fixed cost of about 8 µs
in-process a request, the size of the whole /healthz handler (measured with cProfile, 2026-12-01).

EncodedResponse is still a Litestar Response, so a handler keeps its return annotation (the
OpenAPI document says what the bytes are) and Litestar's handler calls `to_asgi_response` as for
any other; the middlewares see the same messages.
"""

from __future__ import annotations

from typing import Any

from litestar import Response
from litestar.types import Receive, Scope, Send
from litestar.utils.helpers import get_enum_string_value


class EncodedResponse(Response[bytes]):
    """`body` sent with `media_type` and `headers` (name, value), encoded once."""

    __slots__ = ("_encoded_headers",)

    def __init__(
        self, body: bytes, media_type: str, headers: dict[str, str] | None = None, status_code: int = 200
    ) -> None:
        # What Response.__init__ would set, without its per-request work: for anyone reading them.
        self.content = body
        self.media_type = media_type = get_enum_string_value(media_type)  # MediaType.HTML: "text/html"
        self.status_code = status_code
        self.headers = headers or {}
        self.cookies = []
        self.background = None
        self.encoding = "utf-8"
        self.response_type_encoders = {}
        content_type = f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type
        self._encoded_headers = [
            (b"content-type", content_type.encode("latin-1")),
            (b"content-length", str(len(body)).encode()),
            *((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in self.headers.items()),
        ]

    def to_asgi_response(self, app: Any, request: Any, **kwargs: Any) -> Any:
        if kwargs.get("headers") or kwargs.get("cookies") or kwargs.get("background"):
            # A route that adds its own headers, cookies or tasks: Litestar's way, which knows them.
            return super().to_asgi_response(app, request, **kwargs)
        return self

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A new list each time: a middleware may add headers to the message it is given.
        await send({"type": "http.response.start", "status": self.status_code, "headers": list(self._encoded_headers)})
        await send({"type": "http.response.body", "body": self.content, "more_body": False})
