"""Login tries counted in the database (exchange.auth.throttle), on both engines: the limits,
the window that ends, the try given back on success, the housekeeping that forgets, and a
coordinator's lift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from exchange.auth import throttle
from exchange.tables import LoginAttempt


async def counts() -> dict[str, int]:
    return {r["key"]: r["count"] for r in await LoginAttempt.select(LoginAttempt.key, LoginAttempt.count)}


async def test_an_account_gets_five_tries_per_window_from_each_address(lieu):
    for _ in range(throttle.PER_ACCOUNT):
        assert await throttle.attempt("a@lieu.example", "10.0.0.1")
    assert not await throttle.attempt("a@lieu.example", "10.0.0.1")
    assert await throttle.attempt("a@lieu.example", "10.0.0.2")  # the member's own address is not locked out
    assert await throttle.attempt("b@lieu.example", "10.0.0.1")  # another account still may
    # the window ends: the count starts again at one
    await LoginAttempt.update({LoginAttempt.window_ends: datetime.now(UTC) - timedelta(seconds=1)}).where(
        LoginAttempt.key == "pair:10.0.0.1|a@lieu.example"
    )
    assert await throttle.attempt("a@lieu.example", "10.0.0.1")
    assert (await counts())["pair:10.0.0.1|a@lieu.example"] == 1


async def test_an_address_gets_thirty_tries_and_success_gives_its_try_back(lieu):
    for n in range(throttle.PER_ADDRESS - 1):
        assert await throttle.attempt(f"m{n}@lieu.example", "10.0.0.9")
    assert await throttle.attempt("right@lieu.example", "10.0.0.9")
    await throttle.succeeded("right@lieu.example", "10.0.0.9")
    assert "pair:10.0.0.9|right@lieu.example" not in await counts()
    assert (await counts())["address:10.0.0.9"] == throttle.PER_ADDRESS - 1
    assert await throttle.attempt("last@lieu.example", "10.0.0.9")  # the thirtieth
    assert not await throttle.attempt("one-more@lieu.example", "10.0.0.9")


async def test_housekeeping_forgets_ended_windows_only(lieu):
    await throttle.attempt("old@lieu.example", "10.0.0.3")
    await throttle.attempt("new@lieu.example", "10.0.0.4")
    await throttle.forget_past(datetime.now(UTC) + throttle.WINDOW - timedelta(minutes=1))
    assert len(await counts()) == 4
    await LoginAttempt.update({LoginAttempt.window_ends: datetime.now(UTC) - timedelta(seconds=1)}).where(
        LoginAttempt.key.is_in(["pair:10.0.0.3|old@lieu.example", "address:10.0.0.3"])
    )
    await throttle.forget_past()
    assert set(await counts()) == {"pair:10.0.0.4|new@lieu.example", "address:10.0.0.4"}


async def test_a_coordinator_lifts_an_account_or_an_address(lieu):
    for _ in range(throttle.PER_ACCOUNT + 1):
        await throttle.attempt("c|d@lieu.example", "10.0.0.5")
        await throttle.attempt("c|d@lieu.example", "10.0.0.6")
    for n in range(throttle.PER_ADDRESS + 1):
        await throttle.attempt(f"e{n}@lieu.example", "10.0.0.7")
    seen = {(t.email, t.address) for t in await throttle.throttled()}
    assert seen == {("c|d@lieu.example", "10.0.0.5"), ("c|d@lieu.example", "10.0.0.6"), (None, "10.0.0.7")}
    assert await throttle.lift("c|d@lieu.example", "10.0.0.5") == 1
    assert await throttle.lift("c|d@lieu.example") == 1
    assert await throttle.lift(None, "10.0.0.7") == 1
    assert await throttle.throttled() == []
    assert await throttle.attempt("c|d@lieu.example", "10.0.0.5")
