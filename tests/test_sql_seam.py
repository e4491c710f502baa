"""One persistence seam (issue 11): an area's SQL lives in its `queries.py`. This test reads the
source of every module of the app (the hand-written migrations, outside the package, are not read) and fails when a query (a Piccolo table's select, insert,
update, delete, raw, objects, exists or count, or an SQL statement written as a string) sits
in a module that is not a queries module and not on the short list below, each with why."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

from piccolo.table import Table

import exchange
from exchange import tables

ROOT = Path(exchange.__file__).parent
QUERY_METHODS = {"select", "insert", "update", "delete", "raw", "objects", "exists", "count", "alter", "create_table"}
TABLES = {name for name, value in vars(tables).items() if inspect.isclass(value) and issubclass(value, Table)}
SQL_TEXT = re.compile(r"^\s*(SELECT\s|INSERT\s+INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s|WITH\s+\w+\s+AS\s)", re.I)

# Modules that may hold SQL without being an area's queries.py, and why.
ALLOWED = {
    "db": "the engine and its helpers (prepared statements, the SQLite fast path, migrations): the seam itself",
    "schema_check.py": "compares the live schema with a fresh one (sqlite_master, information_schema) and writes"
    " Piccolo's migration bookkeeping: a maintenance tool of the database, not an area",
    "serving_lock.py": "PostgreSQL advisory locks that keep two servers' roles apart: no table's data",
    "items/listing.py": "the list's query is assembled from the filters (the one exception items/queries.py states)",
}


def _allowed(relative: str) -> bool:
    return any(relative == key or relative.startswith(key + "/") for key in ALLOWED)


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def sql_in(source: str) -> list[str]:
    """Where `source` holds SQL: "line: what" for each place."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in QUERY_METHODS:
            root = _root_name(node.func.value)
            if root in TABLES:
                found.append(f"{node.lineno}: {root}...{node.func.attr}()")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_TEXT.match(node.value):
            found.append(f"{node.lineno}: {node.value[:40]!r}")
    return found


def test_the_finder_sees_both_kinds_of_sql():
    assert sql_in("rows = await Item.select(Item.code).where(Item.id == 1).first()") == ["1: Item...select()"]
    assert sql_in("await Lieu.count()") == ["1: Lieu...count()"]
    assert sql_in("x = 'SELECT id FROM item'") == ["1: 'SELECT id FROM item'"]
    assert sql_in("values.update(a=1); names.insert(0, 'x'); Item.workshop.name.as_alias('w')") == []


def test_sql_lives_in_the_queries_modules():
    misplaced = {}
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if path.name == "queries.py" or _allowed(relative):
            continue
        found = sql_in(path.read_text(encoding="utf-8"))
        if found:
            misplaced[relative] = found
    assert not misplaced, f"SQL outside an area's queries.py (move it there, or say why in ALLOWED): {misplaced}"


def test_every_exception_still_holds_sql():
    """An entry of ALLOWED whose module no longer holds SQL is dropped from the list."""
    for key in ALLOWED:
        paths = [ROOT / key] if key.endswith(".py") else sorted((ROOT / key).rglob("*.py"))
        assert any(sql_in(p.read_text(encoding="utf-8")) for p in paths), f"{key} holds no SQL: drop it from ALLOWED"
