"""Who is asking: a Bearer token (API) or the session cookie (web pages).

Who may do what is in exchange/auth/permissions.py."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

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


class ActorMiddleware(AbstractAuthenticationMiddleware):
    """Sets `request.user` to the Actor, or None for someone not logged in (reading is open)."""

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        token = request_token(connection)
        actor = await actor_for_token(token) if token else None
        return AuthenticationResult(user=actor, auth=token if actor else None)


def actor_of(connection: ASGIConnection) -> Actor | None:
    return connection.scope.get("user")
