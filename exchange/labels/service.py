"""Labels for items and for blank pre-printed codes: what goes on them, PNGs, PDF sheets."""

from __future__ import annotations

import asyncio
import secrets

from exchange.auth.service import Actor
from exchange.db import write_transaction
from exchange.items.intake import fresh_code
from exchange.labels import queries
from exchange.labels.draw import LabelContent, label_png
from exchange.labels.layouts import DEFAULT_LAYOUT, LAYOUTS, Layout, positions_per_page
from exchange.labels.sheets import sheet_pdf
from exchange.ledger.codes import parse_code
from exchange.ledger.rules import Invalid, NotFound
from exchange.lieu.queries import lieu_count
from exchange.messages import _, ngettext
from exchange.settings import get_settings
from exchange.tables import BlankCode

MAX_LABELS = 1000  # one request: about 48 A4 sheets
MAX_BATCH = 500


def layout_named(name: str | None) -> Layout:
    layout = LAYOUTS.get(name or DEFAULT_LAYOUT)
    if layout is None:
        raise Invalid(
            _("Unknown layout '%(name)s': one of %(layouts)s.", name=name, layouts=", ".join(LAYOUTS)), field="layout"
        )
    return layout


def dimensions_text(length: int | None, width: int | None, thickness: int | None) -> str:
    known = [str(v) for v in (length, width, thickness) if v is not None]
    return " × ".join(known) + " mm" if known else ""


async def contents_for(codes: list[str]) -> list[LabelContent]:
    """Label contents in the order asked; a code no item and no blank holds is a 404."""
    settings = get_settings()
    canonical = [parse_code(code) for code in codes]
    items = await queries.label_rows(canonical)
    missing = [code for code in canonical if code not in items]
    blanks = await queries.blank_codes_among(missing)
    unknown = [code for code in missing if code not in blanks]
    if unknown:
        raise NotFound(
            ngettext(
                "No item holds the code %(codes)s.",
                "No item holds the codes %(codes)s.",
                len(unknown),
                codes=", ".join(unknown),
            )
        )
    # The lieu a label names: the item's on a network; on a single lieu the installation's name as
    # set now (EXCHANGE_LIEU_NAME, which the lieu's row keeps from its first migration).
    network = await lieu_count() > 1
    contents = []
    for code in canonical:
        url = f"{settings.base_url}/i/{code}"
        row = items.get(code)
        if row is None:  # a blank code: printed now, claimed later by an intake
            contents.append(LabelContent(url=url, code=code, lieu=settings.lieu_name))
            continue
        contents.append(
            LabelContent(
                url=url,
                code=code,
                title=row["title"],
                # In the lieu's language (French unless the lieu says otherwise).
                category=row["category_name"] if row["language"] == "en" else row["category_name_fr"],
                dimensions=dimensions_text(row["length_mm"], row["width_mm"], row["thickness_mm"]),
                lieu=row["lieu_name"] if network and row["lieu_name"] else settings.lieu_name,
                workshop=row["workshop_name"],
            )
        )
    return contents


async def item_label_png(code: str, layout: str | None = None) -> bytes:
    (content,) = await contents_for([code])
    return await asyncio.to_thread(label_png, content, layout_named(layout))


async def labels_pdf(codes: list[str], layout: str | None = None, start: int = 1) -> bytes:
    if not codes:
        raise Invalid(_("Name at least one code."), field="codes")
    if len(codes) > MAX_LABELS:
        raise Invalid(_("At most %(max)s labels at once.", max=MAX_LABELS), field="codes")
    chosen = layout_named(layout)
    if not 1 <= start <= positions_per_page(chosen):
        raise Invalid(
            _(
                "start is a position from 1 to %(positions)s on a %(layout)s sheet.",
                positions=positions_per_page(chosen),
                layout=chosen.name,
            ),
            field="start",
        )
    contents = await contents_for(codes)
    return await asyncio.to_thread(sheet_pdf, contents, chosen, start)


async def create_blank_batch(actor: Actor, count: int) -> tuple[str, list[str]]:
    """Draw `count` free codes for pre-printed labels; returns (batch, codes)."""
    if not 1 <= count <= MAX_BATCH:
        raise Invalid(_("count is 1 to %(max)s.", max=MAX_BATCH), field="count")
    batch = secrets.token_hex(8)
    codes: list[str] = []
    async with write_transaction(BlankCode._meta.db):
        for _position in range(count):
            code = await fresh_code()
            await queries.insert_blank_code(code, batch, actor.id)
            codes.append(code)
    return batch, codes


async def batch_codes(batch: str) -> list[str]:
    codes = await queries.batch_codes(batch)
    if not codes:
        raise NotFound(_("No batch of blank codes named %(batch)s.", batch=batch))
    return codes
