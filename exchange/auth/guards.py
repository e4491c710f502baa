"""Who is asking: a Bearer token (API) or the session cookie (web pages).

Who may do what is in exchange/auth/permissions.py."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.types import ASGIApp, Receive, Scope, Send

from exchange.auth.permissions import check_permission
from exchange.auth.service import Actor, actor_for_token

SESSION_COOKIE = "exchange_session"


def request_token(connection: ASGIConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    # The API takes Bearer tokens only: a cookie there would let another site act
    # through a logged-in browser, since the API is outside the pages' CSRF check.
    if connection.scope["path"].startswith("/api/"):
        return None
    return connection.cookies.get(SESSION_COOKIE) or None


class ActorMiddleware:
    """Sets `scope["user"]` to the Actor, or None for someone not logged in (reading is open),
    then holds the request to the permission table (check_permission).

    A plain ASGI middleware rather than Litestar's AbstractAuthenticationMiddleware: a request
    with neither an Authorization header nor a cookie (most scans, /healthz) is answered
    without building a connection object, and the actor of a token comes from the cache in
    exchange.auth.service (the base class cost 8 µs a request in-process, a hello-world 20 µs)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] != "OPTIONS"
            and not scope["route_handler"].opt.get("exclude_from_auth")
        ):
            token = None
            for name, _ in scope["headers"]:
                if name.lower() in (b"authorization", b"cookie"):
                    token = request_token(ASGIConnection(scope))
                    break
            actor = await actor_for_token(token) if token else None
            scope["user"] = actor
            scope["auth"] = token if actor else None
        if scope["type"] == "http":
            check_permission(scope)
        await self.app(scope, receive, send)


def actor_of(connection: ASGIConnection) -> Actor | None:
    return connection.scope.get("user")
