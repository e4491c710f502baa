"""Failed logins counted per account and per address in a Litestar store; past the limit, wait."""

from __future__ import annotations

from datetime import timedelta

from litestar.stores.memory import MemoryStore

WINDOW = timedelta(minutes=15)
PER_ACCOUNT = 5  # a guessed password, not a forgotten one, needs more than five tries
PER_ADDRESS = 30  # a workshop's shared connection has many members behind one address

_store = MemoryStore()


def _keys(email: str, address: str) -> tuple[str, str]:
    return f"login:account:{email}", f"login:address:{address}"


async def _count(key: str) -> int:
    value = await _store.get(key)
    return int(value) if value else 0


async def blocked(email: str, address: str) -> bool:
    account, addr = _keys(email, address)
    return await _count(account) >= PER_ACCOUNT or await _count(addr) >= PER_ADDRESS


async def record_failure(email: str, address: str) -> None:
    for key in _keys(email, address):
        # The window starts at the first failure: a fixed window, simple and enough here.
        count = await _count(key) + 1
        expires = await _store.expires_in(key)
        await _store.set(key, str(count), expires_in=expires if expires and expires > 0 else int(WINDOW.total_seconds()))


async def forget(email: str) -> None:
    await _store.delete(_keys(email, "")[0])


async def reset() -> None:
    await _store.delete_all()
