"""Queries whose SQL is built once: a Piccolo select filled with new values on each run,
hand-written SQL in one placeholder style, and one-row inserts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from piccolo.querystring import QueryString


class _Slot:
    """A stand-in value while a Prepared query's SQL is built; found again among its arguments."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


class Prepared:
    """A Piccolo select whose SQL is built once per engine type; each run fills in new values.

    Piccolo rebuilds a query's SQL on every run, which for a select of an item with its joins
    costs more than the lookup itself (half the time of GET /api/v1/items/{code}). `build`
    receives one stand-in per value and returns the query; the result rows go through the same
    processing as the query's own run (`_process_results`), so they are what it returns."""

    __slots__ = ("_table", "_build", "_count", "_compiled")

    def __init__(self, table: Any, build: Callable[..., Any], count: int) -> None:
        self._table = table
        self._build = build
        self._count = count
        self._compiled: dict[str, tuple[Any, str, list[Any], list[tuple[int, int]]]] = {}

    def _for(self, engine_type: str) -> tuple[Any, str, list[Any], list[tuple[int, int]]]:
        compiled = self._compiled.get(engine_type)
        if compiled is None:
            query = self._build(*(_Slot(i) for i in range(self._count)))
            (querystring,) = query.querystrings
            sql, args = querystring.compile_string(engine_type=engine_type)
            positions = [(n, arg.index) for n, arg in enumerate(args) if isinstance(arg, _Slot)]
            if sorted(i for _, i in positions) != list(range(self._count)):
                raise ValueError("each value of a Prepared query must appear once in its SQL")
            compiled = self._compiled[engine_type] = (query, sql, list(args), positions)
        return compiled

    def sql(self, engine_type: str) -> str:
        """The SQL text, with the engine's placeholders (? or $n)."""
        return self._for(engine_type)[1]

    async def rows(self, *values: Any) -> list[dict]:
        engine = self._table._meta.db
        query, sql, args, positions = self._for(engine.engine_type)
        args = list(args)
        for n, index in positions:
            args[n] = values[index]
        querystring = QueryString("", query_type="select", table=self._table)
        querystring._frozen_compiled_strings = (sql, args)
        return await query._process_results(await engine.run_querystring(querystring))

    async def rows_with(self, template: str, *values: Any) -> list[dict]:
        """The rows of the query (built without values) with `template` appended to its SQL:
        WHERE / ORDER BY / LIMIT clauses with {} for each of `values`."""
        engine = self._table._meta.db
        query, sql, args, _ = self._for(engine.engine_type)
        if args:
            raise ValueError("rows_with() extends a query that has no values of its own")
        escaped = sql.replace("{", "{{").replace("}", "}}")
        querystring = QueryString(f"{escaped} {template}", *values, query_type="select", table=self._table)
        return await query._process_results(await engine.run_querystring(querystring))

    async def first(self, *values: Any) -> dict | None:
        rows = await self.rows(*values)
        return rows[0] if rows else None


class PreparedSQL:
    """Hand-written SQL (`?` placeholders, turned into `$n` on PostgreSQL), run as is: no query
    built per run. For what Piccolo's builder cannot say in one statement (scalar subqueries);
    `table` only tells which engine runs it. Rows come back as the driver gives them."""

    __slots__ = ("_table", "_sql", "_query_type")

    def __init__(self, table: Any, sql: str, query_type: str = "select") -> None:
        self._table = table
        self._query_type = query_type
        parts = sql.split("?")
        postgres = parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], start=1))
        self._sql = {"sqlite": sql, "postgres": postgres, "cockroach": postgres}

    async def rows(self, *values: Any) -> list[dict]:
        engine = self._table._meta.db
        querystring = QueryString("", query_type=self._query_type, table=self._table)
        querystring._frozen_compiled_strings = (self._sql[engine.engine_type], list(values))
        return await engine.run_querystring(querystring)

    async def first(self, *values: Any) -> dict | None:
        rows = await self.rows(*values)
        return rows[0] if rows else None


class PreparedInsert:
    """One row into `table`, every column but the primary key given by name; the primary key
    returned. The SQL is written once, where Piccolo builds an instance and its INSERT on each
    run (a third of an intake's CPU). Values go to the driver as Piccolo would pass them (JSON
    columns take their text), so no column is left to a database default."""

    __slots__ = ("_names", "_insert")

    def __init__(self, table: Any) -> None:
        primary = table._meta.primary_key._meta.db_column_name
        self._names = [c._meta.db_column_name for c in table._meta.columns if c._meta.db_column_name != primary]
        columns = ",".join(f'"{name}"' for name in self._names)
        marks = ",".join("?" for _ in self._names)
        self._insert = PreparedSQL(
            table,
            f'INSERT INTO "{table._meta.tablename}" ({columns}) VALUES ({marks}) RETURNING "{primary}"',
            query_type="insert",
        )

    async def run(self, values: dict[str, Any]) -> Any:
        """The new row's primary key. Every column must be in `values` (KeyError otherwise)."""
        if len(values) != len(self._names):
            raise KeyError(f"expected exactly the columns {self._names}, got {sorted(values)}")
        rows = await self._insert.rows(*(values[name] for name in self._names))
        return next(iter(rows[0].values()))
