"""Random histories of two lieux, on both engines: a lieu in Paris time (the first, workshops
bois and metal) and one in La Réunion (UTC+4 all year), pieces passed between them. Each lieu's
month, in its own time zone, equals a model computed here from the history alone (intake, use,
recycling, discard, transfers in and out, opening and closing stock), and the network's month
is their sum with the transfers cancelling. Events at 23:30 Paris on a month's last day are
already next month in La Réunion, so a transfer there falls in different months on its two
sides. The pure arithmetic of the same (three lieux, no database) is test_figures_network.py;
one such history by hand, through the API, is test_figures_lieux.py."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from conftest import reset_ledger
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from network_support import REUNION, other_lieu
from test_figures_support import PARIS, History, g, last_day_2330

from exchange.auth.service import actor_of_member
from exchange.figures import service, stock
from exchange.figures.arithmetic import Month, month_of
from exchange.figures.scope import lieu_scope
from exchange.ledger.rules import LedgerError

HOME, AWAY = "home", REUNION.slug  # the first lieu (Paris time) and La Réunion
ZONES = {HOME: PARIS, AWAY: ZoneInfo(REUNION.time_zone)}
WORKSHOPS = {"bois": HOME, "metal": HOME, "run-bois": AWAY}
START = datetime(2025, 3, 27, 12, 0, tzinfo=UTC)  # Paris changes to summer time on the 30th
OPS = ("intake", "intake", "transfer", "transfer", "move", "use", "recycle", "discard", "month_end", "keep")
FLOWS = ("intake", "reused", "recycled", "discarded", "transferred_in", "transferred_out")

op = st.tuples(
    st.sampled_from(OPS),
    st.integers(0, 1_000),  # which item, which workshop
    st.integers(1, 60_000),  # a mass in grams
    st.integers(1, 6 * 24 * 60),  # minutes since the previous event
)


@dataclass
class Piece:
    lieu: str
    workshop: str
    grams: int


@dataclass
class Model:
    """What the figures must say, from the history alone."""

    flows: dict = None  # (lieu, month, flow) -> grams
    stock_at: list = None  # (instant, {lieu: grams}) after each event

    def __post_init__(self):
        self.flows = defaultdict(int)
        self.stock_at = []

    def record(self, when: datetime, pieces: dict[str, Piece], **by_lieu_flow: tuple[str, int]) -> None:
        for flow, (lieu, grams) in by_lieu_flow.items():
            self.flows[(lieu, str(month_of(when, ZONES[lieu])), flow)] += grams
        held = defaultdict(int)
        for piece in pieces.values():
            held[piece.lieu] += piece.grams
        self.stock_at.append((when, dict(held)))

    def stock(self, lieu: str, before: datetime) -> int:
        """The lieu's stock at the instant `before` (the last event strictly earlier)."""
        held = 0
        for when, by_lieu in self.stock_at:
            if when >= before:
                break
            held = by_lieu.get(lieu, 0)
        return held


async def play(lieu, ops) -> tuple[Model, datetime]:
    away = await other_lieu(REUNION, "run-bois", roles=("steward",))
    stewards = {HOME: History(lieu), AWAY: History(lieu, actor=await actor_of_member(away.ids["steward"]))}
    model = Model()
    pieces: dict[str, Piece] = {}
    now = START
    for kind, pick, grams, minutes in ops:
        now += timedelta(minutes=minutes)
        if kind == "month_end":  # in Paris's month, already next month in La Réunion
            now = max(now, last_day_2330(now))
            kind = "intake"
        if kind == "keep":  # the server's keeper passing by
            await stock.keep_stock_ahead(chunk=1 + pick % 5)
            continue
        codes = list(pieces)
        try:
            if kind == "intake" or not codes:
                workshop = list(WORKSHOPS)[pick % 3]
                home = WORKSHOPS[workshop]
                code = await stewards[home].intake(now, category="steel", workshop=workshop, mass_kg=grams / 1000)
                pieces[code] = Piece(home, workshop, grams)
                model.record(now, pieces, intake=(home, grams))
                continue
            code = codes[pick % len(codes)]
            piece = pieces[code]
            steward = stewards[piece.lieu]
            if kind == "transfer":
                to = "run-bois" if piece.lieu == HOME else ("bois", "metal")[grams % 2]
                await steward.act("transfer", code, now, workshop=to)
                model.record(
                    now,
                    {**pieces, code: Piece(WORKSHOPS[to], to, piece.grams)},
                    transferred_out=(piece.lieu, piece.grams),
                    transferred_in=(WORKSHOPS[to], piece.grams),
                )
                pieces[code] = Piece(WORKSHOPS[to], to, piece.grams)
            elif kind == "move":
                if piece.lieu != HOME:
                    continue  # La Réunion has one workshop
                to = "metal" if piece.workshop == "bois" else "bois"
                await steward.act("move", code, now, workshop=to)
                piece.workshop = to
                model.record(now, pieces)
            else:
                await steward.act(kind, code, now)
                del pieces[code]
                flow = {"use": "reused", "recycle": "recycled", "discard": "discarded"}[kind]
                model.record(now, pieces, **{flow: (piece.lieu, piece.grams)})
        except LedgerError:
            continue  # a refused action writes nothing (none is expected here)
    return model, now


