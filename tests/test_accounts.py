"""Passwords change (API, page, coordinator, and a closed account's password stays gone), other
sessions end, and nobody is locked out by someone else's guesses: the throttle per account and
address, seen and lifted by a coordinator, with X-Forwarded-For believed from trusted proxies
only. On both engines."""

from __future__ import annotations

import httpx
from conftest import auth
from test_web_pages import csrf_of, log_in, text_of

from exchange.auth import throttle
from exchange.auth.service import Actor, add_member, issue_token
from exchange.ledger.rules import Role
from exchange.tables import AuthToken

OLD, NEW = "old password 1", "new password 22"


async def newcomer(email: str) -> tuple[Actor, list[str]]:
    """A member with password OLD and two open sessions."""
    member_id = await add_member(email, "Newcomer", Role.member, OLD)
    actor = Actor(id=member_id, name="Newcomer", email=email, role=Role.member)
    return actor, [await issue_token(actor), await issue_token(actor)]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def logs_in(client, email: str, password: str, **headers: str) -> int:
    answer = await client.post("/api/v1/session", json={"email": email, "password": password}, headers=headers)
    return answer.status_code


async def test_a_member_changes_their_password_and_their_other_sessions_end(client, lieu):
    actor, (used, other) = await newcomer("pw-api@lieu.example")
    url = "/api/v1/account/password"
    wrong = await client.post(url, json={"current_password": "nope", "new_password": NEW}, headers=bearer(used))
    assert wrong.status_code == 422 and "current password" in wrong.json()["detail"]
    short = await client.post(url, json={"current_password": OLD, "new_password": "nine char"}, headers=bearer(used))
    assert short.status_code == 422 and "at least 10" in short.json()["detail"]
    assert await AuthToken.count().where(AuthToken.member == actor.id) == 2  # nothing changed yet
    changed = await client.post(url, json={"current_password": OLD, "new_password": NEW}, headers=bearer(used))
    assert changed.status_code == 204
    assert (await client.get("/api/v1/figures", headers=bearer(used))).status_code != 401  # this one stays
    assert (await client.get("/api/v1/figures", headers=bearer(other))).status_code == 401  # the other ended
    assert await logs_in(client, actor.email, OLD) == 401
    assert await logs_in(client, actor.email, NEW) == 200
    assert (await client.post(url, json={"current_password": NEW, "new_password": OLD})).status_code == 401


async def test_the_password_page_is_linked_from_the_header(client, lieu):
    actor, (other, _) = await newcomer("pw-page@lieu.example")
    page = await client.get("/login")
    await client.post("/login", data={"email": actor.email, "password": OLD, "_csrf_token": csrf_of(page.text)})
    home = await client.get("/")
    assert 'href="/account/password"' in home.text
    form = await client.get("/account/password")
    csrf = csrf_of(form.text)
    fields = {"_csrf_token": csrf, "current_password": OLD, "new_password": NEW}
    differ = await client.post("/account/password", data={**fields, "new_password_again": NEW + "x"})
    assert differ.status_code == 422 and "diffèrent" in text_of(differ.text)
    done = await client.post("/account/password", data={**fields, "new_password_again": NEW})
    assert done.status_code == 303
    assert "Mot de passe changé" in text_of((await client.get("/")).text)
    assert (await client.get("/account/password")).status_code == 200  # still logged in here
    assert (await client.get("/api/v1/figures", headers=bearer(other))).status_code == 401


