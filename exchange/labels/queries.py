"""The labels area's SQL: what an item's label shows, the blank pre-printed codes and the label
printers. Piccolo's query builder throughout."""

from __future__ import annotations

from exchange.tables import BlankCode, Item, LabelPrinter

# -- what goes on a label


async def label_rows(codes: list[str]) -> dict[str, dict]:
    """The label's columns of the items holding `codes`, by code (a code no item holds is absent)."""
    rows = await Item.select(
        Item.code,
        Item.title,
        Item.length_mm,
        Item.width_mm,
        Item.thickness_mm,
        Item.category.name.as_alias("category_name"),
        Item.category.name_fr.as_alias("category_name_fr"),
        Item.workshop.name.as_alias("workshop_name"),
        Item.workshop.lieu.language.as_alias("language"),
        Item.workshop.lieu.name.as_alias("lieu_name"),
    ).where(Item.code.is_in(codes))
    return {row["code"]: row for row in rows}


# -- blank codes


async def blank_codes_among(codes: list[str]) -> set[str]:
    """Which of `codes` are blank codes (drawn for pre-printed labels, not yet claimed)."""
    if not codes:
        return set()
    return {row["code"] for row in await BlankCode.select(BlankCode.code).where(BlankCode.code.is_in(codes))}


async def insert_blank_code(code: str, batch: str, created_by: int | None) -> None:
    await BlankCode.insert(BlankCode(code=code, batch=batch, created_by=created_by))


async def batch_codes(batch: str) -> list[str]:
    """The batch's codes in the order they were drawn."""
    rows = await BlankCode.select(BlankCode.code).where(BlankCode.batch == batch).order_by(BlankCode.id)
    return [row["code"] for row in rows]


# -- printers


async def update_printer(name: str, values: dict) -> bool:
    """Change the printer `name`'s columns (`values` by column name); False when there is none."""
    changed = (
        await LabelPrinter.update({getattr(LabelPrinter, k): v for k, v in values.items()})
        .where(LabelPrinter.name == name)
        .returning(LabelPrinter.id)
    )
    return bool(changed)


async def insert_printer(values: dict) -> None:
    await LabelPrinter.insert(LabelPrinter(**values))


_PRINTER_COLUMNS = (
    LabelPrinter.name,
    LabelPrinter.model,
    LabelPrinter.label,
    LabelPrinter.uri,
    LabelPrinter.lieu,
    LabelPrinter.lieu.slug.as_alias("lieu_slug"),
)


async def printers(lieux: list[int] | None = None) -> list[dict]:
    """The printers of `lieux` (every printer when None), by name."""
    query = LabelPrinter.select(*_PRINTER_COLUMNS).order_by(LabelPrinter.name)
    if lieux is not None:
        if not lieux:
            return []
        query = query.where(LabelPrinter.lieu.is_in(lieux))
    return await query


async def printer_named(name: str) -> dict | None:
    return await LabelPrinter.select(*_PRINTER_COLUMNS).where(LabelPrinter.name == name).first()
