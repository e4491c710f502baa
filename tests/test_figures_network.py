"""Random histories across several lieux in different time zones, with transfers, pure: each
lieu's month (in its own time zone) balances, opens with the last closing and closes with the
stock its items really hold; the network's month balances with the transfers cancelling,
and its CO2e is the sum of the lieux' (counted once, where the piece was used)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exchange.figures.arithmetic import Month, Sums, balance_gap_g, month_of, months_between, network_sums
from exchange.figures.service import fold

pytestmark = pytest.mark.stock_sqlite_too  # also on Piccolo's stock SQLite engine (conftest)

# Three lieux: Lyon and Grenoble in Paris time, Saint-Denis in La Réunion (UTC+4 all year).
LIEUX = {"lyon": "Europe/Paris", "grenoble": "Europe/Paris", "reunion": "Indian/Reunion"}
WORKSHOPS = {1: "lyon", 2: "lyon", 3: "grenoble", 4: "reunion"}  # workshop id -> lieu
CATEGORY = 7
START = datetime(2026, 1, 30, 18, 0, tzinfo=UTC)  # a few hours before the months turn

ZERO = dict.fromkeys(
    (
        "intake_g",
        "piece_g",
        "reused_g",
        "items_reused",
        "recycled_g",
        "discarded_g",
        "split_g",
        "loss_g",
        "adjust_new_g",
        "adjust_old_g",
        "moved_g",
        "transferred_g",
    ),
    0,
)

op = st.tuples(
    st.sampled_from(
        ["intake", "intake", "move", "transfer", "transfer", "use", "recycle", "discard", "split", "adjust"]
    ),
    st.integers(0, 1000),  # which item
    st.integers(1, 50_000),  # a mass in grams
    st.integers(0, 1000),  # which workshop
    st.integers(1, 6 * 60),  # minutes since the previous event
)


def play(ops):
    """The events (as one flow row each, with their instant) and the stock after each."""
    items: dict[int, list[int]] = {}  # id -> [workshop, mass]
    events: list[tuple[datetime, dict]] = []
    stock_after: list[dict[str, int]] = []
    now, next_id = START, 1

    def emit(workshop, **fields):
        row = {**ZERO, "workshop": workshop, "from_workshop": None, "category": CATEGORY, "from_category": None}
        row.update(fields)
        events.append((now, row))
        stock = defaultdict(int)
        for w, mass in items.values():
            stock[WORKSHOPS[w]] += mass
        stock_after.append(dict(stock))

    for kind, pick, grams, where, minutes in ops:
        now += timedelta(minutes=minutes)
        live = sorted(items)
        if kind == "intake" or not live:
            items[next_id] = [1 + where % 4, grams]
            next_id += 1
            emit(items[next_id - 1][0], intake_g=grams)
            continue
        item = live[pick % len(live)]
        workshop, mass = items[item]
        lieu = WORKSHOPS[workshop]
        if kind in ("move", "transfer"):
            choices = [w for w in WORKSHOPS if w != workshop and (WORKSHOPS[w] == lieu) == (kind == "move")]
            if not choices:
                continue
            to = choices[where % len(choices)]
            items[item][0] = to
            emit(to, from_workshop=workshop, **{"moved_g" if kind == "move" else "transferred_g": mass})
        elif kind in ("use", "recycle", "discard"):
            del items[item]
            column = {"use": "reused_g", "recycle": "recycled_g", "discard": "discarded_g"}[kind]
            emit(workshop, **{column: mass}, items_reused=int(kind == "use"))
        elif kind == "split":
            del items[item]
            piece = mass // 2
            items[next_id] = [workshop, piece]
            next_id += 1
            emit(workshop, split_g=mass, loss_g=mass - piece, piece_g=piece)
        else:  # adjust
            items[item][1] = grams
            emit(workshop, adjust_new_g=grams, adjust_old_g=mass)
    return events, stock_after


def lieu_months(slug: str, events, stock_after, months: list[Month]) -> list[Sums]:
    """One lieu's months in its own time zone: the flows folded per month, its workshops kept."""
    tz = ZoneInfo(LIEUX[slug])
    mine = {w for w, lieu in WORKSHOPS.items() if lieu == slug}
    result, opening = [], 0
    for month in months:
        rows = [
            {**row, "bucket": 1}
            for when, row in events
            if month_of(when, tz) == month and (row["workshop"] in mine or row["from_workshop"] in mine)
        ]
        cells = fold(rows).get(1, {})
        total = Sums.total(s for (w, _), s in cells.items() if w in mine)
        total.opening_g = opening
        opening = total.closing_g
        # the stock its items really hold after the last event before the month's end
        end = month.next().start(tz)
        before = [i for i, (when, _) in enumerate(events) if when < end]
        real = stock_after[before[-1]].get(slug, 0) if before else 0
        assert total.closing_g == real, f"{slug} {month}: closing {total.closing_g} g, items hold {real} g"
        result.append(total)
    return result


