"""Piccolo's configuration: the engine comes from EXCHANGE_DATABASE_URL, or from
exchange.db.use_engine (tests, the server's start). Read on each lookup, so this module holds
no engine of its own and exchange.db never imports it."""

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine

from exchange.db.engine import current_engine

APP_REGISTRY = AppRegistry(apps=["exchange.piccolo_app"])


def __getattr__(name: str) -> Engine:
    # Piccolo reads `DB` with getattr(): the engine bound now, not one made at import.
    if name == "DB":
        return current_engine()
    raise AttributeError(name)
