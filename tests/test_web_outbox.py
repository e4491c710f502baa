"""What the outbox (static/js/outbox.js) relies on, without a browser, on both engines: an
action's form sent again with the moment it was taken offline answers in JSON, counts once
per Idempotency-Key whenever it is sent, explains a refusal in the reader's language, and
keeps the time in the ledger; the item's history shows both times when they differ."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import unescape

from conftest import auth
from test_web_pages import csrf_of, idem_of, log_in, plank

from exchange.tables import Event, Item

JSON = {"Accept": "application/json"}


async def _events(code: str, kind: str) -> list[dict]:
    row = await Item.select(Item.id).where(Item.code == code).first()
    return await Event.select().where((Event.item == row["id"]) & (Event.kind == kind))


async def test_a_queued_action_lands_once_with_its_time(client, lieu):
    item = await plank(client, lieu, occurred_at=(datetime.now(UTC) - timedelta(days=2)).isoformat())
    await log_in(client, "member")
    page = (await client.get(f"/i/{item['code']}")).text
    taken = (datetime.now(UTC) - timedelta(hours=3)).replace(microsecond=0)
    form = {
        "_csrf_token": csrf_of(page),
        "_idem": idem_of(page, "use"),
        "project": "Étagère",
        "occurred_at": taken.isoformat(),
    }
    first = await client.post(f"/i/{item['code']}/use", data=form, headers=JSON)
    assert first.status_code == 200, first.text
    assert first.json() == {
        "ok": True,
        "status": 200,
        "detail": first.json()["detail"],
        "location": f"/i/{item['code']}",
    }
    assert "Étagère" in first.json()["detail"]
    # Sent again (the answer was lost on the way), later: the first answer, nothing written.
    again = await client.post(
        f"/i/{item['code']}/use", data={**form, "occurred_at": datetime.now(UTC).isoformat()}, headers=JSON
    )
    assert again.status_code == 200 and again.json()["ok"]
    (use,) = await _events(item["code"], "use")
    assert use["occurred_at"] == taken and use["recorded_at"] - taken >= timedelta(hours=3)
    history = unescape((await client.get(f"/i/{item['code']}")).text)
    assert "enregistré le" in history  # three hours apart: both times shown
    assert history.count("enregistré le") == 2  # the intake was backdated too


async def test_a_refusal_on_arrival_is_explained_and_writes_nothing(client, lieu):
    item = await plank(client, lieu, occurred_at=(datetime.now(UTC) - timedelta(days=2)).isoformat())
    await log_in(client, "member")
    page = (await client.get(f"/i/{item['code']}")).text
    taken = datetime.now(UTC) - timedelta(minutes=20)
    await client.post(f"/api/v1/items/{item['code']}/reserve", headers=auth(lieu, "other"))
    form = {"_csrf_token": csrf_of(page), "_idem": idem_of(page, "reserve"), "occurred_at": taken.isoformat()}
    refused = await client.post(f"/i/{item['code']}/reserve", data=form, headers=JSON)
    assert refused.status_code == 409
    assert refused.json()["ok"] is False
    assert refused.json()["detail"] == "Cette pièce est réservée par quelqu'un d'autre."
    too_old = {**form, "_idem": "another", "occurred_at": (datetime.now(UTC) - timedelta(hours=25)).isoformat()}
    await client.post(f"/api/v1/items/{item['code']}/release", headers=auth(lieu, "other"))
    late = await client.post(f"/i/{item['code']}/reserve", data=too_old, headers=JSON)
    assert late.status_code == 422 and late.json()["ok"] is False
    unreadable = await client.post(f"/i/{item['code']}/reserve", data={**too_old, "occurred_at": "hier"}, headers=JSON)
    assert unreadable.status_code == 422 and "illisible" in unreadable.json()["detail"]
    assert [e["member"] for e in await _events(item["code"], "reserve")] == [lieu.members["other"].id]


async def test_without_json_the_forms_answer_as_before(client, lieu):
    item = await plank(client, lieu, occurred_at=(datetime.now(UTC) - timedelta(days=2)).isoformat())
    await log_in(client, "member")
    page = (await client.get(f"/i/{item['code']}")).text
    answer = await client.post(f"/i/{item['code']}/reserve", data={"_csrf_token": csrf_of(page)})
    assert answer.status_code == 303 and answer.headers["location"] == f"/i/{item['code']}"
