from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange.ledger.rules import (
    FINAL,
    Action,
    Conflict,
    EventKind,
    Forbidden,
    Invalid,
    LedgerError,
    Role,
    Status,
    check_occurred_at,
    next_status,
    role_at_least,
)
from exchange.problems import status_of

A, S, R = Action, Status, Role
C, F = Conflict, Forbidden
ME, OTHER = 7, 8

# What each role (member, steward, coordinator) gets, for each action on a live item.
# "own" / "other": reserved by the actor / by someone else.
EXPECTED: dict[tuple[Action, str], tuple[object, object, object]] = {
    (A.intake, "available"): (F, S.available, S.available),
    (A.intake, "own"): (F, C, C),
    (A.intake, "other"): (F, C, C),
    (A.move, "available"): (F, S.available, S.available),
    (A.move, "own"): (F, S.reserved, S.reserved),
    (A.move, "other"): (F, S.reserved, S.reserved),
    (A.reserve, "available"): (S.reserved, S.reserved, S.reserved),
    (A.reserve, "own"): (S.reserved, S.reserved, S.reserved),
    (A.reserve, "other"): (C, C, C),
    (A.release, "available"): (C, C, C),
    (A.release, "own"): (S.available, S.available, S.available),
    (A.release, "other"): (F, S.available, S.available),
    (A.use, "available"): (S.used, S.used, S.used),
    (A.use, "own"): (S.used, S.used, S.used),
    (A.use, "other"): (C, C, C),
    (A.recycle, "available"): (F, S.recycled, S.recycled),
    (A.recycle, "own"): (F, C, C),
    (A.recycle, "other"): (F, C, C),
    (A.discard, "available"): (F, S.discarded, S.discarded),
    (A.discard, "own"): (F, C, C),
    (A.discard, "other"): (F, C, C),
    (A.split, "available"): (F, S.split, S.split),
    (A.split, "own"): (F, C, C),
    (A.split, "other"): (F, C, C),
    (A.adjust, "available"): (F, S.available, S.available),
    (A.adjust, "own"): (F, S.reserved, S.reserved),
    (A.adjust, "other"): (F, S.reserved, S.reserved),
    # the role in the sending lieu; the piece keeps its status and its holder
    (A.transfer, "available"): (F, S.available, S.available),
    (A.transfer, "own"): (F, S.reserved, S.reserved),
    (A.transfer, "other"): (F, S.reserved, S.reserved),
}

CASES = {"available": (S.available, None), "own": (S.reserved, ME), "other": (S.reserved, OTHER)}
ROLES = (R.member, R.steward, R.coordinator)


def test_the_table_covers_every_action_and_case():
    assert set(EXPECTED) == {(action, case) for action in Action for case in CASES}


@pytest.mark.parametrize(
    ("action", "case", "role"),
    [(action, case, role) for action, case in EXPECTED for role in ROLES],
)
def test_transitions_on_live_items(action, case, role):
    status, holder = CASES[case]
    expected = EXPECTED[action, case][ROLES.index(role)]
    if isinstance(expected, Status):
        assert next_status(action, status, role=role, actor_id=ME, holder_id=holder) is expected
    else:
        with pytest.raises(expected) as raised:  # type: ignore[call-overload]
            next_status(action, status, role=role, actor_id=ME, holder_id=holder)
        assert status_of(raised.value) == {C: 409, F: 403}[expected]


@pytest.mark.parametrize("status", sorted(FINAL))
@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("holder", [None, ME, OTHER])
def test_final_statuses_are_a_conflict_naming_the_status(status, action, role, holder):
    # Even a member trying a steward's action gets the 409 first.
    with pytest.raises(Conflict) as raised:
        next_status(action, status, role=role, actor_id=ME, holder_id=holder)
    assert status.value in raised.value.message
    assert status_of(raised.value) == 409


def test_final_set():
    assert FINAL == {S.used, S.recycled, S.discarded, S.split}
    assert S.available not in FINAL and S.reserved not in FINAL


