"""Helpers for the figures tests: write a history through the ledger service (a steward may
backdate; each item's events stay in chronological order). No tests in this module."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from exchange.auth.service import Actor
from exchange.figures.arithmetic import month_of
from exchange.items import actions, intake
from exchange.items import schemas as items
from exchange.items.idempotency import run_action
from exchange.tables import Factor, FactorSet

SHIPPED = "exchange-defaults-2026.1"
PARIS = ZoneInfo("Europe/Paris")


def g(kg: float) -> int:
    return round(kg * 1000)


def last_day_2330(now: datetime, tz: ZoneInfo = PARIS) -> datetime:
    """23:30 in `tz` on the last day of the month `now` is in there (already the next month
    for a lieu further east: 01:30 or 02:30 in La Réunion)."""
    month = month_of(now, tz).next()
    first = datetime(month.year, month.month, 1, tzinfo=tz)
    return (first - timedelta(minutes=30)).astimezone(UTC)


async def drop_lieu_factor_sets() -> None:
    """Back to the shipped factor set alone (the ledger reset between tests keeps factor sets,
    and a lieu's overrides would otherwise become the current set of the next tests)."""
    shipped = await FactorSet.select(FactorSet.id).where(FactorSet.version == SHIPPED).first()
    extra = [r["id"] for r in await FactorSet.select(FactorSet.id).where(FactorSet.id > shipped["id"])]
    if extra:
        await Factor.delete().where(Factor.factor_set.is_in(extra))
        await FactorSet.delete().where(FactorSet.id.is_in(extra))


def at(text: str) -> datetime:
    """An ISO 8601 time with its offset, e.g. "2025-03-31T23:30:00+02:00"."""
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None
    return value


class History:
    """Acts as the lieu's steward (or `actor`, e.g. another lieu's) through the items area's actions."""

    def __init__(self, lieu, role: str = "steward", actor: Actor | None = None) -> None:
        self.actor = actor or lieu.members[role]

    async def _run(self, work, status: int = 200) -> dict:
        answer = await run_action(self.actor, None, status, work)
        return json.loads(answer.body)

    async def intake(self, when, *, category="plywood", workshop="bois", mass_kg=None, dims=None, title="Chute"):
        length, width, thickness = dims or (None, None, None)
        body = items.ItemCreate(
            category=category,
            title=title,
            workshop=workshop,
            length_mm=length,
            width_mm=width,
            thickness_mm=thickness,
            mass_kg=mass_kg,
            occurred_at=when if isinstance(when, datetime) else at(when),
        )
        return (await self._run(lambda: intake.intake(self.actor, body), 201))["code"]

    async def act(self, kind: str, code: str, when, **fields) -> dict:
        when = when if isinstance(when, datetime) else at(when)
        schema = {
            "move": items.MoveIn,
            "use": items.UseIn,
            "recycle": items.RecycleIn,
            "discard": items.DiscardIn,
            "adjust": items.AdjustIn,
            "transfer": items.TransferIn,
        }[kind]
        body = schema(occurred_at=when, **fields)
        function = getattr(actions, kind)
        return await self._run(lambda: function(self.actor, code, body))

    async def split(self, code: str, when, pieces: list[dict]) -> list[str]:
        when = when if isinstance(when, datetime) else at(when)
        body = items.SplitIn(occurred_at=when, pieces=[items.PieceIn(**p) for p in pieces])
        out = await self._run(lambda: actions.split(self.actor, code, body), 201)
        return [p["code"] for p in out["pieces"]]
