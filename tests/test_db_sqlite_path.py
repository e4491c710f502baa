"""The fast SQLite path is taken only on the Piccolo release it was written for, and only
when the setting allows; otherwise Piccolo's stock SQLiteEngine serves."""

from __future__ import annotations

import logging

from piccolo.engine.sqlite import SQLiteEngine

from exchange.db import engine_from_url, sqlite_fast
from exchange.db.sqlite_fast import ExchangeSQLiteEngine
from exchange.settings import load_settings


def test_the_fast_path_on_its_own_release(tmp_path):
    engine = engine_from_url(f"sqlite:///{tmp_path}/a.db", sqlite_fast=True)
    assert isinstance(engine, ExchangeSQLiteEngine)
    stock = engine_from_url(f"sqlite:///{tmp_path}/a.db", sqlite_fast=False)
    assert type(stock) is SQLiteEngine and stock.connection_kwargs["timeout"] == engine.connection_kwargs["timeout"]


def test_another_piccolo_release_gets_the_stock_engine_with_a_warning(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(sqlite_fast, "PICCOLO_VERSION", "0.0.1")
    with caplog.at_level(logging.WARNING, logger="exchange.db"):
        engine = engine_from_url(f"sqlite:///{tmp_path}/a.db", sqlite_fast=True)
    assert type(engine) is SQLiteEngine
    assert "written for 0.0.1" in caplog.text and "stock SQLite engine" in caplog.text


def test_the_setting_turns_the_fast_path_off(tmp_path):
    base = {"EXCHANGE_VAR_DIR": str(tmp_path), "EXCHANGE_SECRET": "s"}
    assert load_settings(base).sqlite_fast is True
    for off in ("0", "false", "off", "no"):
        assert load_settings({**base, "EXCHANGE_SQLITE_FAST": off}).sqlite_fast is False
    assert load_settings({**base, "EXCHANGE_SQLITE_FAST": "1"}).sqlite_fast is True
