"""Queries whose SQL is built once, on Piccolo's public API: a select from the query builder
filled with new values on each run, hand-written SQL, and one-row inserts.

Piccolo builds a query's SQL on every run, which for a select of an item with its joins
costs more than the lookup itself (half the time of GET /api/v1/items/{code}). Here the SQL
is compiled once per engine type (`QueryString.compile_string`); each run gives Piccolo a
`Raw` query (what `Table.raw` runs) whose QueryString is already compiled, so the rows come
back through Piccolo's own engine, transaction and all. Hand-written SQL takes `{}` for each
value, as `Table.raw` does: one placeholder style, `?` or `$n` is Piccolo's business.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from piccolo.query.methods.raw import Raw
from piccolo.querystring import QueryString


class _Slot:
    """A stand-in value while a query's SQL is compiled; found again among its arguments."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


class _CompiledQueryString(QueryString):
    """A QueryString whose SQL and arguments are given, not compiled on each run."""

    __slots__ = ("_compiled",)

    def __init__(self, sql: str, args: list[Any], query_type: str, table: Any) -> None:
        super().__init__("", query_type=query_type, table=table)
        self._compiled = (sql, args)

    def compile_string(self, engine_type: str = "postgres") -> tuple[str, list[Any]]:
        return self._compiled

    def __str__(self) -> str:
        return self._compiled[0]


class _Compiled:
    """One querystring compiled per engine type, with where each value goes among its arguments."""

    __slots__ = ("_querystring", "_count", "_by_engine")

    def __init__(self, querystring: QueryString, count: int) -> None:
        self._querystring = querystring
        self._count = count
        self._by_engine: dict[str, tuple[str, list[Any], list[tuple[int, int]]]] = {}

    def get(self, engine_type: str) -> tuple[str, list[Any], list[tuple[int, int]]]:
        compiled = self._by_engine.get(engine_type)
        if compiled is None:
            sql, args = self._querystring.compile_string(engine_type=engine_type)
            positions = [(n, arg.index) for n, arg in enumerate(args) if isinstance(arg, _Slot)]
            if sorted(i for _, i in positions) != list(range(self._count)):
                raise ValueError("each value of a prepared query must appear once in its SQL")
            compiled = self._by_engine[engine_type] = (sql, list(args), positions)
        return compiled

    async def rows(self, table: Any, query_type: str, values: tuple[Any, ...]) -> list[dict]:
        engine = table._meta.db
        sql, args, positions = self.get(engine.engine_type)
        args = list(args)
        for n, index in positions:
            args[n] = values[index]
        # The fast SQLite engine (exchange.db.sqlite_fast) reads a select outside a transaction
        # at once; Piccolo's stock engines have no such method and take the Raw query.
        read_now = getattr(engine, "read_now", None) if query_type == "select" else None
        if read_now is not None:
            rows = read_now(sql, args)
            if rows is not None:
                return rows
        return await Raw(table, querystring=_CompiledQueryString(sql, args, query_type, table)).run()


class Prepared:
    """A Piccolo select whose SQL is built once per engine type; each run fills in new values.

    `build` receives one stand-in per value and returns the query. The rows are the driver's,
    as Piccolo returns them for a select without `output()` options (none of these has any)."""

    __slots__ = ("_table", "_build", "_count", "_compiled")

    def __init__(self, table: Any, build: Callable[..., Any], count: int) -> None:
        self._table = table
        self._build = build
        self._count = count
        self._compiled: _Compiled | None = None

    def _get(self) -> _Compiled:
        if self._compiled is None:
            (querystring,) = self._build(*(_Slot(i) for i in range(self._count))).querystrings
            self._compiled = _Compiled(querystring, self._count)
        return self._compiled

    def sql(self, engine_type: str) -> str:
        """The SQL text, with the engine's placeholders (? or $n)."""
        return self._get().get(engine_type)[0]

    async def rows(self, *values: Any) -> list[dict]:
        return await self._get().rows(self._table, "select", values)

    async def rows_with(self, template: str, *values: Any) -> list[dict]:
        """The rows of the query (built without values) with `template` appended to its SQL:
        WHERE / ORDER BY / LIMIT clauses with {} for each of `values`."""
        sql, args, _ = self._get().get(self._table._meta.db.engine_type)
        if args:
            raise ValueError("rows_with() extends a query that has no values of its own")
        escaped = sql.replace("{", "{{").replace("}", "}}")
        return await self._table.raw(f"{escaped} {template}", *values)

    async def first(self, *values: Any) -> dict | None:
        rows = await self.rows(*values)
        return rows[0] if rows else None


class PreparedSQL:
    """Hand-written SQL with `{}` for each value (as `Table.raw`), compiled once per engine
    type. For what Piccolo's builder cannot say in one statement (scalar subqueries); `table`
    tells which engine runs it. Rows come back as the driver gives them."""

    __slots__ = ("_table", "_compiled", "_query_type")

    def __init__(self, table: Any, sql: str, count: int, query_type: str = "select") -> None:
        self._table = table
        self._query_type = query_type
        self._compiled = _Compiled(QueryString(sql, *(_Slot(i) for i in range(count))), count)

    async def rows(self, *values: Any) -> list[dict]:
        return await self._compiled.rows(self._table, self._query_type, values)

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
        marks = ",".join("{}" for _ in self._names)
        self._insert = PreparedSQL(
            table,
            f'INSERT INTO "{table._meta.tablename}" ({columns}) VALUES ({marks}) RETURNING "{primary}"',
            len(self._names),
            query_type="insert",
        )

    async def run(self, values: dict[str, Any]) -> Any:
        """The new row's primary key. Every column must be in `values` (KeyError otherwise)."""
        if len(values) != len(self._names):
            raise KeyError(f"expected exactly the columns {self._names}, got {sorted(values)}")
        rows = await self._insert.rows(*(values[name] for name in self._names))
        return next(iter(rows[0].values()))