@settings(max_examples=60, deadline=None)
@given(ops=st.lists(op, min_size=1, max_size=40))
def test_lieux_and_network_balance_with_transfers(ops):
    events, stock_after = play(ops)
    months = months_between(Month(2026, 1), month_of(events[-1][0], ZoneInfo("Indian/Reunion")))
    by_lieu = {slug: lieu_months(slug, events, stock_after, months) for slug in LIEUX}
    for slug, sums in by_lieu.items():
        for month, s in zip(months, sums):
            assert balance_gap_g(s) == 0, f"{slug} {month} off by {balance_gap_g(s)} g"
            assert s.moved_in_g == s.moved_out_g  # a move stays inside the lieu
    for index, month in enumerate(months):
        lieux = [by_lieu[slug][index] for slug in LIEUX]
        network = network_sums(lieux)
        assert balance_gap_g(network) == 0, month
        # transfers cancel: what is left is only what the time zones cut apart, on one side
        assert network.transferred_in_g == 0 or network.transferred_out_g == 0
        sent = sum(s.transferred_out_g for s in lieux)
        received = sum(s.transferred_in_g for s in lieux)
        assert network.transferred_in_g - network.transferred_out_g == received - sent
        assert network.co2e_kg == sum(s.co2e_kg for s in lieux)
        assert network.reused_g == sum(s.reused_g for s in lieux)  # each use counted in one lieu


def test_a_transfer_in_one_time_zone_cancels_and_one_across_the_turn_of_the_month_does_not():
    # 21:30 UTC on 31 January: still January in Lyon and Grenoble, already February in La Réunion.
    when = datetime(2026, 1, 31, 21, 30, tzinfo=UTC)
    intake = {**ZERO, "workshop": 1, "from_workshop": None, "category": CATEGORY, "from_category": None}
    events = [
        (when - timedelta(days=2), {**intake, "intake_g": 5_000}),
        (when - timedelta(days=2), {**intake, "workshop": 3, "intake_g": 2_000}),
        (when, {**intake, "workshop": 3, "from_workshop": 1, "transferred_g": 5_000}),  # lyon -> grenoble
        (when, {**intake, "workshop": 4, "from_workshop": 3, "transferred_g": 2_000}),  # grenoble -> reunion
    ]
    stock_after = [
        {"lyon": 5_000},
        {"lyon": 5_000, "grenoble": 2_000},
        {"grenoble": 7_000},
        {"grenoble": 5_000, "reunion": 2_000},
    ]
    months = [Month(2026, 1), Month(2026, 2)]
    by_lieu = {slug: lieu_months(slug, events, stock_after, months) for slug in LIEUX}
    january = [by_lieu[slug][0] for slug in LIEUX]
    assert (by_lieu["lyon"][0].transferred_out_g, by_lieu["grenoble"][0].transferred_in_g) == (5_000, 5_000)
    assert by_lieu["grenoble"][0].transferred_out_g == 2_000
    assert by_lieu["reunion"][0].transferred_in_g == 0 and by_lieu["reunion"][1].transferred_in_g == 2_000
    network = network_sums(january)
    # Lyon -> Grenoble cancels; Grenoble -> La Réunion is out in January, in in February
    assert (network.transferred_in_g, network.transferred_out_g) == (0, 2_000)
    assert network.closing_g == 5_000 and balance_gap_g(network) == 0
    february = network_sums(by_lieu[slug][1] for slug in LIEUX)
    assert (february.transferred_in_g, february.transferred_out_g, february.opening_g) == (2_000, 0, 5_000)
    assert february.closing_g == 7_000 and balance_gap_g(february) == 0
