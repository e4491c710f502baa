"""The pages' CSRF check: every form sent (POST and the other unsafe methods) carries the token
of the `exchange_csrf` cookie, checked by Litestar's own CSRFMiddleware; the API (/api/...)
takes Bearer tokens only and is outside it.

What this module adds is the answer to the safe methods (GET, HEAD, OPTIONS), which only hand
out the token: Litestar builds a Request, parses the form content type and writes its cookie
through `Cookie.to_header` (http.cookies) on every page without the cookie, about 90 µs of the
110 µs /healthz cost in total (measured in-process, 2026-12-01). Here a safe request whose
route renders no page (`opt={"exclude_from_csrf": True}`: /healthz, static files, documents)
passes straight through, and a page gets the token of its cookie, or a new one with its
Set-Cookie header written as bytes. The cookie is the one Litestar would write (same name,
path, SameSite, Secure; not HttpOnly: forms read it through the page)."""

from __future__ import annotations

import re

from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.middleware.csrf import CSRFMiddleware, generate_csrf_token
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState


class PageCSRFMiddleware:
    def __init__(self, app: ASGIApp, config: CSRFConfig) -> None:
        self.app = app
        self.check_form = CSRFMiddleware(app=app, config=config)  # unsafe methods: Litestar's check
        self.config = config
        exclude = [config.exclude] if isinstance(config.exclude, str) else config.exclude or []
        self.exclude = re.compile("|".join(exclude)) if exclude else None
        attributes = [f"Path={config.cookie_path}", f"SameSite={config.cookie_samesite}"]
        if config.cookie_domain:
            attributes.append(f"Domain={config.cookie_domain}")
        if config.cookie_secure:
            attributes.append("Secure")
        if config.cookie_httponly:
            attributes.append("HttpOnly")
        self.cookie_attributes = "; " + "; ".join(attributes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or (self.exclude is not None and self.exclude.search(scope["path"]))
            or scope["route_handler"].opt.get(self.config.exclude_from_csrf_key)
        ):
            await self.app(scope, receive, send)
            return
        if scope["method"] not in self.config.safe_methods:
            await self.check_form(scope, receive, send)
            return
        cookie = None
        for name, _ in scope["headers"]:
            if name.lower() == b"cookie":
                cookie = ASGIConnection(scope).cookies.get(self.config.cookie_name)
                break
        state = ScopeState.from_scope(scope)
        if cookie:
            state.csrf_token = cookie
            await self.app(scope, receive, send)
            return
        token = state.csrf_token = generate_csrf_token(secret=self.config.secret)
        set_cookie = (b"set-cookie", f"{self.config.cookie_name}={token}{self.cookie_attributes}".encode("latin-1"))

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), set_cookie]
            await send(message)

        await self.app(scope, receive, send_with_cookie)
