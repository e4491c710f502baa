"""Passing a piece to another lieu from its page (issue 15), without a browser, on both engines:
the form is a steward's of the item's lieu and only where the network has another lieu; it
calls the ledger's transfer, says refusals on the item's page in the reader's words, and acts
once per form."""

from __future__ import annotations

import re

from network_support import LYON, other_lieu
from test_web_pages import idem_of, log_in, plank, text_of

from exchange.tables import Event, Item

TRANSFER_FORM = "Transférer vers un autre lieu"


def _options(html: str, select_id: str) -> list[str]:
    select = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [value for value in re.findall(r'<option value="([^"]*)"', select) if value]


async def test_a_single_lieu_offers_no_transfer(client, lieu):
    item = await plank(client, lieu)
    await log_in(client, "steward")
    page = await client.get(f"/i/{item['code']}")
    assert page.status_code == 200 and "Déplacer" in page.text
    assert TRANSFER_FORM not in page.text and "/transfer" not in page.text
    assert _options(page.text, "move-workshop") == ["metal"]  # the lieu's other workshop


async def test_a_steward_transfers_a_piece_to_another_lieu_from_its_page(client, lieu):
    await other_lieu(LYON, "lyon-bois")
    item = await plank(client, lieu)
    code = item["code"]
    # a member of the item's lieu sees no transfer, and the route is a steward's
    token = await log_in(client, "member")
    assert TRANSFER_FORM not in (await client.get(f"/i/{code}")).text
    refused = await client.post(f"/i/{code}/transfer", data={"_csrf_token": token, "workshop": "lyon-bois"})
    assert refused.status_code == 403
    client.cookies.clear()

    token = await log_in(client, "steward")
    page = await client.get(f"/i/{code}")
    assert TRANSFER_FORM in page.text and 'action="/i/' + code + '/transfer"' in page.text
    assert '<optgroup label="Fablab de Lyon">' in page.text
    assert _options(page.text, "transfer-workshop") == ["lyon-bois"]
    assert _options(page.text, "move-workshop") == ["metal"]  # a move stays within the lieu
    # without the form's token: refused, nothing written
    no_csrf = await client.post(f"/i/{code}/transfer", data={"workshop": "lyon-bois"})
    assert no_csrf.status_code == 403 and await Event.count().where(Event.kind == "transfer") == 0
    # a workshop of its own lieu, or none: said on the item's page, in French
    same = await client.post(f"/i/{code}/transfer", data={"_csrf_token": token, "workshop": "metal", "_idem": "t-0"})
    assert same.status_code == 303 and same.headers["location"] == f"/i/{code}"
    words = text_of((await client.get(same.headers["location"])).text)
    assert "Atelier métal est dans le lieu de la pièce : déplacez-la plutôt." in words
    empty = await client.post(f"/i/{code}/transfer", data={"_csrf_token": token, "workshop": ""})
    assert empty.status_code == 303
    assert "Vérifiez le formulaire" in text_of((await client.get(f"/i/{code}")).text)
    assert await Event.count().where(Event.kind == "transfer") == 0

    page = await client.get(f"/i/{code}")
    form = {"_csrf_token": token, "_idem": idem_of(page.text, "transfer"), "workshop": "lyon-bois", "note": "pour Lyon"}
    done = await client.post(f"/i/{code}/transfer", data=form)
    assert done.status_code == 303 and done.headers["location"] == f"/i/{code}"
    after = await client.get(f"/i/{code}")
    words = text_of(after.text)
    assert "Transférée vers Lyon-Bois (Fablab de Lyon) : elle garde son code et son étiquette." in words
    again = await client.post(f"/i/{code}/transfer", data=form)  # a double tap acts once
    assert again.status_code == 303
    assert await Event.count().where(Event.kind == "transfer") == 1
    row = await Item.select(Item.workshop.slug.as_alias("workshop")).where(Item.code == code).first()
    assert row["workshop"] == "lyon-bois"
    # now Lyon's piece: our steward is a member there, with neither move nor transfer
    assert TRANSFER_FORM not in after.text and 'id="move-workshop"' not in after.text


async def test_a_steward_of_another_lieu_may_not_transfer_ours(client, lieu):
    lyon = await other_lieu(LYON, "lyon-bois")
    item = await plank(client, lieu)
    page = await client.get("/login")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    client.cookies.set("exchange_session", lyon.tokens["steward"])
    assert TRANSFER_FORM not in (await client.get(f"/i/{item['code']}")).text
    answer = await client.post(f"/i/{item['code']}/transfer", data={"_csrf_token": token, "workshop": "lyon-bois"})
    assert answer.status_code == 303  # let past the table (a steward somewhere), refused by the ledger
    assert "Il faut être" in text_of((await client.get(f"/i/{item['code']}")).text)
    assert await Event.count().where(Event.kind == "transfer") == 0