def months(first: datetime, last: datetime) -> list[Month]:
    """Every month either lieu's history touches (La Réunion's last month is the latest)."""
    month, end, found = month_of(first, PARIS), month_of(last, ZONES[AWAY]), []
    while month <= end:
        found.append(month)
        month = month.next()
    return found


def expected(model: Model, lieu: str, month: Month) -> dict[str, int]:
    tz = ZONES[lieu]
    start = datetime(month.year, month.month, 1, tzinfo=tz)
    nxt = month.next()
    end = datetime(nxt.year, nxt.month, 1, tzinfo=tz)
    sums = {flow: model.flows[(lieu, str(month), flow)] for flow in FLOWS}
    sums["opening_stock"] = model.stock(lieu, start)
    sums["stock"] = model.stock(lieu, end)
    return sums


def grams_of(figures) -> dict[str, int]:
    return {name: g(getattr(figures, f"{name}_kg")) for name in (*FLOWS, "opening_stock", "stock")}


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(op, min_size=3, max_size=24))
async def test_two_lieux_in_two_time_zones_add_up(lieu, ops):
    await reset_ledger(lieu)
    model, last = await play(lieu, ops)
    home = (await lieu_scope()).slug
    seen = []
    for month in months(START, last):
        ours = {HOME: await service.month_figures(str(month), lieu=await lieu_scope(home))}
        ours[AWAY] = await service.month_figures(str(month), lieu=await lieu_scope(AWAY))
        network = await service.network_figures(str(month))
        for name, figures in ours.items():
            assert grams_of(figures) == expected(model, name, month), (str(month), name)
            assert figures.timezone == str(ZONES[name])
        by_lieu = {f.lieu: grams_of(f) for f in network.by_lieu}
        assert by_lieu == {home: grams_of(ours[HOME]), AWAY: grams_of(ours[AWAY])}, str(month)
        # the network: the lieux' sum, with what went out and came in within it cancelling
        summed = {name: sum(grams_of(f)[name] for f in ours.values()) for name in grams_of(network)}
        within = min(summed["transferred_in"], summed["transferred_out"])
        summed["transferred_in"] -= within
        summed["transferred_out"] -= within
        assert grams_of(network) == summed, str(month)
        n = grams_of(network)
        assert (
            n["opening_stock"] + n["intake"] + n["transferred_in"]
            == n["reused"] + n["recycled"] + n["discarded"] + n["transferred_out"] + n["stock"]
        ), f"the network's balance in {month}"
        seen.append((grams_of(ours[HOME]), grams_of(ours[AWAY]), grams_of(network)))
    await stock.keep_stock_ahead()  # every month kept, per lieu: the same figures
    again = []
    for month in months(START, last):
        again.append(
            (
                grams_of(await service.month_figures(str(month), lieu=await lieu_scope(home))),
                grams_of(await service.month_figures(str(month), lieu=await lieu_scope(AWAY))),
                grams_of(await service.network_figures(str(month))),
            )
        )
    assert again == seen