def test_messages_say_why():
    with pytest.raises(Conflict, match="reserved by someone else"):
        next_status(A.reserve, S.reserved, role=R.member, actor_id=ME, holder_id=OTHER)
    with pytest.raises(Conflict, match="reserved by someone else"):
        next_status(A.use, S.reserved, role=R.coordinator, actor_id=ME, holder_id=OTHER)
    with pytest.raises(Conflict, match="not reserved"):
        next_status(A.release, S.available, role=R.steward, actor_id=ME, holder_id=None)
    with pytest.raises(Conflict, match="release it first"):
        next_status(A.discard, S.reserved, role=R.steward, actor_id=ME, holder_id=ME)


def test_a_reservation_without_a_known_holder_is_nobody_s_own():
    with pytest.raises(Conflict):
        next_status(A.use, S.reserved, role=R.member, actor_id=ME, holder_id=None)


def test_plain_strings_are_accepted():
    # The database hands back plain strings.
    assert next_status("reserve", "available", role="member", actor_id=ME, holder_id=None) == "reserved"


def test_role_order():
    assert [r for r in R if role_at_least(r, R.steward)] == [R.steward, R.coordinator]
    assert all(role_at_least(r, R.member) for r in R)
    assert [r for r in R if role_at_least(r, R.coordinator)] == [R.coordinator]


def test_event_kinds_are_the_actions_and_piece():
    assert {k.value for k in EventKind} == {a.value for a in Action} | {"piece"}


def test_errors_carry_their_field_and_get_their_status_at_the_edge():
    error = Invalid("too long", field="title")
    assert not hasattr(error, "status_code")  # the rules know no HTTP
    assert (status_of(error), error.field, error.message, str(error)) == (422, "title", "too long", "too long")
    assert Invalid("bad").field is None
    assert all(issubclass(cls, LedgerError) for cls in (Conflict, Forbidden, Invalid))


# --- occurred_at ---------------------------------------------------------------

PARIS = timezone(timedelta(hours=1))
NOW = datetime(2026, 3, 1, 10, 0, tzinfo=PARIS)


def refused(occurred_at, *, previous=None, role=R.steward) -> bool:
    try:
        check_occurred_at(occurred_at, now=NOW, previous=previous, role=role)
    except Invalid as error:
        assert error.field == "occurred_at"
        return True
    return False


def test_a_time_needs_its_offset():
    with pytest.raises(Invalid, match="offset") as raised:
        check_occurred_at(NOW.replace(tzinfo=None), now=NOW, previous=None, role=R.coordinator)
    assert raised.value.field == "occurred_at"


@pytest.mark.parametrize("role", ROLES)
def test_at_most_a_minute_into_the_future(role):
    assert not refused(NOW + timedelta(seconds=60), role=role)
    assert refused(NOW + timedelta(seconds=61), role=role)


def test_the_same_instant_in_another_offset_is_the_same_time():
    assert not refused(NOW.astimezone(UTC) + timedelta(seconds=30), role=R.member)


@pytest.mark.parametrize("role", ROLES)
def test_never_before_the_previous_event(role):
    previous = NOW - timedelta(minutes=5)
    assert not refused(previous, previous=previous, role=role)
    assert refused(previous - timedelta(seconds=1), previous=previous, role=role)


def test_a_member_may_backdate_a_day():
    """An action taken offline keeps its time when the phone syncs within 24 hours."""
    assert not refused(NOW - timedelta(hours=24), role=R.member)
    assert refused(NOW - timedelta(hours=24, microseconds=1), role=R.member)


@given(
    age=st.timedeltas(min_value=timedelta(seconds=-60), max_value=timedelta(days=3)),
    since_previous=st.one_of(st.none(), st.timedeltas(min_value=timedelta(days=-3), max_value=timedelta(days=3))),
)
def test_a_members_time_is_accepted_exactly_within_the_day_after_the_previous_event(age, since_previous):
    """Up to a minute ahead, at most 24 hours old, never before the item's previous event."""
    when = NOW - age
    previous = None if since_previous is None else when - since_previous
    expected = age <= timedelta(hours=24) and (previous is None or previous <= when)
    assert refused(when, previous=previous, role=R.member) is not expected


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=365 * 30)))
def test_stewards_backdate_without_limit(age):
    assert not refused(NOW - age, role=R.steward)
    assert not refused(NOW - age, role=R.coordinator)
    # ...but not before the item's past.
    assert refused(NOW - age - timedelta(microseconds=1), previous=NOW - age, role=R.steward)
