"""Malformed numbers, cursors and nesting answer 4xx (or a page saying what is wrong), never a
500, on pages as on the API; each found answering 500 before. On both engines."""

from __future__ import annotations

import base64
import json

from conftest import auth
from test_web_pages import log_in, plank, text_of

from exchange.tables import Event, Item


async def test_a_superscript_two_in_the_items_filters_is_no_number(client, lieu):
    for query in ("min_length_mm=²", "min_width_mm=²", "thickness_mm=٣", "need_l=²&need_w=1&need_t=1"):
        answer = await client.get(f"/items?{query}")
        assert answer.status_code in (200, 400, 422), (query, answer.status_code)
    api = await client.get("/api/v1/items", params={"min_length_mm": "²"})
    assert api.status_code in (400, 422) and api.headers["content-type"].startswith("application/problem+json")


async def test_a_label_sheet_start_that_is_no_position_says_so(client, lieu):
    item = await plank(client, lieu)
    await log_in(client, "steward")
    for start in ("²", "9" * 5000):
        answer = await client.get("/labels/sheet.pdf", params={"codes": item["code"], "start": start})
        assert answer.status_code == 303, answer.status_code
        shown = text_of((await client.get(answer.headers["location"])).text)
        assert "La position de départ va de 1 à 21" in shown


async def test_the_use_part_form_with_a_superscript_changes_nothing(client, lieu):
    item = await plank(client, lieu, length_mm=2000, width_mm=600)
    token = await log_in(client, "steward")
    form = {"_csrf_token": token, "used_length": "²", "used_width": "600", "rest_length": "1150"}
    answer = await client.post(f"/i/{item['code']}/use-part", data={**form, "rest_width": "600", "thickness": "18"})
    assert answer.status_code in (303, 422), answer.status_code
    assert await Item.count() == 1 and await Event.count() == 1


async def test_a_cursor_with_a_huge_integer_is_refused(client, lieu):
    await plank(client, lieu)
    for values in ([10**30, 1], [2**63, 1], [1, -(2**63) - 1]):
        cursor = base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")
        answer = await client.get("/api/v1/items", params={"cursor": cursor})
        assert answer.status_code in (400, 422) and "cursor" in answer.json()["detail"]
    huge = await client.get("/api/v1/items", params={"cursor": "9" * 190})
    assert huge.status_code in (400, 422)


async def test_deeply_nested_json_is_refused_before_decoding(client, lieu):
    for body in (b"[" * 100_000, b'{"email":' * 50_000 + b"1" + b"}" * 50_000):
        answer = await client.post("/api/v1/session", content=body, headers={"content-type": "application/json"})
        assert answer.status_code == 400 and "nest" in answer.json()["detail"]
    # Brackets inside strings are text, and a body nested as deep as the API's own is taken.
    login = {"email": "member@lieu.example", "password": "[" * 40}
    assert (await client.post("/api/v1/session", json=login)).status_code == 401
    deep = {"pieces": [{"length_mm": 1, "width_mm": 1, "thickness_mm": 1}] * 40}
    split = await client.post("/api/v1/items/AAAA-AAAA/split", json=deep, headers=auth(lieu, "steward"))
    assert split.status_code != 400 or "nest" not in split.text
