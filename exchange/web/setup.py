"""The web pages' part of the app (filled by the web work): routes and Litestar options."""

from typing import Any

ROUTES: list = []


def web_options() -> dict[str, Any]:
    """Extra keyword arguments for Litestar(): templates, CSRF, ..."""
    return {}
