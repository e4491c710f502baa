"""Who may call what: the one table of permissions, enforced by one app-wide check
(check_permission, run by exchange.auth.guards.ActorMiddleware on every request).

Each route (method and path template) names the least role it needs, or ANYONE. A route
missing from the table is refused to everyone (fail closed), and a test walks every route
of the app for each role against this table. Finer rules (a member releases only their own
reservation, what an item's status allows) are the ledger's, checked by its service."""

from __future__ import annotations

from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.types import Scope

from exchange.ledger.rules import ROLE_IN_SENTENCE, Forbidden, Role, role_at_least
from exchange.messages import _

ANYONE = None
MEMBER, STEWARD, COORDINATOR = Role.member, Role.steward, Role.coordinator
NETWORK = "network"  # a network coordinator (Member.network_coordinator), whatever their roles in lieux

PERMISSIONS: dict[tuple[str, str], Role | str | None] = {
    # --- the API -------------------------------------------------------------------------
    ("POST", "/api/v1/session"): ANYONE,
    ("DELETE", "/api/v1/session"): MEMBER,
    ("POST", "/api/v1/account/password"): MEMBER,
    ("POST", "/api/v1/members/{member_id}/password"): COORDINATOR,
    ("GET", "/api/v1/login-throttles"): COORDINATOR,
    ("POST", "/api/v1/login-throttles/lift"): COORDINATOR,
    ("GET", "/api/v1/workshops"): ANYONE,
    ("POST", "/api/v1/workshops"): COORDINATOR,
    ("GET", "/api/v1/lieux"): ANYONE,
    ("POST", "/api/v1/lieux"): NETWORK,
    ("GET", "/api/v1/categories"): ANYONE,
    ("POST", "/api/v1/categories/{slug}/factors"): COORDINATOR,
    ("GET", "/api/v1/factor-sets"): ANYONE,
    ("GET", "/api/v1/factor-sets/{version}"): ANYONE,
    ("GET", "/api/v1/items"): ANYONE,
    ("POST", "/api/v1/items"): STEWARD,
    ("GET", "/api/v1/items/{code}"): ANYONE,
    ("GET", "/api/v1/items/{code}/events"): ANYONE,
    ("GET", "/api/v1/items/{code}/label.png"): ANYONE,
    ("POST", "/api/v1/items/{code}/reserve"): MEMBER,
    ("POST", "/api/v1/items/{code}/release"): MEMBER,
    ("POST", "/api/v1/items/{code}/use"): MEMBER,
    ("POST", "/api/v1/items/{code}/use-part"): MEMBER,
    ("POST", "/api/v1/items/{code}/move"): STEWARD,
    ("POST", "/api/v1/items/{code}/transfer"): STEWARD,
    ("POST", "/api/v1/items/{code}/recycle"): STEWARD,
    ("POST", "/api/v1/items/{code}/discard"): STEWARD,
    ("POST", "/api/v1/items/{code}/split"): STEWARD,
    ("POST", "/api/v1/items/{code}/adjust"): STEWARD,
    ("POST", "/api/v1/items/{code}/photos"): STEWARD,
    ("GET", "/api/v1/labels/layouts"): ANYONE,
    ("GET", "/api/v1/labels.pdf"): STEWARD,
    ("POST", "/api/v1/labels/batch"): STEWARD,
    ("GET", "/api/v1/labels/batches/{batch}/labels.pdf"): STEWARD,
    ("GET", "/api/v1/figures"): MEMBER,
    ("GET", "/api/v1/figures/trend"): MEMBER,
    ("GET", "/api/v1/figures.csv"): COORDINATOR,
    # imports, exports, label printers (issue 14)
    ("POST", "/api/v1/imports"): STEWARD,
    ("GET", "/api/v1/imports/{batch}/labels.pdf"): STEWARD,
    ("GET", "/api/v1/items.csv"): STEWARD,
    ("GET", "/api/v1/items.xlsx"): STEWARD,
    ("GET", "/api/v1/items.ods"): STEWARD,
    ("GET", "/api/v1/events.csv"): COORDINATOR,
    ("GET", "/api/v1/figures.xlsx"): COORDINATOR,
    ("GET", "/api/v1/figures.ods"): COORDINATOR,
    ("GET", "/api/v1/figures/network.csv"): NETWORK,
    ("GET", "/api/v1/figures/network.xlsx"): NETWORK,
    ("GET", "/api/v1/figures/network.ods"): NETWORK,
    ("GET", "/api/v1/printers"): STEWARD,
    ("POST", "/api/v1/printers"): COORDINATOR,
    ("POST", "/api/v1/labels/print"): STEWARD,
    # --- the pages -----------------------------------------------------------------------
    ("GET", "/"): ANYONE,
    ("GET", "/login"): ANYONE,
    ("POST", "/login"): ANYONE,
    ("POST", "/logout"): ANYONE,
    ("GET", "/lang/{lang}"): ANYONE,
    ("GET", "/scan"): ANYONE,
    ("GET", "/go"): ANYONE,
    ("GET", "/items"): ANYONE,
    ("GET", "/i/{code}"): ANYONE,
    ("POST", "/i/{code}/{action}"): MEMBER,
    ("POST", "/i/{code}/photo"): STEWARD,
    ("POST", "/i/{code}/transfer"): STEWARD,
    ("GET", "/i/{code}/split"): STEWARD,
    ("POST", "/i/{code}/split"): STEWARD,
    ("GET", "/i/{code}/adjust"): STEWARD,
    ("POST", "/i/{code}/adjust"): STEWARD,
    ("GET", "/items/new"): STEWARD,
    ("POST", "/items/new"): STEWARD,
    ("GET", "/labels"): STEWARD,
    ("GET", "/labels/sheet.pdf"): STEWARD,
    ("GET", "/labels/blank"): STEWARD,
    ("POST", "/labels/blank"): STEWARD,
    ("GET", "/me/reservations"): MEMBER,
    ("GET", "/account/password"): MEMBER,
    ("POST", "/account/password"): MEMBER,
    ("GET", "/figures"): MEMBER,
    ("GET", "/figures/methodology"): ANYONE,
    ("GET", "/offline"): ANYONE,
    ("GET", "/queue"): ANYONE,
    ("POST", "/figures/methodology/factors"): COORDINATOR,
    ("GET", "/figures/report"): COORDINATOR,
    ("GET", "/figures/export.csv"): COORDINATOR,
    ("GET", "/import"): STEWARD,
    ("POST", "/import"): STEWARD,
    ("POST", "/import/confirm"): STEWARD,
    ("GET", "/import/{batch}/labels.pdf"): STEWARD,
    ("GET", "/items/export.csv"): STEWARD,
    ("GET", "/items/export.xlsx"): STEWARD,
    ("GET", "/items/export.ods"): STEWARD,
    ("GET", "/figures/export.xlsx"): COORDINATOR,
    ("GET", "/figures/export.ods"): COORDINATOR,
    ("GET", "/figures/network"): NETWORK,
    ("GET", "/figures/network/export.csv"): NETWORK,
    ("GET", "/figures/network/export.xlsx"): NETWORK,
    ("GET", "/figures/network/export.ods"): NETWORK,
    ("POST", "/labels/print"): STEWARD,
    ("GET", "/admin"): COORDINATOR,
    ("GET", "/admin/members"): COORDINATOR,
    ("POST", "/admin/members"): COORDINATOR,
    ("POST", "/admin/members/{member_id}"): COORDINATOR,
    ("POST", "/admin/members/{member_id}/password"): COORDINATOR,
    ("POST", "/admin/throttles/lift"): COORDINATOR,
    ("GET", "/admin/workshops"): COORDINATOR,
    ("POST", "/admin/workshops"): COORDINATOR,
    ("GET", "/admin/categories"): COORDINATOR,
    ("GET", "/admin/network"): NETWORK,
    ("POST", "/admin/network/lieux"): NETWORK,
    ("POST", "/admin/network/coordinators"): NETWORK,
    # --- files and documents -------------------------------------------------------------
    ("GET", "/static/{file_path}"): ANYONE,
    ("HEAD", "/static/{file_path}"): ANYONE,
    ("GET", "/media/{name}"): ANYONE,
    ("GET", "/healthz"): ANYONE,
    ("GET", "/sw.js"): ANYONE,
    ("GET", "/manifest.webmanifest"): ANYONE,
    ("GET", "/schema"): ANYONE,
    ("GET", "/schema/{path}"): ANYONE,  # Litestar's answer to an unknown document path (404)
    ("GET", "/schema/openapi.json"): ANYONE,
    ("GET", "/schema/openapi.yaml"): ANYONE,
    ("GET", "/schema/openapi.yml"): ANYONE,
}


