"""Statuses, roles and the transitions of the ledger (DESIGN.md, "The ledger")."""

from datetime import datetime, timedelta
from enum import StrEnum

from exchange.messages import Message, MessageError, _, pgettext

MAX_DIMENSION_MM = 20_000
MAX_MASS_G = 10_000_000
MAX_QUANTITY = 10_000
DEFAULT_RESERVATION_HOURS = 48
MAX_RESERVATION_HOURS = 24 * 14

MAX_FUTURE = timedelta(seconds=60)  # clock skew between a phone and the server
# A member's action may carry the moment it was taken offline, a working day's (and night's)
# worth back; older history is for stewards to bring in.
MEMBER_MAX_BACKDATE = timedelta(hours=24)


class Status(StrEnum):
    available = "available"
    reserved = "reserved"
    used = "used"
    recycled = "recycled"
    discarded = "discarded"
    split = "split"


FINAL = frozenset({Status.used, Status.recycled, Status.discarded, Status.split})


class Role(StrEnum):
    member = "member"
    steward = "steward"
    coordinator = "coordinator"


_RANK = {Role.member: 0, Role.steward: 1, Role.coordinator: 2}


def role_at_least(role: Role, minimum: Role) -> bool:
    return _RANK[Role(role)] >= _RANK[Role(minimum)]


class Action(StrEnum):
    intake = "intake"
    move = "move"
    reserve = "reserve"
    release = "release"
    use = "use"
    recycle = "recycle"
    discard = "discard"
    split = "split"
    adjust = "adjust"
    transfer = "transfer"  # to a workshop of another lieu (DESIGN.md, "A network of lieux")


class EventKind(StrEnum):
    intake = "intake"
    move = "move"
    reserve = "reserve"
    release = "release"
    use = "use"
    recycle = "recycle"
    discard = "discard"
    split = "split"
    piece = "piece"  # first event of an item cut from a parent
    adjust = "adjust"
    transfer = "transfer"  # from a workshop of one lieu to a workshop of another


MIN_ROLE: dict[Action, Role] = {
    Action.intake: Role.steward,
    Action.move: Role.steward,
    Action.reserve: Role.member,
    Action.release: Role.member,
    Action.use: Role.member,
    Action.recycle: Role.steward,
    Action.discard: Role.steward,
    Action.split: Role.steward,
    Action.adjust: Role.steward,
    # The role is the actor's in the item's (sending) lieu: only its stewards pass it on.
    Action.transfer: Role.steward,
}

# Where each ending action leads (from available, or reserved by the actor for use).
_ENDS = {
    Action.use: Status.used,
    Action.recycle: Status.recycled,
    Action.discard: Status.discarded,
    Action.split: Status.split,
}


# A role and an action inside a sentence ("Only a steward or above can split an item."): the same
# English words as the values, their own French ones.
ROLE_IN_SENTENCE = {
    Role.member: pgettext("role in a sentence", "member"),
    Role.steward: pgettext("role in a sentence", "steward"),
    Role.coordinator: pgettext("role in a sentence", "coordinator"),
    "network": pgettext("role in a sentence", "network coordinator"),
}
VERBS = {
    Action.intake: pgettext("verb", "intake"),
    Action.move: pgettext("verb", "move"),
    Action.reserve: pgettext("verb", "reserve"),
    Action.release: pgettext("verb", "release"),
    Action.use: pgettext("verb", "use"),
    Action.recycle: pgettext("verb", "recycle"),
    Action.discard: pgettext("verb", "discard"),
    Action.split: pgettext("verb", "split"),
    Action.adjust: pgettext("verb", "adjust"),
    Action.transfer: pgettext("verb", "transfer"),
}


class LedgerError(MessageError):
    """A refused action. The rules know no HTTP: exchange/problems.py gives each kind its status."""


class Conflict(LedgerError):
    """Someone else acted first, or the item is no longer in a state that allows it."""


class Forbidden(LedgerError):
    """The actor's role does not allow this action."""


class NotFound(LedgerError):
    """No item (or batch, factor set...) holds this name."""


class Invalid(LedgerError):
    """A value the rules refuse; `field` names it."""

    def __init__(self, message: Message | str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


_FINAL_MESSAGE = {
    Status.used: _("This item is already used: nothing more can be done with it."),
    Status.recycled: _("This item is already recycled: nothing more can be done with it."),
    Status.discarded: _("This item is already discarded: nothing more can be done with it."),
    Status.split: _("This item is already split into pieces: act on its pieces instead."),
}


def next_status(action: Action, status: Status, *, role: Role, actor_id: int, holder_id: int | None) -> Status:
    """The status after `action`, or raise Conflict / Forbidden.

    Checked in this order: final status (409), role (403), then the action's own rules.
    `holder_id` is the member holding the reservation when `status` is reserved.
    For intake, pass the status the new item begins with: available.
    """
    action, status = Action(action), Status(status)
    if status in FINAL:
        raise Conflict(_FINAL_MESSAGE[status])
    minimum = MIN_ROLE[action]
    if not role_at_least(role, minimum):
        raise Forbidden(
            _("Only a %(role)s or above can %(action)s an item.", role=ROLE_IN_SENTENCE[minimum], action=VERBS[action])
        )

    reserved = status is Status.reserved
    own = reserved and holder_id is not None and holder_id == actor_id
    match action:
        case Action.intake:
            if reserved:
                raise Conflict(_("This item is already in the ledger: it was logged in before."))
            return Status.available
        case Action.move | Action.adjust | Action.transfer:
            return status  # a transfer keeps the status and the holder, like a move
        case Action.reserve:
            if reserved and not own:
                raise Conflict(_("This item is reserved by someone else."))
            return Status.reserved  # own reservation: the service extends the expiry
        case Action.release:
            if not reserved:
                raise Conflict(_("This item is not reserved: there is nothing to release."))
            if not own and not role_at_least(role, Role.steward):
                raise Forbidden(_("This item is reserved by someone else: only they or a steward can release it."))
            return Status.available
        case Action.use:
            if reserved and not own:
                raise Conflict(_("This item is reserved by someone else: only they can use it."))
            return Status.used
        case Action.recycle | Action.discard | Action.split:
            if reserved:
                raise Conflict(_("This item is reserved: release it first, then %(action)s it.", action=VERBS[action]))
            return _ENDS[action]
    raise AssertionError(f"unhandled action {action}")  # pragma: no cover


def check_occurred_at(occurred_at: datetime, *, now: datetime, previous: datetime | None, role: Role) -> None:
    """Refuse an event time that is naive, in the future, out of order, or too old for a member."""
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        raise Invalid(_("A time needs its offset, e.g. 2026-03-01T10:00:00+01:00."), field="occurred_at")
    if occurred_at - now > MAX_FUTURE:
        raise Invalid(_("This time is in the future: at most a minute ahead is accepted."), field="occurred_at")
    if previous is not None and occurred_at < previous:
        raise Invalid(
            _("This time is before the item's previous event (%(previous)s).", previous=previous.isoformat()),
            field="occurred_at",
        )
    if not role_at_least(role, Role.steward) and now - occurred_at > MEMBER_MAX_BACKDATE:
        raise Invalid(
            _("A member can date an action at most 24 hours back; ask a steward to record older ones."),
            field="occurred_at",
        )
