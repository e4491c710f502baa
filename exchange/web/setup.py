"""The web pages' part of the app: routes, the Litestar options they need (templates) and CSRF."""

from __future__ import annotations

from typing import Any

from litestar import Router
from litestar.config.csrf import CSRFConfig
from litestar.middleware import DefineMiddleware
from litestar.static_files import create_static_files_router

from exchange.items.photo_controllers import ROUTES as PHOTO_API_ROUTES
from exchange.settings import get_settings
from exchange.web import (
    account,
    admin,
    browse_pages,
    export_pages,
    figures_pages,
    import_pages,
    item_action_forms,
    item_page,
    labels_page,
    network_admin,
    network_figures_page,
    offline,
    scan,
    site,
    steward_pages,
)
from exchange.web.csrf import PageCSRFMiddleware
from exchange.web.render import CSRF_COOKIE, STATIC, secure_cookies, template_config

# Pages are for people, not part of the API's OpenAPI document.
PAGES = Router(
    path="/",
    route_handlers=[
        *site.ROUTES,
        *account.ROUTES,
        *item_page.ROUTES,
        *item_action_forms.ROUTES,
        *browse_pages.ROUTES,
        *labels_page.ROUTES,
        *steward_pages.ROUTES,
        *figures_pages.ROUTES,
        *admin.ROUTES,
        *import_pages.ROUTES,
        *export_pages.ROUTES,
        *network_admin.ROUTES,
        *network_figures_page.ROUTES,
    ],
    include_in_schema=False,
)

ROUTES: list = [
    PAGES,
    *scan.ROUTES,
    *offline.ROUTES,
    *PHOTO_API_ROUTES,
    create_static_files_router(
        path="/static",
        directories=[STATIC],
        name="static",
        include_in_schema=False,
        # Pages link assets with ?v=<content hash>: a cached copy is never stale.
        cache_control=None,
        opt={"exclude_from_auth": True, "exclude_from_csrf": True},  # no session or form token for a stylesheet
    ),
]


def web_options() -> dict[str, Any]:
    """Extra keyword arguments for Litestar(): the templates."""
    return {"template_config": template_config()}


def csrf_middleware() -> DefineMiddleware:
    """The CSRF check of the pages' forms (exchange.web.csrf).

    The API (/api/...) takes Bearer tokens only, never the session cookie, so it is outside
    the CSRF check; every form of the pages carries the token (`csrf_input`)."""
    config = CSRFConfig(
        secret=get_settings().secret,
        cookie_name=CSRF_COOKIE,
        cookie_secure=secure_cookies(),
        cookie_httponly=False,
        cookie_samesite="lax",
        exclude=["^/api/"],
    )
    return DefineMiddleware(PageCSRFMiddleware, config=config)
