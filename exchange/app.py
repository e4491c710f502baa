"""The application factory: routes, auth, problem details, lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from litestar import Litestar, Response, get
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from piccolo.engine.base import Engine

from exchange import base_url, db, serving_lock
from exchange.auth import throttle
from exchange.auth.controllers import AccountController, SessionController
from exchange.auth.guards import ActorMiddleware
from exchange.auth.service import forget_expired_tokens
from exchange.encoded_response import EncodedResponse
from exchange.figures.controllers import ROUTES as FIGURES_ROUTES
from exchange.figures.stock import keep_stock_ahead
from exchange.items.actions import expire_reservations
from exchange.items.controllers import ItemController
from exchange.labels.controllers import ROUTES as LABELS_ROUTES
from exchange.lieu.controllers import CategoryController, LieuController, WorkshopController
from exchange.problems import EXCEPTION_HANDLERS
from exchange.security import SecurityHeadersMiddleware, refuse_nul_characters
from exchange.settings import get_settings
from exchange.spreadsheets.controllers import ROUTES as SPREADSHEET_ROUTES
from exchange.web.setup import ROUTES as WEB_ROUTES
from exchange.web.setup import csrf_middleware, web_options

log = logging.getLogger("exchange")
HOUSEKEEPING_SECONDS = 60
MAX_BODY_BYTES = 1024 * 1024


# No session lookup and no form token: a probe's answer is the same for everyone.
@get("/healthz", include_in_schema=False, opt={"exclude_from_auth": True, "exclude_from_csrf": True})
async def healthz() -> Response[str]:
    return _HEALTHY


_HEALTHY = EncodedResponse(b"ok", "text/plain")


async def _housekeeping() -> None:
    """Now and every minute: reservations end by themselves (their release events are
    written), the new events are added to the stock kept ahead for the figures, and the
    login tries of windows past and the expired sessions are forgotten."""
    while True:
        for chore, failure in (
            (expire_reservations, "could not release expired reservations"),
            (keep_stock_ahead, "could not keep the stock ahead"),
            (throttle.forget_past, "could not forget past login tries"),
            (forget_expired_tokens, "could not forget expired sessions"),
        ):
            try:
                await chore()
            except Exception:  # a busy database must not stop the housekeeping
                log.exception(failure)
        await asyncio.sleep(HOUSEKEEPING_SECONDS)


def create_app(engine: Engine | None = None) -> Litestar:
    engine = engine or db.engine_from_url(get_settings().database_url)
    db.use_engine(engine)

    @contextlib.asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        # Held while serving: `exchange restore` refuses to run under a server.
        holding = await serving_lock.hold_for_serving(engine)
        await db.start(engine)
        for problem in base_url.problems(get_settings().base_url):
            log.warning("EXCHANGE_BASE_URL: %s", problem)
        sweeper = asyncio.create_task(_housekeeping())
        try:
            yield
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            await db.stop(engine)
            await serving_lock.let_go(holding)

    return Litestar(
        route_handlers=[
            healthz,
            SessionController,
            AccountController,
            WorkshopController,
            CategoryController,
            LieuController,
            ItemController,
            *LABELS_ROUTES,
            *FIGURES_ROUTES,
            *SPREADSHEET_ROUTES,
            *WEB_ROUTES,
        ],
        middleware=[
            SecurityHeadersMiddleware(https=get_settings().base_url.startswith("https://")),
            DefineMiddleware(ActorMiddleware),
            csrf_middleware(),
        ],
        before_request=refuse_nul_characters,
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[lifespan],
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(
            title="Exchange",
            version="1",
            description="The material exchange of a tiers-lieu: items, their ledger, labels and figures.",
            path="/schema",
            # The document only: the browsable viewers load their scripts from CDNs.
            render_plugins=[JsonRenderPlugin(path=["/", "/openapi.json"]), YamlRenderPlugin()],
            components=Components(security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")}),
            security=[{"bearer": []}],
        ),
        **web_options(),
    )
