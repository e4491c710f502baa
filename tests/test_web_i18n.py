"""The catalogue: every string the templates use exists in French and English; numbers and
dates in the reader's locale; the ledger's refusals in French."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime
from pathlib import Path

import pytest

import exchange.app  # noqa: F401 (every page module, some adding their keys to the catalogue as they load)
from exchange.web import i18n, render

TEMPLATES = Path(render.TEMPLATES)
PYTHON = Path(render.__file__).parent


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_has_both_languages_with_the_same_placeholders():
    for key, (fr, en) in i18n.MESSAGES.items():
        assert fr.strip() and en.strip(), key
        assert _placeholders(fr) == _placeholders(en), key


def test_every_key_the_templates_and_pages_use_is_in_the_catalogue():
    used: set[str] = set()
    for path in TEMPLATES.rglob("*.html"):
        # Whole keys only: t("status." ~ item.status) is checked by test_dynamic_keys_exist.
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_.-]+)["']\s*[,)]""", path.read_text()))
    for path in PYTHON.glob("*.py"):
        used |= set(
            re.findall(
                r"""["']((?:done|next|error|code|login|labels|items|new|admin|field|ev)\.[a-z0-9_]+)["']""",
                path.read_text(),
            )
        )
    missing = sorted(k for k in used if k not in i18n.MESSAGES)
    assert not missing, missing
    assert len(used) > 100


def test_dynamic_keys_exist():
    for status in ("available", "reserved", "used", "recycled", "discarded", "split"):
        assert f"status.{status}" in i18n.MESSAGES
    for role in ("member", "steward", "coordinator"):
        assert f"role.{role}" in i18n.MESSAGES
    for source in ("weighed", "estimated", "unknown"):
        assert f"mass.{source}" in i18n.MESSAGES
    for kind in ("mistyped", "malformed", "unknown", "blank"):
        assert f"code.{kind}" in i18n.MESSAGES and f"code.{kind}_title" in i18n.MESSAGES
    from exchange.labels.layouts import LAYOUTS

    for name in LAYOUTS:
        assert f"layout.{name}" in i18n.MESSAGES


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, "fr"),
        ("", "fr"),
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE, en;q=0.8, fr;q=0.9", "fr"),
        ("fr-CA;q=0.2, en;q=0.5", "en"),
        ("es, it", "fr"),
        ("en;q=0, fr;q=0.1", "fr"),
        ("EN-us", "en"),
        ("en;q=abc, fr", "fr"),
    ],
)
def test_accept_language(header, lang):
    assert i18n.lang_from_accept_language(header) == lang


def test_numbers_in_each_locale():
    assert i18n.format_number(1234567.891, "fr") == "1\u202f234\u202f567,891"
    assert i18n.format_number(1234567.891, "en") == "1,234,567.891"
    assert i18n.format_number(2.5, "fr") == "2,5" and i18n.format_number(2.0, "en") == "2"
    assert i18n.format_number(-1500, "fr") == "-1\u202f500"
    assert i18n.format_number(0.1 + 0.2, "en") == "0.3"
    assert i18n.format_number(None, "fr") == "—"
    assert i18n.format_kg(5.4648, "fr") == "5,465\u00a0kg"
    assert i18n.format_kg(1234.56, "en") == "1,235\u00a0kg"
    assert i18n.format_dimensions(2500, 1250, 18, "fr") == "2\u202f500\u00a0× 1\u202f250\u00a0× 18\u00a0mm"
    assert i18n.format_dimensions(None, None, None, "en") == "—"


def test_dates_in_the_lieus_time_zone():
    moment = datetime(2026, 3, 1, 13, 5, tzinfo=UTC)  # 14:05 in Paris (winter time)
    assert i18n.format_datetime(moment, "fr") == "1er mars 2026 à 14:05"
    assert i18n.format_datetime(moment, "en") == "1 March 2026 at 14:05"
    summer = datetime(2026, 8, 15, 22, 30, tzinfo=UTC)  # already the 16th in Paris
    assert i18n.format_date(summer, "fr") == "16 août 2026"


def test_the_ledgers_refusals_in_french():
    from exchange.ledger.rules import Action, Conflict, Status, next_status

    with pytest.raises(Conflict) as refused:
        next_status(Action.use, Status.used, role="member", actor_id=1, holder_id=None)
    assert (
        i18n.translate_error("fr", refused.value.message)
        == "Cette pièce est déjà utilisée : on ne peut plus rien en faire."
    )
    assert i18n.translate_error("en", refused.value.message) == refused.value.message
    assert i18n.translate_error("fr", "Only a steward or above can split an item.") == (
        "Il faut être responsable d'atelier (ou plus) pour cela."
    )
    assert i18n.translate_error("fr", "Something nobody wrote a translation for.") == (
        "Something nobody wrote a translation for."
    )