# Routes that act on an item (or log one into a workshop): the role the table names is the one
# the actor holds in the item's (the workshop's) lieu, checked by the items' service through
# Actor.role_for_item once the item is read. A member of another lieu acts there as a member when
# that lieu shares with the network; a network coordinator, as such, acts on no item.
IN_ITEM_LIEU = frozenset(
    {route for route in PERMISSIONS if route[0] == "POST" and ("{code}" in route[1])}
    | {("POST", "/api/v1/items"), ("POST", "/items/new")}
)


def required_role(method: str, path_template: str) -> Role | str | None:
    """The least role for a route; KeyError for a route the table does not know."""
    return PERMISSIONS[(method, path_template)]


def check_permission(scope: Scope) -> None:
    """The app-wide check: 401 for someone not logged in, 403 below the route's role.

    Called by ActorMiddleware once it knows who asks, rather than as a Litestar guard: Litestar
    hands every guard a shallow copy of the route handler (copy.copy of an object of some 60
    attributes), 33 µs of every request, as much as a whole bare hello-world's 42 µs
    (measured in-process, /healthz 70 µs before, 2026-12-01)."""
    method = scope["method"]
    if method == "OPTIONS":  # answered by Litestar itself, with no data
        return
    try:
        minimum = required_role(method, scope["path_template"])
    except KeyError:
        raise PermissionDeniedException("This route is not open to anyone.") from None
    if minimum is ANYONE:
        return
    actor = scope.get("user")
    if actor is None:
        raise NotAuthorizedException("Log in first.")
    if not allows(actor, minimum):
        raise Forbidden(_("Only a %(role)s or above can do this.", role=ROLE_IN_SENTENCE[minimum]))


def allows(actor, minimum: Role | str) -> bool:
    """Whether the actor may call a route needing `minimum`: NETWORK for a network coordinator;
    a role for whoever holds it (or above) in at least one lieu, a network coordinator counting
    as a coordinator. Which lieu an item, a workshop or figures belong to is then checked by
    the area's service against the actor's role in that lieu (Actor.role_in)."""
    if minimum == NETWORK:
        return actor.network
    highest = Role.coordinator if actor.network else actor.highest_role()
    return highest is not None and role_at_least(highest, minimum)
