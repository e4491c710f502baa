"""HTTP for items and their actions: translate the request, call the service, nothing more."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.params import HeaderParameter, Parameter

from exchange.auth.guards import actor_of
from exchange.encoded_response import EncodedResponse
from exchange.items import actions, intake, listing, present, schemas
from exchange.items.idempotency import IdempotencyRequest, run_action

IdempotencyKeyHeader = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        description="Send the same key again (same member) to get the first answer back without acting twice.",
    ),
]


async def _answer(
    request: Request, idempotency_key: str | None, status_code: int, work: Callable[[], Awaitable[msgspec.Struct]]
) -> Response:
    idempotency = IdempotencyRequest.of(idempotency_key, request.method, request.url.path, await request.body())
    answer = await run_action(actor_of(request), idempotency, status_code, work)
    return Response(content=answer.body, status_code=answer.status_code, media_type="application/json")


class ItemController(Controller):
    path = "/api/v1/items"
    tags = ["items"]

    @post("/", summary="Log an item in (intake)")
    async def intake(
        self, request: Request, data: schemas.ItemCreate, idempotency_key: IdempotencyKeyHeader = None
    ) -> Response[schemas.ItemOut]:
        return await _answer(request, idempotency_key, 201, lambda: intake.intake(actor_of(request), data))

    @get("/", summary="Items, newest first; `fit` for the pieces a part can be cut from")
    async def list_items(
        self,
        request: Request,
        status: str = "available",
        category: str | None = None,
        workshop: str | None = None,
        min_length_mm: Annotated[int | None, Parameter(ge=1, le=20_000)] = None,
        min_width_mm: Annotated[int | None, Parameter(ge=1, le=20_000)] = None,
        thickness_mm: Annotated[int | None, Parameter(ge=1, le=20_000)] = None,
        q: Annotated[str | None, Parameter(max_length=100)] = None,
        fit: Annotated[str | None, Parameter(max_length=40, description="L x W x T in mm, e.g. 600x400x18")] = None,
        limit: Annotated[int, Parameter(ge=1, le=listing.MAX_LIMIT)] = 50,
        cursor: Annotated[str | None, Parameter(max_length=200)] = None,
        lieu: Annotated[str | None, Parameter(max_length=2000, description="lieu slugs, comma-separated")] = None,
        near: Annotated[str | None, Parameter(max_length=60, description="LAT,LON: nearest lieu first")] = None,
        within_km: Annotated[float | None, Parameter(gt=0, le=20_100)] = None,
    ) -> schemas.ItemPage:
        filters = listing.ItemFilters(
            status=status,
            category=category,
            workshop=workshop,
            min_length_mm=min_length_mm,
            min_width_mm=min_width_mm,
            thickness_mm=thickness_mm,
            q=q,
            fit=fit,
            limit=limit,
            cursor=cursor,
            lieu=lieu,
            near=near,
            within_km=within_km,
        )
        return await listing.list_items(filters, actor_of(request))

    @get("/{code:str}", summary="One item, by its code (forgiving spelling)")
    async def get_item(self, request: Request, code: str) -> Response[schemas.ItemOut]:
        # Bytes encoded (and kept) by present.item_json: the OpenAPI document still says ItemOut.
        return EncodedResponse(await present.item_json(code, actor_of(request)), MediaType.JSON)

    @get("/{code:str}/events", summary="The item's ledger, oldest first")
    async def events(self, request: Request, code: str) -> list[schemas.EventOut]:
        return await present.item_events(code, actor_of(request))

    @post("/{code:str}/move", status_code=200, summary="Move to another workshop")
    async def move(
        self, request: Request, code: str, data: schemas.MoveIn, idempotency_key: IdempotencyKeyHeader = None
    ) -> Response[schemas.ItemOut]:
        return await _answer(request, idempotency_key, 200, lambda: actions.move(actor_of(request), code, data))

    @post(
        "/{code:str}/transfer", status_code=200, summary="Pass it to a workshop of another lieu (steward of its lieu)"
    )
    async def transfer(
        self, request: Request, code: str, data: schemas.TransferIn, idempotency_key: IdempotencyKeyHeader = None
    ) -> Response[schemas.ItemOut]:
        return await _answer(request, idempotency_key, 200, lambda: actions.transfer(actor_of(request), code, data))

    @post("/{code:str}/reserve", status_code=200, summary="Hold it for yourself (48 h by default)")
    async def reserve(
        self,
        request: Request,
        code: str,
        data: schemas.ReserveIn | None = None,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[schemas.ItemOut]:
        body = data or schemas.ReserveIn()
        return await _answer(request, idempotency_key, 200, lambda: actions.reserve(actor_of(request), code, body))

    @post("/{code:str}/release", status_code=200, summary="End a reservation")
    async def release(
        self,
        request: Request,
        code: str,
        data: schemas.ReleaseIn | None = None,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[schemas.ItemOut]:
        body = data or schemas.ReleaseIn()
        return await _answer(request, idempotency_key, 200, lambda: actions.release(actor_of(request), code, body))

    @post("/{code:str}/use", status_code=200, summary="Say it was used (made into something)")
    async def use(
        self,
        request: Request,
        code: str,
        data: schemas.UseIn | None = None,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[schemas.ItemOut]:
        body = data or schemas.UseIn()
        return await _answer(request, idempotency_key, 200, lambda: actions.use(actor_of(request), code, body))

    @post("/{code:str}/recycle", status_code=200, summary="Send to a recycling channel")
    async def recycle(
        self,
        request: Request,
        code: str,
        data: schemas.RecycleIn | None = None,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[schemas.ItemOut]:
        body = data or schemas.RecycleIn()
        return await _answer(request, idempotency_key, 200, lambda: actions.recycle(actor_of(request), code, body))

    @post("/{code:str}/discard", status_code=200, summary="Send to the skip")
    async def discard(
        self,
        request: Request,
        code: str,
        data: schemas.DiscardIn | None = None,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[schemas.ItemOut]:
        body = data or schemas.DiscardIn()
        return await _answer(request, idempotency_key, 200, lambda: actions.discard(actor_of(request), code, body))

    @post("/{code:str}/split", status_code=201, summary="Cut into pieces, each with its own code")
    async def split(
        self, request: Request, code: str, data: schemas.SplitIn, idempotency_key: IdempotencyKeyHeader = None
    ) -> Response[schemas.SplitOut]:
        return await _answer(request, idempotency_key, 201, lambda: actions.split(actor_of(request), code, data))

    @post(
        "/{code:str}/use-part",
        status_code=201,
        summary="I used part of it: cut off the part used and use it; the rest gets new codes",
    )
    async def use_part(
        self, request: Request, code: str, data: schemas.UsePartIn, idempotency_key: IdempotencyKeyHeader = None
    ) -> Response[schemas.UsePartOut]:
        return await _answer(request, idempotency_key, 201, lambda: actions.use_part(actor_of(request), code, data))

    @post("/{code:str}/adjust", status_code=200, summary="Correct what was recorded")
    async def adjust(
        self, request: Request, code: str, data: schemas.AdjustIn, idempotency_key: IdempotencyKeyHeader = None
    ) -> Response[schemas.ItemOut]:
        return await _answer(request, idempotency_key, 200, lambda: actions.adjust(actor_of(request), code, data))
