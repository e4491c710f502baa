"""Who is asking: a Bearer token (API) or the session cookie (web pages), and role guards."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from exchange.auth.service import Actor, actor_for_token
from exchange.ledger.rules import Role, role_at_least

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


def requires(minimum: Role):
    """A guard: 401 for someone not logged in, 403 below `minimum`."""

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        actor = actor_of(connection)
        if actor is None:
            raise NotAuthorizedException("Log in first: this needs a member's token.")
        if not role_at_least(actor.role, minimum):
            raise PermissionDeniedException(f"Only a {minimum} or above can do this.")

    guard.__name__ = f"requires_{minimum}"
    return guard


member_only = requires(Role.member)
steward_only = requires(Role.steward)
coordinator_only = requires(Role.coordinator)
