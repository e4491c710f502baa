from __future__ import annotations

from litestar import Controller, Request, get, post

from exchange.lieu import lieux, schemas, service


class LieuController(Controller):
    path = "/api/v1/lieux"
    tags = ["lieu"]

    @get("/", summary="The lieux of the network")
    async def list_lieux(self) -> list[schemas.LieuOut]:
        return await lieux.list_lieux()

    @post("/", summary="Add a lieu to the network (network coordinator)")
    async def add_lieu(self, data: schemas.LieuCreate) -> schemas.LieuOut:
        return await lieux.add_lieu(data)


class WorkshopController(Controller):
    path = "/api/v1/workshops"
    tags = ["lieu"]

    @get("/", summary="The workshops, of every lieu or of one (lieu=SLUG)")
    async def list_workshops(self, lieu: str | None = None) -> list[schemas.WorkshopOut]:
        return await service.list_workshops(lieu)

    @post("/", summary="Add a workshop (coordinator of its lieu; lieu defaults to their own)")
    async def add_workshop(self, request: Request, data: schemas.WorkshopCreate) -> schemas.WorkshopOut:
        return await service.add_workshop(data, request.user)


class CategoryController(Controller):
    path = "/api/v1/categories"
    tags = ["lieu"]

    @get("/", summary="Material categories with density and impact factors (and their sources)")
    async def list_categories(self) -> list[schemas.CategoryOut]:
        return await service.list_categories()
