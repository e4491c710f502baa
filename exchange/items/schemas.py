"""What the items API reads and writes. Limits live in the types, so a bad value is a 422 naming its field."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from exchange.ledger.rules import MAX_DIMENSION_MM, MAX_QUANTITY, MAX_RESERVATION_HOURS

Dimension = Annotated[int, msgspec.Meta(ge=1, le=MAX_DIMENSION_MM, description="millimetres, 1 to 20,000")]
Quantity = Annotated[int, msgspec.Meta(ge=1, le=MAX_QUANTITY, description="pieces, 1 to 10,000")]
MassKg = Annotated[float, msgspec.Meta(gt=0, le=10_000, description="kilograms, up to 10,000")]
Slug = Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
ShortText = Annotated[str, msgspec.Meta(max_length=200)]
Note = Annotated[str, msgspec.Meta(max_length=2000)]
Condition = Annotated[str, msgspec.Meta(max_length=40)]
CodeText = Annotated[str, msgspec.Meta(min_length=1, max_length=20)]


class ItemCreate(msgspec.Struct, forbid_unknown_fields=True):
    category: Slug
    title: Title
    workshop: Slug
    length_mm: Dimension | None = None
    width_mm: Dimension | None = None
    thickness_mm: Dimension | None = None
    quantity: Quantity = 1
    mass_kg: MassKg | None = None
    condition: Condition = ""
    origin: ShortText = ""
    note: Note = ""
    code: CodeText | None = None
    occurred_at: datetime | None = None


class ItemOut(msgspec.Struct):
    code: str
    category: str
    title: str
    length_mm: int | None
    width_mm: int | None
    thickness_mm: int | None
    quantity: int
    mass_kg: float | None
    mass_source: str | None
    condition: str
    origin: str
    note: str
    status: str
    workshop: str
    parent: str | None
    reserved_by: str | None
    reserved_until: datetime | None
    created_at: datetime
    last_event_at: datetime
    url: str
    label_url: str
    photo_url: str | None
    thumbnail_url: str | None
    lieu: str | None = None  # the slug of the workshop's lieu
    distance_km: float | None = None  # from `near`, when the list was asked for with it


class ItemPage(msgspec.Struct):
    items: list[ItemOut]
    next_cursor: str | None


class When(msgspec.Struct, forbid_unknown_fields=True):
    """Every action accepts `occurred_at` (ISO 8601 with its offset; default now)."""

    occurred_at: datetime | None = None


class MoveIn(When, forbid_unknown_fields=True):
    workshop: Slug = ""
    note: Note = ""


class TransferIn(When, forbid_unknown_fields=True):
    workshop: Slug = ""  # a workshop of another lieu
    note: Note = ""


class ReserveIn(When, forbid_unknown_fields=True):
    hours: Annotated[float, msgspec.Meta(gt=0, le=MAX_RESERVATION_HOURS)] | None = None
    note: Note = ""


class ReleaseIn(When, forbid_unknown_fields=True):
    note: Note = ""


class UseIn(When, forbid_unknown_fields=True):
    project: ShortText = ""
    note: Note = ""


class RecycleIn(When, forbid_unknown_fields=True):
    channel: ShortText = ""
    note: Note = ""


class DiscardIn(When, forbid_unknown_fields=True):
    note: Note = ""


class PieceIn(msgspec.Struct, forbid_unknown_fields=True):
    length_mm: Dimension
    width_mm: Dimension
    thickness_mm: Dimension
    quantity: Quantity = 1
    mass_kg: MassKg | None = None
    title: Title | None = None


class SplitIn(When, forbid_unknown_fields=True):
    pieces: Annotated[list[PieceIn], msgspec.Meta(min_length=1, max_length=100)] = []
    note: Note = ""


class SplitOut(msgspec.Struct):
    parent: ItemOut
    pieces: list[ItemOut]
    loss_kg: float
    labels_url: str  # the pieces' labels as one sheet


class UsePartIn(When, forbid_unknown_fields=True, kw_only=True):
    """The part used and what is left of it (each rest piece gets its own code and label)."""

    used: PieceIn
    rest: Annotated[list[PieceIn], msgspec.Meta(min_length=1, max_length=20)]
    project: ShortText = ""
    note: Note = ""


class UsePartOut(msgspec.Struct):
    parent: ItemOut
    used: ItemOut
    rest: list[ItemOut]
    loss_kg: float
    labels_url: str  # the rest's new labels, as one sheet


class AdjustIn(When, forbid_unknown_fields=True):
    note: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)] = ""
    mass_kg: MassKg | None = None
    length_mm: Dimension | None = None
    width_mm: Dimension | None = None
    thickness_mm: Dimension | None = None
    category: Slug | None = None
    title: Title | None = None


class EventOut(msgspec.Struct):
    id: int
    kind: str
    occurred_at: datetime
    recorded_at: datetime
    by: str | None
    workshop: str
    from_workshop: str | None
    category: str
    mass_kg: float | None
    loss_kg: float | None
    note: str
    data: dict
