"""Piccolo tables. The schema itself is written by hand in ../migrations (additive only)."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    DoublePrecision,
    ForeignKey,
    Integer,
    Real,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Lieu(Table, tablename="lieu"):
    """One tiers-lieu of the network (an installation holds one or many)."""

    id = Serial(primary_key=True)
    slug = Varchar(length=60, unique=True)
    name = Varchar(length=120)
    city = Varchar(length=120, default="")
    latitude = DoublePrecision(null=True, default=None)
    longitude = DoublePrecision(null=True, default=None)
    time_zone = Varchar(length=64)
    shares_with_network = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    language = Varchar(length=8, default="fr")  # what its labels speak (m0011)


class Member(Table, tablename="member"):
    id = Serial(primary_key=True)
    email = Varchar(length=254, unique=True)
    name = Varchar(length=120)
    role = Varchar(length=20)  # the role in the member's own (first) lieu; every lieu's in Membership
    password_hash = Varchar(length=255)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    network_coordinator = Boolean(default=False)


class Membership(Table, tablename="membership"):
    """A member's role in one lieu; their first membership is their own lieu."""

    id = Serial(primary_key=True)
    member = ForeignKey(Member)
    lieu = ForeignKey(Lieu)
    role = Varchar(length=20)


class AuthToken(Table, tablename="auth_token"):
    """A Bearer token or web session; only its SHA-256 is stored."""

    id = Serial(primary_key=True)
    token_hash = Varchar(length=64, unique=True)
    member = ForeignKey(Member)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()


class Workshop(Table, tablename="workshop"):
    id = Serial(primary_key=True)
    slug = Varchar(length=60, unique=True)  # unique in the whole installation
    name = Varchar(length=120)
    created_at = Timestamptz(default=TimestamptzNow())
    lieu = ForeignKey(Lieu, null=True, default=None)  # set on every workshop (m0009 fills the old ones)


class Category(Table, tablename="category"):
    id = Serial(primary_key=True)
    slug = Varchar(length=60, unique=True)
    name = Varchar(length=120)
    name_fr = Varchar(length=120)
    density_kg_m3 = Real(null=True)


class FactorSet(Table, tablename="factor_set"):
    """A version of the impact factors; figures name the one they used."""

    id = Serial(primary_key=True)
    version = Varchar(length=60, unique=True)
    note = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    # Who set it (a coordinator's override); a name is shown to members only.
    set_by = ForeignKey(Member, null=True, default=None)


class Factor(Table, tablename="factor"):
    id = Serial(primary_key=True)
    factor_set = ForeignKey(FactorSet)
    category = ForeignKey(Category)
    kind = Varchar(length=10)  # reuse | recycle
    value = Real()
    unit = Varchar(length=30)
    source = Varchar(length=200)
    version = Varchar(length=60)
    entry = Varchar(length=200)
    note = Text(default="")


