from __future__ import annotations

from litestar import Controller, get, post

from exchange.lieu import schemas, service


class WorkshopController(Controller):
    path = "/api/v1/workshops"
    tags = ["lieu"]

    @get("/", summary="The lieu's workshops")
    async def list_workshops(self) -> list[schemas.WorkshopOut]:
        return await service.list_workshops()

    @post("/", summary="Add a workshop (coordinator)")
    async def add_workshop(self, data: schemas.WorkshopCreate) -> schemas.WorkshopOut:
        return await service.add_workshop(data)


class CategoryController(Controller):
    path = "/api/v1/categories"
    tags = ["lieu"]

    @get("/", summary="Material categories with density and impact factors (and their sources)")
    async def list_categories(self) -> list[schemas.CategoryOut]:
        return await service.list_categories()
