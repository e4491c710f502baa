"""Settings, read once from the environment (and an optional `.env` file)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

VAR_DIR = Path("var")


def _read_dotenv(path: Path) -> dict[str, str]:
    """The few lines of a `.env` file: KEY=value, comments and blanks ignored."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def _secret(explicit: str | None, var_dir: Path) -> str:
    """The configured secret, or one generated on first run and kept under var/."""
    if explicit:
        return explicit
    path = var_dir / "secret"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    # Created with owner-only permissions: the secret signs sessions.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value)
    return value


@dataclass(frozen=True)
class Settings:
    database_url: str
    base_url: str
    timezone: str
    secret: str
    media_dir: Path
    lieu_name: str
    # The fast SQLite path (exchange.db.sqlite_fast); EXCHANGE_SQLITE_FAST=0 turns it off.
    sqlite_fast: bool = True
    base_url_set: bool = True  # EXCHANGE_BASE_URL given (in the environment or .env), not the default
    # Proxies whose X-Forwarded-For names the client (addresses or networks); the login throttle counts per address.
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = (ip_network("127.0.0.1/32"),)
    # How many items one member may hold reserved at once.
    max_reservations: int = 10
    # uvicorn's line per request: off by default, as it costs half again the CPU of a /healthz
    # answer (172 µs against 115 µs a request under wrk, 2026-12-01).
    access_log: bool = False

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = {**_read_dotenv(Path(".env")), **(os.environ if environ is None else environ)}
    var_dir = Path(env.get("EXCHANGE_VAR_DIR", str(VAR_DIR)))
    timezone = env.get("EXCHANGE_TIMEZONE", "Europe/Paris")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise SystemExit(f"EXCHANGE_TIMEZONE={timezone!r} is not a known time zone") from error
    return Settings(
        database_url=env.get("EXCHANGE_DATABASE_URL", f"sqlite:///{var_dir}/exchange.db"),
        base_url=env.get("EXCHANGE_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        timezone=timezone,
        secret=_secret(env.get("EXCHANGE_SECRET"), var_dir),
        media_dir=Path(env.get("EXCHANGE_MEDIA_DIR", str(var_dir / "media"))),
        lieu_name=env.get("EXCHANGE_LIEU_NAME", "Tiers-lieu"),
        sqlite_fast=env.get("EXCHANGE_SQLITE_FAST", "1").strip().lower() not in ("0", "false", "no", "off"),
        base_url_set=bool(env.get("EXCHANGE_BASE_URL")),
        trusted_proxies=_networks(env.get("EXCHANGE_TRUSTED_PROXIES", "127.0.0.1")),
        max_reservations=_positive_int(env, "EXCHANGE_MAX_RESERVATIONS", 10),
        access_log=env.get("EXCHANGE_ACCESS_LOG", "").strip().lower() in ("1", "true", "yes", "on"),
    )


def _networks(value: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """`127.0.0.1, 10.0.0.0/8, ::1`; an empty value trusts no proxy."""
    try:
        return tuple(ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip())
    except ValueError as error:
        raise SystemExit(f"EXCHANGE_TRUSTED_PROXIES={value!r}: {error}") from None


def _positive_int(env: dict[str, str], name: str, default: int) -> int:
    value = env.get(name, str(default)).strip()
    if not value.isascii() or not value.isdigit() or not 0 < int(value) <= 10_000:
        raise SystemExit(f"{name}={value!r} is not a whole number between 1 and 10000")
    return int(value)


@cache
def get_settings() -> Settings:
    return load_settings()
