"""HTTP for labels: one item's PNG (public), PDF sheets and blank batches (stewards)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter

from exchange.auth.guards import actor_of
from exchange.labels import printing, service
from exchange.labels.layouts import LAYOUTS, positions_per_page
from exchange.settings import get_settings


class LayoutOut(msgspec.Struct):
    name: str
    title: str
    label_width_mm: float
    label_height_mm: float
    page_width_mm: float
    page_height_mm: float
    columns: int
    rows: int
    per_page: int
    default: bool


class BatchCreate(msgspec.Struct, forbid_unknown_fields=True):
    count: Annotated[int, msgspec.Meta(ge=1, le=service.MAX_BATCH)]
    layout: str | None = None


class BatchOut(msgspec.Struct):
    batch: str
    codes: list[str]
    pdf_url: str


def _pdf(content: bytes, filename: str) -> Response[bytes]:
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )


class LabelController(Controller):
    tags = ["labels"]

    @get("/api/v1/items/{code:str}/label.png", media_type="image/png", summary="The item's label as a PNG (300 dpi)")
    async def item_label(self, code: str, layout: Annotated[str | None, Parameter(max_length=40)] = None) -> bytes:
        return await service.item_label_png(code, layout)

    @get("/api/v1/labels/layouts", summary="Label layouts: A4 sheets and label-printer rolls")
    async def layouts(self) -> list[LayoutOut]:
        return [
            LayoutOut(
                name=layout.name,
                title=layout.title,
                label_width_mm=layout.label_w_mm,
                label_height_mm=layout.label_h_mm,
                page_width_mm=layout.page_w_mm,
                page_height_mm=layout.page_h_mm,
                columns=layout.columns,
                rows=layout.rows,
                per_page=positions_per_page(layout),
                default=layout.name == service.DEFAULT_LAYOUT,
            )
            for layout in LAYOUTS.values()
        ]

    @get(
        "/api/v1/labels.pdf",
        media_type="application/pdf",
        summary="Print-ready labels at true size; `start` skips used positions of the first sheet",
    )
    async def labels_pdf(
        self,
        codes: Annotated[str, Parameter(max_length=12_000, description="comma-separated codes")],
        layout: Annotated[str | None, Parameter(max_length=40)] = None,
        start: Annotated[int, Parameter(ge=1, le=100)] = 1,
    ) -> Response[bytes]:
        wanted = [code for code in codes.split(",") if code.strip()]
        return _pdf(await service.labels_pdf(wanted, layout, start), "labels.pdf")

    @post(
        "/api/v1/labels/batch",
        status_code=201,
        summary="Blank codes for pre-printed labels; scanning one later offers to log an item with it",
    )
    async def create_batch(self, request: Request, data: BatchCreate) -> BatchOut:
        layout = service.layout_named(data.layout)
        batch, codes = await service.create_blank_batch(request.user, data.count)
        pdf_url = f"{get_settings().base_url}/api/v1/labels/batches/{batch}/labels.pdf?layout={layout.name}"
        return BatchOut(batch=batch, codes=codes, pdf_url=pdf_url)

    @get(
        "/api/v1/labels/batches/{batch:str}/labels.pdf",
        media_type="application/pdf",
        summary="The labels of a batch of blank codes",
    )
    async def batch_pdf(
        self,
        batch: Annotated[str, Parameter(max_length=32)],
        layout: Annotated[str | None, Parameter(max_length=40)] = None,
        start: Annotated[int, Parameter(ge=1, le=100)] = 1,
    ) -> Response[bytes]:
        codes = await service.batch_codes(batch)
        return _pdf(await service.labels_pdf(codes, layout, start), f"blank-codes-{batch}.pdf")


class PrinterController(Controller):
    tags = ["labels"]

    @post("/api/v1/printers", status_code=201, summary="Add or change a label printer (coordinator)")
    async def save_printer(self, request: Request, data: printing.PrinterIn) -> Response[printing.PrinterOut]:
        printer, created = await printing.save_printer(data, actor_of(request))
        return Response(printer, status_code=201 if created else 200)

    @get("/api/v1/printers", summary="The label printers of the lieux where you are a steward")
    async def printers(self, request: Request) -> list[printing.PrinterOut]:
        return await printing.list_printers(actor_of(request))

    @post(
        "/api/v1/labels/print",
        status_code=202,
        summary="Print labels on a label printer: 202 once the printer has the job; 502/504 when it cannot be reached",
    )
    async def print_labels(self, request: Request, data: printing.PrintIn) -> printing.PrintOut:
        return await printing.print_labels(data.codes, data.printer, actor_of(request))


ROUTES = [LabelController, PrinterController]
