"""Piccolo's configuration: the engine comes from EXCHANGE_DATABASE_URL."""

from piccolo.conf.apps import AppRegistry

from exchange.db import engine_from_url
from exchange.settings import get_settings

DB = engine_from_url(get_settings().database_url)

APP_REGISTRY = AppRegistry(apps=["exchange.piccolo_app"])
