"""Hand-computed months, on both engines. The lieu's time zone is Europe/Paris.

The history (masses weighed, so the arithmetic is plain):

  February 2025 (CET, +01:00)
    A  intake plywood 10 kg, bois, 1000 x 500 x 18 mm     2025-02-10 10:00+01:00
    B  intake steel 20 kg, metal                           2025-02-28 23:30+01:00  (last day, 23:30 Paris = 22:30 UTC)
  March 2025 (starts CET, +01:00; summer time from 30 March 02:00 → 03:00, +02:00)
    C  intake softwood 5 kg, bois                          2025-03-01 00:30+01:00  (= 28 Feb 23:30 UTC: already March)
    A  split into A1 (600 x 500 x 18, 6 kg) and A2 (300 x 500 x 18, 3 kg): loss 10 − 6 − 3 = 1 kg
                                                           2025-03-05 10:00+01:00
    A1 move bois → metal                                   2025-03-10 09:00+01:00
    D  intake hardwood 8 kg, bois                          2025-03-15 10:00+01:00
    D  adjust: category hardwood → softwood (mass kept)    2025-03-16 10:00+01:00
    A1 use, in metal                                       2025-03-20 15:00+01:00
    B  recycle, in metal                                   2025-03-30 03:30+02:00  (just after the change)
    C  adjust mass 5 → 4.5 kg                              2025-03-31 23:30+02:00  (= 21:30 UTC: still March)
    A2 discard, in bois                                    2025-03-31 23:30+02:00
  April 2025
    E  intake glass 2 kg, metal                            2025-04-01 00:30+02:00  (= 31 March 22:30 UTC: April)
"""

from __future__ import annotations

import pytest
from test_figures_support import History, drop_lieu_factor_sets

from exchange.figures import service

pytestmark = pytest.mark.stock_sqlite_too  # also on Piccolo's stock SQLite engine (conftest)


@pytest.fixture
async def history(lieu):
    await drop_lieu_factor_sets()
    h = History(lieu)
    a = await h.intake(
        "2025-02-10T10:00:00+01:00", category="plywood", workshop="bois", mass_kg=10, dims=(1000, 500, 18)
    )
    b = await h.intake("2025-02-28T23:30:00+01:00", category="steel", workshop="metal", mass_kg=20)
    c = await h.intake("2025-03-01T00:30:00+01:00", category="softwood", workshop="bois", mass_kg=5)
    a1, a2 = await h.split(
        a,
        "2025-03-05T10:00:00+01:00",
        [
            {"length_mm": 600, "width_mm": 500, "thickness_mm": 18, "mass_kg": 6},
            {"length_mm": 300, "width_mm": 500, "thickness_mm": 18, "mass_kg": 3},
        ],
    )
    await h.act("move", a1, "2025-03-10T09:00:00+01:00", workshop="metal")
    d = await h.intake("2025-03-15T10:00:00+01:00", category="hardwood", workshop="bois", mass_kg=8)
    await h.act("adjust", d, "2025-03-16T10:00:00+01:00", category="softwood", note="c'est du sapin")
    await h.act("use", a1, "2025-03-20T15:00:00+01:00", project="Étagère")
    await h.act("recycle", b, "2025-03-30T03:30:00+02:00", channel="ferrailleur")
    await h.act("adjust", c, "2025-03-31T23:30:00+02:00", mass_kg=4.5, note="pesé")
    await h.act("discard", a2, "2025-03-31T23:30:00+02:00")
    await h.intake("2025-04-01T00:30:00+02:00", category="glass", workshop="metal", mass_kg=2)
    return h


def figures(f) -> dict:
    """The figures of a block, without its name."""
    keys = (
        "intake_kg",
        "reused_kg",
        "recycled_kg",
        "discarded_kg",
        "loss_kg",
        "adjusted_kg",
        "moved_in_kg",
        "moved_out_kg",
        "opening_stock_kg",
        "stock_kg",
        "waste_avoided_kg",
        "diverted_kg",
        "reuse_rate",
        "co2e_avoided_kg",
        "items_reused",
    )
    return {k: getattr(f, k) for k in keys}


ZERO = dict(
    intake_kg=0.0,
    reused_kg=0.0,
    recycled_kg=0.0,
    discarded_kg=0.0,
    loss_kg=0.0,
    adjusted_kg=0.0,
    moved_in_kg=0.0,
    moved_out_kg=0.0,
    opening_stock_kg=0.0,
    stock_kg=0.0,
    waste_avoided_kg=0.0,
    diverted_kg=0.0,
    reuse_rate=None,
    co2e_avoided_kg=0.0,
    items_reused=0,
)


