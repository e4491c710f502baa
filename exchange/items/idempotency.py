"""Idempotency: the same key again returns the first answer and writes nothing.

Every write of the items API runs through `run_action`, which claims the request's
Idempotency-Key in the same write transaction as the work it answers."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import msgspec

from exchange.auth.service import Actor
from exchange.db import write_transaction
from exchange.items import queries
from exchange.ledger.rules import Conflict, Invalid
from exchange.messages import _
from exchange.tables import Item


def unique_violation(error: BaseException) -> bool:
    return isinstance(error, (asyncpg.UniqueViolationError, sqlite3.IntegrityError)) and (
        "UNIQUE" in str(error).upper()
    )


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: bytes


@dataclass(frozen=True)
class IdempotencyRequest:
    key: str
    request_hash: str

    @classmethod
    def of(cls, key: str | None, method: str, path: str, body: bytes) -> IdempotencyRequest | None:
        if key is None:
            return None
        key = key.strip()
        if not 1 <= len(key) <= 200:
            raise Invalid(_("An Idempotency-Key has 1 to 200 characters."), field="Idempotency-Key")
        digest = hashlib.sha256(f"{method} {path}\n".encode() + body).hexdigest()
        return cls(key=key, request_hash=digest)


def _replay(row: dict, request: IdempotencyRequest) -> Answer:
    if row["request_hash"] != request.request_hash:
        raise Invalid(_("This Idempotency-Key was already used for another request."), field="Idempotency-Key")
    return Answer(row["status_code"], row["response_body"].encode())


async def _stored_answer(actor: Actor, request: IdempotencyRequest) -> dict | None:
    return await queries.stored_answer(actor.id, request.key)


async def run_action(
    actor: Actor,
    idempotency: IdempotencyRequest | None,
    status_code: int,
    work: Callable[[], Awaitable[msgspec.Struct]],
) -> Answer:
    """Run `work` in one write transaction, with its Idempotency-Key claimed in the same one.

    The key is claimed first: a second request with the same key waits on the unique index
    until the first commits, then replays its answer instead of acting again."""
    if idempotency is not None and (row := await _stored_answer(actor, idempotency)):
        return _replay(row, idempotency)
    engine = Item._meta.db
    try:
        async with write_transaction(engine):
            if idempotency is not None:
                claim = await queries.claim_key(actor.id, idempotency.key, idempotency.request_hash)
            body = msgspec.json.encode(await work())
            if idempotency is not None:
                await queries.store_answer(claim, status_code, body.decode())
    except Exception as error:
        if idempotency is not None and unique_violation(error) and (row := await _stored_answer(actor, idempotency)):
            return _replay(row, idempotency)
        if unique_violation(error):
            raise Conflict(_("Someone else did the same at the same moment; look again.")) from error
        raise
    return Answer(status_code, body)
