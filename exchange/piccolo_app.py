"""Piccolo's view of the package: its tables and the top-level migrations folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from exchange.tables import ALL_TABLES

APP_CONFIG = AppConfig(
    app_name="exchange",
    migrations_folder_path=str(Path(__file__).resolve().parent.parent / "migrations"),
    table_classes=ALL_TABLES,
)