async def test_february_holds_the_2330_event_of_its_last_day(history):
    feb = await service.month_figures("2025-02")
    # A 10 + B 20 (B at 23:30 Paris on 28 February, 22:30 UTC) = 30 kg in; nothing leaves.
    assert figures(feb) == {**ZERO, "intake_kg": 30.0, "stock_kg": 30.0}
    assert feb.period_start.isoformat() == "2025-02-01T00:00:00+01:00"
    assert feb.period_end.isoformat() == "2025-03-01T00:00:00+01:00"


async def test_march_for_the_lieu(history):
    march = await service.month_figures("2025-03")
    # March crosses the change to summer time: 1 March 00:00+01:00 to 1 April 00:00+02:00.
    assert march.period_start.isoformat() == "2025-03-01T00:00:00+01:00"
    assert march.period_end.isoformat() == "2025-04-01T00:00:00+02:00"
    assert figures(march) == {
        "opening_stock_kg": 30.0,  # A 10 + B 20 at the end of February
        "intake_kg": 13.0,  # C 5 (00:30 on 1 March) + D 8; E (00:30 on 1 April) is April's
        "adjusted_kg": -0.5,  # C 5 → 4.5; D's change of category moves no mass for the lieu
        "reused_kg": 6.0,  # A1
        "recycled_kg": 20.0,  # B, at 03:30+02:00 on 30 March
        "discarded_kg": 3.0,  # A2 at 23:30 on 31 March (21:30 UTC)
        "loss_kg": 1.0,  # split of A: 10 − 6 − 3
        "moved_in_kg": 6.0,  # A1, bois → metal: a move between workshops, in = out
        "moved_out_kg": 6.0,
        "stock_kg": 12.5,  # C 4.5 + D 8
        "waste_avoided_kg": 6.0,  # = reused
        "diverted_kg": 26.0,  # reused 6 + recycled 20
        "reuse_rate": 0.2069,  # 6 / (6 + 20 + 3) = 0.206896...
        "co2e_avoided_kg": 24.886,  # 6 kg x 0.681 (plywood reuse) + 20 kg x 1.04 (steel recycling) = 4.086 + 20.8
        "items_reused": 1,
    }
    # Balance: 30 + 13 − 0.5 = 42.5 = 6 + 20 + 3 + 1 + 12.5
    assert march.factor_set.version == "exchange-defaults-2026.1"


async def test_march_per_workshop_counts_moves(history):
    march = await service.month_figures("2025-03")
    by_workshop = {w.workshop: figures(w) for w in march.by_workshop}
    # bois: 10 (A) + 13 (C, D) − 0.5 (C) = 22.5 = 3 (A2) + 1 (loss) + 6 (A1 out) + 12.5 (C 4.5 + D 8)
    assert by_workshop["bois"] == {
        **ZERO,
        "opening_stock_kg": 10.0,
        "intake_kg": 13.0,
        "adjusted_kg": -0.5,
        "discarded_kg": 3.0,
        "loss_kg": 1.0,
        "moved_out_kg": 6.0,
        "stock_kg": 12.5,
        "reuse_rate": 0.0,
    }
    # metal: 20 (B) + 6 (A1 in) = 6 (A1 used) + 20 (B recycled); CO2e as for the lieu
    assert by_workshop["metal"] == {
        **ZERO,
        "opening_stock_kg": 20.0,
        "moved_in_kg": 6.0,
        "reused_kg": 6.0,
        "recycled_kg": 20.0,
        "waste_avoided_kg": 6.0,
        "diverted_kg": 26.0,
        "reuse_rate": 0.2308,  # 6 / 26
        "co2e_avoided_kg": 24.886,
        "items_reused": 1,
    }
    only_metal = await service.month_figures("2025-03", workshop="metal")
    assert figures(only_metal) == by_workshop["metal"]
    assert [w.workshop for w in only_metal.by_workshop] == ["metal"]


async def test_march_per_category(history):
    march = await service.month_figures("2025-03")
    by_category = {c.category: figures(c) for c in march.by_category}
    assert set(by_category) == {"plywood", "steel", "softwood", "hardwood"}
    # plywood: 10 at opening = 6 used + 3 discarded + 1 lost; its move is in = out
    assert by_category["plywood"] == {
        **ZERO,
        "opening_stock_kg": 10.0,
        "reused_kg": 6.0,
        "discarded_kg": 3.0,
        "loss_kg": 1.0,
        "moved_in_kg": 6.0,
        "moved_out_kg": 6.0,
        "waste_avoided_kg": 6.0,
        "diverted_kg": 6.0,
        "reuse_rate": 0.6667,
        "co2e_avoided_kg": 4.086,
        "items_reused": 1,
    }
    # hardwood: D in (8), then re-categorised: adjusted −8, nothing left
    assert by_category["hardwood"] == {**ZERO, "intake_kg": 8.0, "adjusted_kg": -8.0}
    # softwood: C 5 in, C −0.5, D +8 from hardwood: closing 12.5
    assert by_category["softwood"] == {**ZERO, "intake_kg": 5.0, "adjusted_kg": 7.5, "stock_kg": 12.5}
    assert by_category["steel"] == {
        **ZERO,
        "opening_stock_kg": 20.0,
        "recycled_kg": 20.0,
        "diverted_kg": 20.0,
        "reuse_rate": 0.0,
        "co2e_avoided_kg": 20.8,
    }
    softwood = await service.month_figures("2025-03", category="softwood")
    assert figures(softwood) == by_category["softwood"]
    assert [(w.workshop, w.stock_kg) for w in softwood.by_workshop] == [("bois", 12.5), ("metal", 0.0)]
    # 6 kg of plywood = 6000 / 33890.868 g (2440 x 1220 x 18 mm x 632.5 kg/m3) = 0.177 sheet → 0.1
    (sheets,) = march.equivalences
    assert (sheets.category, sheets.count, sheets.unit_mass_kg) == ("plywood", 0.1, 33.890868)