class Item(Table, tablename="item"):
    id = Serial(primary_key=True)
    code = Varchar(length=9, unique=True)
    category = ForeignKey(Category)
    title = Varchar(length=200)
    length_mm = Integer(null=True, default=None)
    width_mm = Integer(null=True, default=None)
    thickness_mm = Integer(null=True, default=None)
    quantity = Integer(default=1)
    mass_g = BigInt(null=True, default=None)
    mass_source = Varchar(length=10, null=True, default=None)
    condition = Varchar(length=40, default="")
    origin = Varchar(length=200, default="")
    note = Text(default="")
    status = Varchar(length=12)
    workshop = ForeignKey(Workshop)
    parent = ForeignKey("self", null=True, default=None)
    reserved_by = ForeignKey(Member, null=True, default=None)
    reserved_until = Timestamptz(null=True, default=None)
    photo = Varchar(length=80, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    last_event_at = Timestamptz(default=TimestamptzNow())
    # Bumped by every change: a conditional update on it lets exactly one racer win.
    version = Integer(default=0)
    # Title and note folded for the search (exchange.items.search; m0010), null when unknown.
    search = Text(null=True, default=None)


class Event(Table, tablename="event"):
    """One line of the ledger; never updated, never deleted."""

    id = Serial(primary_key=True)
    item = ForeignKey(Item)
    kind = Varchar(length=10)
    occurred_at = Timestamptz()
    recorded_at = Timestamptz(default=TimestamptzNow())
    member = ForeignKey(Member, null=True, default=None)
    # Where and what the item was after the event; `from_*` before it (move, adjust).
    workshop = ForeignKey(Workshop)
    from_workshop = ForeignKey(Workshop, null=True, default=None)
    category = ForeignKey(Category)
    from_category = ForeignKey(Category, null=True, default=None)
    mass_g = BigInt(null=True, default=None)
    mass_before_g = BigInt(null=True, default=None)
    loss_g = BigInt(null=True, default=None)
    note = Text(default="")
    data = JSON(default="{}")


class BlankCode(Table, tablename="blank_code"):
    """A code printed in advance on a roll, claimed later by an intake."""

    id = Serial(primary_key=True)
    code = Varchar(length=9, unique=True)
    batch = Varchar(length=32)
    created_by = ForeignKey(Member, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class IdempotencyKey(Table, tablename="idempotency_key"):
    id = Serial(primary_key=True)
    member = ForeignKey(Member)
    key = Varchar(length=200)
    request_hash = Varchar(length=64)
    status_code = Integer()
    response_body = Text()
    created_at = Timestamptz(default=TimestamptzNow())


class StockChange(Table, tablename="stock_change"):
    """The net change of stock in one month (in the lieu's time zone `timezone`), workshop and
    category, over the events up to StockChangeMark.last_event: kept ahead so that a month's
    opening stock need not sum the whole ledger. Derived from the events alone."""

    id = Serial(primary_key=True)
    timezone = Varchar(length=64)
    month = Varchar(length=7)  # YYYY-MM
    workshop = ForeignKey(Workshop)
    category = ForeignKey(Category)
    net_g = BigInt()


class StockChangeMark(Table, tablename="stock_change_mark"):
    """Up to which event StockChange and FlowChange hold the ledger, per time zone."""

    id = Serial(primary_key=True)
    timezone = Varchar(length=64, unique=True)
    last_event = BigInt()


class FlowChange(Table, tablename="flow_change"):
    """The flows of one month (in the time zone `timezone`), workshop and category, over the
    events up to StockChangeMark.last_event: kept ahead with the stock so that a month's figures
    need not read its events. What left a cell (an adjust's old mass, a move's or a transfer's
    mass) is kept at its origin (the *_out_g). One column per flow (figures.queries.KEPT).
    Derived from the events alone."""

    id = Serial(primary_key=True)
    timezone = Varchar(length=64)
    month = Varchar(length=7)  # YYYY-MM
    workshop = Integer()  # no foreign keys: derived from the events, which hold theirs (m0013)
    category = Integer()
    intake_g = BigInt()
    piece_g = BigInt()
    reused_g = BigInt()
    items_reused = BigInt()
    recycled_g = BigInt()
    discarded_g = BigInt()
    split_g = BigInt()
    loss_g = BigInt()
    adjust_new_g = BigInt()
    moved_in_g = BigInt()
    transferred_in_g = BigInt()
    adjust_out_g = BigInt()
    moved_out_g = BigInt()
    transferred_out_g = BigInt()


class LoginAttempt(Table, tablename="login_attempt"):
    """Attempts at logging in, per account or per address, in a fixed window (auth/throttle.py)."""

    id = Serial(primary_key=True)
    key = Varchar(length=320, unique=True)
    count = Integer()
    window_ends = Timestamptz()


ALL_TABLES = [
    Lieu,
    Member,
    Membership,
    AuthToken,
    Workshop,
    Category,
    FactorSet,
    Factor,
    Item,
    Event,
    BlankCode,
    IdempotencyKey,
    StockChange,
    StockChangeMark,
    FlowChange,
    LoginAttempt,
]


class ImportRow(Table, tablename="import_row"):
    """A spreadsheet row brought in, by the SHA-256 of its content: the same row again is skipped."""

    id = Serial(primary_key=True)
    row_hash = Varchar(length=64, unique=True)
    batch = Varchar(length=32)  # one import: its labels are printed together
    code = Varchar(length=9)  # the item it created
    created_at = Timestamptz(default=TimestamptzNow())


class ImportUpload(Table, tablename="import_upload"):
    """A file kept between the import page's preview and its confirmation (base64)."""

    id = Serial(primary_key=True)
    token = Varchar(length=64, unique=True)
    member = ForeignKey(Member)
    filename = Varchar(length=200)
    content = Text()
    created_at = Timestamptz(default=TimestamptzNow())


class LabelPrinter(Table, tablename="label_printer"):
    """A Brother QL label printer: its model, the labels loaded, where to send (tcp:// or a device),
    and the lieu whose stewards print on it (m0014). Names are unique in the installation."""

    id = Serial(primary_key=True)
    name = Varchar(length=60, unique=True)
    model = Varchar(length=20)
    label = Varchar(length=20)
    uri = Varchar(length=300)
    created_at = Timestamptz(default=TimestamptzNow())
    lieu = ForeignKey(Lieu, null=True, default=None)


ALL_TABLES += [ImportRow, ImportUpload, LabelPrinter]