async def test_a_coordinator_resets_a_password_and_a_closed_account_reopens_without_its_old_one(client, lieu):
    actor, tokens = await newcomer("pw-reset@lieu.example")
    reset = await client.post(
        f"/api/v1/members/{actor.id}/password", json={"new_password": NEW}, headers=auth(lieu, "coordinator")
    )
    assert reset.status_code == 204
    assert await AuthToken.count().where(AuthToken.member == actor.id) == 0
    refused = await client.post(
        f"/api/v1/members/{actor.id}/password", json={"new_password": OLD}, headers=bearer(tokens[0])
    )
    assert refused.status_code == 401
    assert await logs_in(client, actor.email, NEW) == 200
    # Closed, then opened again from the members page: the password it had does not come back.
    csrf = await log_in(client, "coordinator")
    closed = await client.post(f"/admin/members/{actor.id}", data={"role": "member", "_csrf_token": csrf})
    reopened = await client.post(
        f"/admin/members/{actor.id}", data={"role": "member", "active": "on", "_csrf_token": csrf}
    )
    assert closed.status_code == reopened.status_code == 303
    assert await logs_in(client, actor.email, NEW) == 401
    set_again = await client.post(
        f"/admin/members/{actor.id}/password", data={"new_password": "third password", "_csrf_token": csrf}
    )
    assert set_again.status_code == 303
    assert await logs_in(client, actor.email, "third password") == 200


async def test_someone_elses_guesses_do_not_lock_the_member_out(client, lieu):
    actor, _ = await newcomer("pw-guessed@lieu.example")
    guesser = {"X-Forwarded-For": "198.51.100.7"}  # through the proxy on 127.0.0.1, which is trusted
    for _ in range(throttle.PER_ACCOUNT):
        assert await logs_in(client, actor.email, "guess", **guesser) == 401
    assert await logs_in(client, actor.email, OLD, **guesser) == 429  # that address waits
    assert await logs_in(client, actor.email, OLD, **{"X-Forwarded-For": "192.0.2.10"}) == 200  # the member does not

    # The coordinator sees the throttle, on the API and the members page, and lifts it.
    seen = await client.get("/api/v1/login-throttles", headers=auth(lieu, "coordinator"))
    assert [(t["email"], t["address"]) for t in seen.json()] == [(actor.email, "198.51.100.7")]
    assert (await client.get("/api/v1/login-throttles", headers=auth(lieu, "steward"))).status_code == 403
    csrf = await log_in(client, "coordinator")
    page = await client.get("/admin/members")
    assert actor.email in page.text and "198.51.100.7" in page.text
    lifted = await client.post(
        "/admin/throttles/lift", data={"email": actor.email, "address": "198.51.100.7", "_csrf_token": csrf}
    )
    assert lifted.status_code == 303
    assert (await client.get("/api/v1/login-throttles", headers=auth(lieu, "coordinator"))).json() == []
    assert await logs_in(client, actor.email, OLD, **guesser) == 200


async def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(lieu):
    from exchange.app import create_app

    actor, _ = await newcomer("pw-proxy@lieu.example")
    transport = httpx.ASGITransport(app=create_app(lieu.engine), client=("203.0.113.5", 4000))
    async with httpx.AsyncClient(transport=transport, base_url="https://lieu.example") as stranger:
        # Each guess claims another address: from an untrusted peer the claim is ignored.
        for n in range(throttle.PER_ACCOUNT):
            assert await logs_in(stranger, actor.email, "guess", **{"X-Forwarded-For": f"10.9.0.{n}"}) == 401
        assert await logs_in(stranger, actor.email, OLD, **{"X-Forwarded-For": "10.9.0.99"}) == 429
    seen = await throttle.throttled()
    assert [(t.email, t.address) for t in seen] == [(actor.email, "203.0.113.5")]
    assert await throttle.lift(actor.email) == 1


async def test_housekeeping_forgets_expired_sessions_only(lieu):
    from datetime import UTC, datetime, timedelta

    from exchange.auth.service import forget_expired_tokens

    actor, _ = await newcomer("pw-expiring@lieu.example")
    await AuthToken.update({AuthToken.expires_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
        AuthToken.member == actor.id
    )
    await issue_token(actor)
    await forget_expired_tokens()
    assert await AuthToken.count().where(AuthToken.member == actor.id) == 1
    assert await AuthToken.count().where(AuthToken.expires_at <= datetime.now(UTC)) == 0