async def test_april_starts_after_midnight_paris(history):
    april = await service.month_figures("2025-04")
    # E at 00:30+02:00 on 1 April (22:30 UTC on 31 March) is April's; opening = March's closing
    assert figures(april) == {**ZERO, "opening_stock_kg": 12.5, "intake_kg": 2.0, "stock_kg": 14.5}


async def test_stock_is_as_of_the_month_end_not_today(history, lieu):
    # Today everything is as after April; January saw nothing and February ends with 30 kg.
    assert (await service.month_figures("2025-01")).stock_kg == 0.0
    assert (await service.month_figures("2025-02")).stock_kg == 30.0
    assert (await service.month_figures("2026-01")).opening_stock_kg == 14.5


async def test_october_crossing_the_end_of_summer_time(lieu):
    h = History(lieu)
    # October 2025 runs from 1 October 00:00+02:00 (30 Sept 22:00 UTC) to 1 November 00:00+01:00
    # (31 October 23:00 UTC): 31 days and one hour, since 26 October 03:00 became 02:00.
    first = await h.intake("2025-10-01T00:30:00+02:00", category="steel", workshop="metal", mass_kg=1)
    await h.intake("2025-09-30T23:30:00+02:00", category="steel", workshop="metal", mass_kg=2)  # September
    await h.intake("2025-10-26T02:30:00+01:00", category="steel", workshop="metal", mass_kg=4)  # after the change
    await h.intake("2025-10-31T23:30:00+01:00", category="steel", workshop="metal", mass_kg=8)  # 22:30 UTC: October
    await h.intake("2025-11-01T00:30:00+01:00", category="steel", workshop="metal", mass_kg=16)  # 23:30 UTC: November
    await h.act("use", first, "2025-10-31T23:59:59+01:00")
    october = await service.month_figures("2025-10")
    assert october.period_end.isoformat() == "2025-11-01T00:00:00+01:00"
    # opening 2 (September); intake 1 + 4 + 8 = 13; reused 1; closing 2 + 13 − 1 = 14
    assert (october.opening_stock_kg, october.intake_kg, october.reused_kg, october.stock_kg) == (2.0, 13.0, 1.0, 14.0)
    # 1 kg steel reused x 1.55 = 1.55 kg CO2e
    assert october.co2e_avoided_kg == 1.55
    november = await service.month_figures("2025-11")
    assert (november.opening_stock_kg, november.intake_kg, november.stock_kg) == (14.0, 16.0, 30.0)


async def test_unknown_scope_and_bad_month_are_422(history):
    from exchange.ledger.rules import Invalid

    for call, field in (
        (service.month_figures("2025-13"), "month"),
        (service.month_figures("March"), "month"),
        (service.month_figures("2025-03", workshop="nowhere"), "workshop"),
        (service.month_figures("2025-03", category="unobtainium"), "category"),
        (service.month_figures("2025-03", factor_set="no-such-set"), "factor_set"),
    ):
        with pytest.raises(Invalid) as caught:
            await call
        assert caught.value.field == field


async def test_terminal_text(history):
    from exchange.figures.text import format_figures

    text = format_figures(await service.month_figures("2025-03"))
    assert text.startswith(
        "Figures for 2025-03 (the whole lieu), 2025-03-01T00:00:00+01:00 to 2025-04-01T00:00:00+02:00"
    )
    assert "reused (waste avoided)          6.000 kg" in text
    assert "CO2e avoided                   24.886 kg CO2e (factor set exchange-defaults-2026.1)" in text
    lines = text.splitlines()
    bois = next(line for line in lines if line.startswith("bois "))
    # opening 10, intake 13, in 0, out 6, reused 0, recycled 0, discarded 3, loss 1, adjusted -0.5, closing 12.5
    assert bois.split()[1:] == [
        "10.000",
        "13.000",
        "0.000",
        "6.000",
        "0.000",
        "0.000",
        "3.000",
        "1.000",
        "-0.500",
        "12.500",
        "0.000",
    ]
