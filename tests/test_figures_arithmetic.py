"""The figures' pure arithmetic: months in Paris time, derived figures, balance, equivalences."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from exchange.figures.arithmetic import (
    Month,
    Sums,
    balance_gap_g,
    boundaries,
    co2e_kg,
    diverted_g,
    equivalences,
    kg_text,
    month_bounds,
    month_of,
    month_range,
    parse_month,
    rate_value,
    reuse_rate,
    waste_avoided_g,
)
from exchange.figures.factors import as_written, next_version
from exchange.figures.queries import flows_args, flows_sql, opening_sql
from exchange.figures.service import fold
from exchange.figures.stock import fold_stock, monthly_changes
from exchange.ledger.rules import Invalid

PARIS = ZoneInfo("Europe/Paris")
UTC = UTC


def test_month_bounds_in_paris():
    # January: CET all month, +01:00
    assert month_bounds("2026-01", PARIS) == (
        datetime(2025, 12, 31, 23, tzinfo=UTC),
        datetime(2026, 1, 31, 23, tzinfo=UTC),
    )
    # March 2026: summer time from 29 March; starts at +01:00, ends at +02:00: 31 days minus 1 hour
    start, end = month_bounds("2026-03", PARIS)
    assert (start, end) == (datetime(2026, 2, 28, 23, tzinfo=UTC), datetime(2026, 3, 31, 22, tzinfo=UTC))
    assert (end - start).total_seconds() == 31 * 86400 - 3600
    # October 2026: back to CET on 25 October: 31 days plus 1 hour
    start, end = month_bounds("2026-10", PARIS)
    assert (start, end) == (datetime(2026, 9, 30, 22, tzinfo=UTC), datetime(2026, 10, 31, 23, tzinfo=UTC))
    assert (end - start).total_seconds() == 31 * 86400 + 3600
    # December rolls into the next year
    assert month_bounds(Month(2026, 12), PARIS)[1] == datetime(2026, 12, 31, 23, tzinfo=UTC)


def test_2330_on_the_last_day_is_that_month():
    late = datetime(2026, 3, 31, 23, 30, tzinfo=PARIS)  # 21:30 UTC
    assert month_of(late, PARIS) == Month(2026, 3)
    start, end = month_bounds("2026-03", PARIS)
    assert start <= late < end
    just_after = datetime(2026, 4, 1, 0, 30, tzinfo=PARIS)  # 22:30 UTC on 31 March
    assert month_of(just_after, PARIS) == Month(2026, 4)
    assert just_after.astimezone(UTC).day == 31 and not just_after < end


def test_boundaries_chain_months():
    months = month_range("2025-11", "2026-02")
    assert [str(m) for m in months] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    cuts = boundaries(months, PARIS)
    assert len(cuts) == 5 and cuts == sorted(cuts)
    assert cuts[1:3] == list(month_bounds("2025-12", PARIS))


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "26-01", "2026-1", "", None, "2026/01", " 2026-01x"])
def test_bad_months_are_invalid_month(text):
    with pytest.raises(Invalid) as caught:
        parse_month(text)
    assert caught.value.field == "month"


def test_month_range_limits():
    with pytest.raises(Invalid) as caught:
        month_range("2026-05", "2026-04")
    assert caught.value.field == "to"
    with pytest.raises(Invalid) as caught:
        month_range("2000-01", "2026-04")
    assert caught.value.field == "to"
    with pytest.raises(Invalid) as caught:
        month_range("nope", "2026-04")
    assert caught.value.field == "from"
    assert Month(2026, 1).plus(-1) == Month(2025, 12) and Month(2026, 1).previous() == Month(2025, 12)


def test_derived_figures():
    s = Sums(
        intake_g=10_000, reused_g=3_000, recycled_g=1_000, discarded_g=1_000, loss_g=500, opening_g=2_000, net_g=4_500
    )
    assert waste_avoided_g(s) == 3_000
    assert diverted_g(s) == 4_000
    assert reuse_rate(s) == Fraction(3, 5) and rate_value(reuse_rate(s)) == 0.6
    # 2 + 10 = 12 = 3 + 1 + 1 + 0.5 + closing 6.5
    assert s.closing_g == 6_500 and balance_gap_g(s) == 0
    assert reuse_rate(Sums(intake_g=5)) is None  # nothing left: no rate
    assert rate_value(Fraction(1, 3)) == 0.3333


def test_co2e_uses_the_factor_as_written():
    # 3 kg x 0.263 + 2 kg x 1.04 = 0.789 + 2.08 = 2.869, exactly
    assert co2e_kg(3_000, 2_000, 0.263, 1.04) == Decimal("2.869")
    assert co2e_kg(3_000, 2_000, None, 0) == 0


def test_kg_text_has_a_point_and_three_decimals():
    assert [kg_text(g) for g in (0, 5, 12_500, -500, 1_234_567)] == ["0.000", "0.005", "12.500", "-0.500", "1234.567"]


def test_equivalences_are_exact_from_the_density():
    # plywood sheet: 2440 x 1220 x 18 mm = 53,582,400 mm3 x 632.5 kg/m3 = 33,890.868 g
    (plywood,) = equivalences({"plywood": 101_672_604, "textile": 5_000}, {"plywood": 632.5, "textile": None})
    assert plywood.unit_mass_g == Fraction(33_890_868, 1000)
    assert plywood.count == 3000  # 101,672.604 kg = 3000 sheets exactly
    (some,) = equivalences({"plywood": 50_000}, {"plywood": 632.5})
    assert some.count_tenths == 1.4  # 50 / 33.890868 = 1.475..., rounded down: never more than the kilos
    assert equivalences({"plywood": 0}, {"plywood": 632.5}) == []


def test_factor_values_read_back_as_written():
    import struct

    single = struct.unpack("f", struct.pack("f", 0.681))[0]  # what PostgreSQL's REAL gives back
    assert single != 0.681 and as_written(single) == 0.681
    assert as_written(0.681) == 0.681 and as_written(13.1) == 13.1 and as_written(632.5) == 632.5
    assert as_written(0.123456789) == 0.123456789


def test_next_version():
    assert next_version("exchange-defaults-2026.1", set()) == "exchange-defaults-2026.1+lieu.1"
    assert next_version("exchange-defaults-2026.1+lieu.1", set()) == "exchange-defaults-2026.1+lieu.2"
    assert next_version("x+lieu.2", {"x+lieu.3"}) == "x+lieu.4"
    assert len(next_version("v" * 60, set())) <= 60


def test_sql_placeholders_match_arguments():
    cuts = boundaries(month_range("2025-01", "2025-12"), PARIS)
    assert flows_sql(len(cuts)).count("{}") == len(flows_args(cuts)) == 13
    assert flows_args(cuts)[-2:] == [cuts[0], cuts[-1]]
    one = boundaries([Month(2025, 1)], PARIS)
    assert flows_sql(len(one)).count("{}") == len(flows_args(one)) == 2
    assert opening_sql().count("{}") == 4


def test_fold_moves_and_category_changes():
    row = dict.fromkeys(
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
        ),
        0,
    )
    rows = [
        # 5 kg moved from workshop 1 to workshop 2, category 7
        {**row, "bucket": 1, "workshop": 2, "from_workshop": 1, "category": 7, "from_category": None, "moved_g": 5_000},
        # in workshop 1, an adjust from category 7 (3 kg) to category 8 (2.5 kg)
        {
            **row,
            "bucket": 1,
            "workshop": 1,
            "from_workshop": None,
            "category": 8,
            "from_category": 7,
            "adjust_new_g": 2_500,
            "adjust_old_g": 3_000,
        },
    ]
    cells = fold(rows)[1]
    assert (cells[(2, 7)].moved_in_g, cells[(2, 7)].net_g) == (5_000, 5_000)
    assert (cells[(1, 7)].moved_out_g, cells[(1, 7)].adjusted_g, cells[(1, 7)].net_g) == (5_000, -3_000, -8_000)
    assert (cells[(1, 8)].adjusted_g, cells[(1, 8)].net_g) == (2_500, 2_500)
    lieu = Sums.total(cells.values())
    assert (lieu.moved_in_g, lieu.moved_out_g, lieu.adjusted_g, lieu.net_g) == (5_000, 5_000, -500, -500)


def test_fold_stock_takes_moves_and_old_categories_from_their_origin():
    rows = [
        # before the instant: 10 kg in at (1, 7), then 4 kg of it moved to workshop 2
        {
            "workshop": 1,
            "category": 7,
            "from_workshop": None,
            "from_category": None,
            "here_g": 10_000,
            "adjust_old_g": 0,
            "moved_g": 0,
        },
        {
            "workshop": 2,
            "category": 7,
            "from_workshop": 1,
            "from_category": None,
            "here_g": 4_000,
            "adjust_old_g": 0,
            "moved_g": 4_000,
        },
        # the 4 kg re-weighed at 3.5 kg and re-categorised 7 → 8 in workshop 2
        {
            "workshop": 2,
            "category": 8,
            "from_workshop": None,
            "from_category": 7,
            "here_g": 3_500,
            "adjust_old_g": 4_000,
            "moved_g": 0,
        },
    ]
    assert fold_stock(rows) == {(1, 7): 6_000, (2, 8): 3_500}


def _event(kind, when, workshop=1, category=7, mass_g=1_000, **extra):
    return {
        "kind": kind,
        "occurred_at": when,
        "workshop": workshop,
        "category": category,
        "from_workshop": None,
        "from_category": None,
        "mass_g": mass_g,
        "mass_before_g": None,
        **extra,
    }


def test_monthly_changes_cut_months_in_the_lieus_time_zone():
    events = [
        # 22:30 UTC on 31 March is 00:30 on 1 April in Paris (summer time)
        _event("intake", datetime(2025, 3, 31, 22, 30, tzinfo=UTC), mass_g=5_000),
        _event("intake", datetime(2025, 3, 31, 21, 30, tzinfo=UTC), mass_g=2_000),
        # 23:30 UTC on 31 October 2025 is 00:30 on 1 November (winter time: one hour ahead)
        _event("use", datetime(2025, 10, 31, 23, 30, tzinfo=UTC), mass_g=1_500),
        _event("reserve", datetime(2025, 4, 2, tzinfo=UTC), mass_g=5_000),  # moves no mass
    ]
    assert monthly_changes(events, PARIS) == {
        ("2025-03", 1, 7): 2_000,
        ("2025-04", 1, 7): 5_000,
        ("2025-11", 1, 7): -1_500,
    }


def test_monthly_changes_take_moves_and_adjusts_from_their_origin():
    may = datetime(2025, 5, 10, tzinfo=UTC)
    events = [
        _event("intake", may, mass_g=10_000),
        _event("move", may, workshop=2, from_workshop=1, mass_g=4_000),
        _event("adjust", may, workshop=2, category=8, from_category=7, mass_g=3_500, mass_before_g=4_000),
        _event("split", may, workshop=2, category=8, mass_g=3_500, loss_g=100),
        _event("piece", may, workshop=2, category=8, mass_g=3_400),
    ]
    # 6 kg left in (1, 7); (2, 7) got 4 kg and lost them to category 8; (2, 8): 3.5 - 3.5 + 3.4
    assert monthly_changes(events, PARIS) == {("2025-05", 1, 7): 6_000, ("2025-05", 2, 8): 3_400}
