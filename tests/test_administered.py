"""A lieu's coordinator administers their own lieu only (exchange.auth.administered), on both
engines: the members page, a password reset, closing an account and the login throttles; the
network coordinator administers everyone, and on a single lieu nothing changes."""

from __future__ import annotations

import itertools

from conftest import PASSWORD, auth
from network_support import LYON, other_lieu
from test_web_pages import csrf_of

from exchange.auth import throttle
from exchange.auth.service import add_member
from exchange.ledger.rules import Role
from exchange.lieu.lieux import first_lieu_id, join_lieu, lieu_id

_serial = itertools.count()


async def _newcomer(slug: str, *also: int) -> tuple[int, str]:
    """A new member of the lieu `slug` (and of the lieux `also`): made for the test, since
    members outlive it and this one's password changes or their account closes."""
    email = f"admin-test-{next(_serial)}-{slug}@lieu.example"
    member = await add_member(email, "Newcomer", Role.member, PASSWORD, lieu=await lieu_id(slug))
    for other in also:
        await join_lieu(member, other, Role.member)
    return member, email


async def _page_login(client, email: str) -> str:
    """Log in through the form as `email`; the CSRF token for the next forms."""
    form = await client.get("/login")
    answer = await client.post("/login", data={"email": email, "password": PASSWORD, "_csrf_token": csrf_of(form.text)})
    assert answer.status_code == 303, answer.text
    return csrf_of(form.text)


async def _throttle(email: str, address: str) -> None:
    for _ in range(throttle.PER_ACCOUNT + 1):
        await throttle.attempt(email, address)


async def _throttled(client, headers) -> set[tuple[str | None, str]]:
    answer = await client.get("/api/v1/login-throttles", headers=headers)
    assert answer.status_code == 200, answer.text
    return {(row["email"], row["address"]) for row in answer.json()}


async def test_a_single_lieu_coordinator_still_sees_and_lifts_everything(client, lieu):
    await _throttle("member@lieu.example", "10.1.0.1")
    await _throttle("nobody@elsewhere.example", "10.1.0.2")
    coordinator = auth(lieu, "coordinator")
    seen = await _throttled(client, coordinator)
    assert {("member@lieu.example", "10.1.0.1"), ("nobody@elsewhere.example", "10.1.0.2")} <= seen
    lifted = await client.post("/api/v1/login-throttles/lift", json={"address": "10.1.0.2"}, headers=coordinator)
    assert lifted.status_code == 200 and lifted.json()["lifted"] == 1
    await _page_login(client, "coordinator@lieu.example")
    page = await client.get("/admin/members")
    assert page.status_code == 200 and "member@lieu.example" in page.text


async def test_a_lieu_coordinator_reads_and_acts_on_their_own_lieu_only(client, lieu):
    lyon = await other_lieu(LYON, "bois-lyon")
    await _throttle("member@lieu.example", "10.2.0.1")  # of the first lieu
    await _throttle("member@fablab-lyon.example", "10.2.0.2")  # of Lyon
    await _throttle("nobody@elsewhere.example", "10.2.0.3")  # nobody's
    here, there = auth(lieu, "coordinator"), lyon.auth("coordinator")

    assert await _throttled(client, here) >= {("member@lieu.example", "10.2.0.1")}
    assert not {email for email, _ in await _throttled(client, here)} & {
        "member@fablab-lyon.example",
        "nobody@elsewhere.example",
    }
    assert {email for email, _ in await _throttled(client, there)} == {"member@fablab-lyon.example"}
    everyone = {email for email, _ in await _throttled(client, auth(lieu, "network"))}
    assert {"member@lieu.example", "member@fablab-lyon.example", "nobody@elsewhere.example"} <= everyone

    # Lifting: one's own lieu's account, not another's, not a whole address.
    refused = await client.post(
        "/api/v1/login-throttles/lift", json={"email": "member@fablab-lyon.example"}, headers=here
    )
    assert refused.status_code == 403, refused.text
    refused = await client.post("/api/v1/login-throttles/lift", json={"address": "10.2.0.3"}, headers=there)
    assert refused.status_code == 403
    assert ("member@fablab-lyon.example", "10.2.0.2") in await _throttled(client, auth(lieu, "network"))
    lifted = await client.post(
        "/api/v1/login-throttles/lift", json={"email": "member@fablab-lyon.example"}, headers=there
    )
    assert lifted.status_code == 200 and lifted.json()["lifted"] == 1

    # A password reset: one's own lieu's member only.
    newcomer, email = await _newcomer(LYON.slug)
    reset = {"new_password": "another long password 42"}
    refused = await client.post(f"/api/v1/members/{newcomer}/password", json=reset, headers=here)
    assert refused.status_code == 403
    done = await client.post(f"/api/v1/members/{newcomer}/password", json=reset, headers=there)
    assert done.status_code == 204, done.text
    again = await client.post("/api/v1/session", json={"email": email, "password": reset["new_password"]})
    assert again.status_code == 200

    # The members page lists one's own lieu's members.
    await _page_login(client, "coordinator@fablab-lyon.example")
    page = await client.get("/admin/members")
    assert page.status_code == 200
    assert "member@fablab-lyon.example" in page.text and "member@lieu.example" not in page.text


async def test_closing_an_account_of_two_lieux_is_the_network_coordinators(client, lieu):
    await other_lieu(LYON, "bois-lyon")
    both, both_email = await _newcomer(LYON.slug, await first_lieu_id())
    lyon_only, lyon_email = await _newcomer(LYON.slug)
    csrf = await _page_login(client, "coordinator@fablab-lyon.example")
    closing = {"role": "member", "_csrf_token": csrf}  # no "active": closed
    refused = await client.post(f"/admin/members/{both}", data=closing)
    assert refused.status_code == 303
    login = await client.post("/api/v1/session", json={"email": both_email, "password": PASSWORD})
    assert login.status_code == 200, "a member of two lieux stays open"
    closed = await client.post(f"/admin/members/{lyon_only}", data=closing)
    assert closed.status_code == 303
    login = await client.post("/api/v1/session", json={"email": lyon_email, "password": PASSWORD})
    assert login.status_code == 401
