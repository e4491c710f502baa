"""Figures routes: the month's figures, the CSV export, the trend, and the factor sets."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter, QueryParameter

from exchange.auth.guards import actor_of
from exchange.figures import factors, rows, schemas, service
from exchange.figures.arithmetic import month_of
from exchange.figures.rows import BOM, CSV_MEDIA_TYPE
from exchange.figures.scope import check_reader, exported_lieu, lieu_scope
from exchange.ledger.rules import Forbidden
from exchange.messages import _
from exchange.settings import get_settings
from exchange.spreadsheets.exports import figures_csv_semicolon


def current_month(tz=None) -> str:
    return str(month_of(datetime.now(UTC), tz or get_settings().tz))


class FiguresController(Controller):
    path = "/api/v1"
    tags = ["figures"]

    @get("/figures", summary="A month's figures (login needed): a lieu's, or the network's")
    async def month(
        self,
        request: Request,
        month: str | None = Parameter(default=None, description="YYYY-MM in the lieu's time zone; default this month"),
        workshop: str | None = Parameter(default=None, description="a workshop's slug"),
        category: str | None = Parameter(default=None, description="a category's slug"),
        factor_set: str | None = Parameter(default=None, description="a factor set version; default the current one"),
        lieu: str | None = Parameter(default=None, max_length=60, description="a lieu's slug; default your own"),
        whose: Annotated[
            Literal["lieu", "network"],
            QueryParameter(name="scope", description="network: every lieu's month summed (network coordinator)"),
        ] = "lieu",
    ) -> schemas.FiguresOut:
        actor = actor_of(request)
        if whose == "network":
            if actor is None or not actor.network:
                raise Forbidden(_("Only a network coordinator reads the network's figures."))
            return await service.network_figures(month or current_month(), factor_set=factor_set)
        where = await lieu_scope(lieu, actor)
        check_reader(actor, where)
        return await service.month_figures(
            month or current_month(where.tz), workshop=workshop, category=category, factor_set=factor_set, lieu=where
        )

    @get(
        "/figures.csv",
        summary="One row per month and category, CSV (coordinator)",
        description=(
            "UTF-8 with a byte order mark, comma-separated, a header row, a point as decimal "
            "separator, masses in kg to the gram. See docs/methodology.md."
        ),
        media_type=CSV_MEDIA_TYPE,
    )
    async def csv(
        self,
        request: Request,
        from_month: Annotated[str, QueryParameter(name="from", description="first month, YYYY-MM")],
        to_month: Annotated[str, QueryParameter(name="to", description="last month, YYYY-MM (included)")],
        factor_set: str | None = Parameter(default=None),
        sep: Literal["comma", "semicolon"] = Parameter(
            default="comma", description="semicolon: semicolons and decimal commas, for a French spreadsheet"
        ),
        lieu: str | None = Parameter(default=None, max_length=60, description="a lieu's slug; default your own"),
    ) -> Response[bytes]:
        where = await exported_lieu(lieu, actor_of(request))
        filename = f"figures-{from_month}-{to_month}.csv"
        if sep == "semicolon":
            content = await figures_csv_semicolon(from_month, to_month, factor_set, lieu=where)
        else:
            content = (BOM + await rows.figures_csv(from_month, to_month, factor_set=factor_set, lieu=where)).encode(
                "utf-8"
            )
        return Response(
            content,
            media_type=CSV_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    @get("/figures/trend", summary="The last months' reused, recycled, discarded kg and CO2e")
    async def trend(
        self,
        request: Request,
        months: int = Parameter(default=12, ge=1, le=120),
        end: str | None = Parameter(default=None, description="last month, YYYY-MM; default this month"),
        factor_set: str | None = Parameter(default=None),
        lieu: str | None = Parameter(default=None, max_length=60, description="a lieu's slug; default your own"),
    ) -> schemas.TrendOut:
        where = await lieu_scope(lieu, actor_of(request))
        check_reader(actor_of(request), where)
        return await service.trend(months, end, factor_set=factor_set, lieu=where)

    @get("/factor-sets", summary="The factor set versions, newest (current) first")
    async def factor_sets(self, request: Request) -> list[schemas.FactorSetSummary]:
        # Who set each is a member's name: for members only (set_by is null otherwise).
        return await factors.list_factor_sets(show_names=request.user is not None)

    @get("/factor-sets/{version:str}", summary="A factor set with each factor's provenance")
    async def factor_set(self, request: Request, version: str) -> schemas.FactorSetDetail:
        return await factors.factor_set_detail(
            None if version == "current" else version, show_names=request.user is not None
        )

    @post(
        "/categories/{slug:str}/factors",
        status_code=201,
        summary="Override a category's factor: a new factor set version (coordinator)",
    )
    async def override(self, request: Request, slug: str, data: schemas.FactorIn) -> schemas.FactorSetDetail:
        return await factors.override_factor(actor_of(request), slug, data)


ROUTES: list = [FiguresController]
