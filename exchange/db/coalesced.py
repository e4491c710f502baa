"""Reads by key that arrive in the same turn of the event loop, sent as one statement.

On PostgreSQL every statement is a round trip through asyncpg's pool: a connection acquired,
the query sent and read back, the connection released, about 100 µs of the server's CPU for
the one-row read that names an item's revision (exchange/items/present.py), where SQLite's
commit mark answers without reading at all. Under load, the requests that the server reads off
its sockets in one turn of the event loop each make that read in the next turn; here the first
of them opens a batch, the others join it, and one statement (`code = ANY($1)`) answers them
all when the batch is sent, at the next turn.

What keeps it correct:
- A read joins only a batch not yet sent, so its answer is read after it was asked: a commit
  the asker saw (its own write, or another process's answer) is in it.
- A read inside a transaction is not for here: it must see the transaction's own writes, on
  the transaction's connection (the caller reads on its own then).
- The batch runs in a task of its own, in an empty context: an asker that is cancelled (its
  client went away) does not cancel the others' read; a failed statement fails each asker
  with its error.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any

Row = dict[str, Any]


class CoalescedReads:
    """`await reads.one(key)`: the row whose column `column` is `key`, or None; read together
    with the other keys asked in the same turn by `many(keys)` (a list of rows, any order)."""

    __slots__ = ("_many", "_column", "_open", "_tasks")

    def __init__(self, many: Callable[[list[Hashable]], Awaitable[Sequence[Row]]], column: str) -> None:
        self._many = many
        self._column = column
        self._open: dict[Hashable, list[asyncio.Future]] | None = None  # the batch not yet sent
        self._tasks: set[asyncio.Task] = set()  # kept referenced until done (asyncio keeps weak ones)

    async def one(self, key: Hashable) -> Row | None:
        loop = asyncio.get_running_loop()
        if self._open is None:
            self._open = {}
            # Its first step runs at the next turn; in a context of its own, not the first
            # asker's (Piccolo's current transaction is a context variable: a batch is nobody's).
            task = loop.create_task(self._send(), context=contextvars.Context())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        waiter = loop.create_future()
        self._open.setdefault(key, []).append(waiter)
        return await waiter

    async def _send(self) -> None:
        batch, self._open = self._open or {}, None  # closed: a later read opens the next one
        try:
            rows = await self._many(list(batch))
        except BaseException as error:  # noqa: BLE001 - each asker gets the statement's error
            for waiters in batch.values():
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_exception(error)
            if not isinstance(error, Exception):
                raise
            return
        found = {row[self._column]: row for row in rows}
        for key, waiters in batch.items():
            for waiter in waiters:
                if not waiter.done():  # an asker cancelled meanwhile
                    waiter.set_result(found.get(key))
