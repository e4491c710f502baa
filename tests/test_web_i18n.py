"""The catalogues: msgfmt --check passes, every sentence of the code and templates is in them and
translated; plurals, decimal commas, numbers and dates in the reader's locale; the ledger's
refusals carry a message id and read in French."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from exchange.messages import LANGS, LOCALE_DIR, _, ngettext, translations
from exchange.web import i18n

ROOT = Path(__file__).resolve().parents[1]


def _catalogue(lang: str):
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source, locale=lang)


@pytest.mark.parametrize("lang", LANGS)
def test_msgfmt_check_passes_on_the_catalogue(lang):
    """GNU msgfmt, what translators' tools run: headers, plural forms, placeholders that match."""
    if shutil.which("msgfmt") is None:
        pytest.skip("msgfmt is not installed (Debian package gettext; `make browser` installs it)")
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_sentence_of_the_code_and_templates_is_in_both_catalogues_and_translated():
    """What `make messages` extracts is what the catalogues hold: a sentence added without running
    it, or left untranslated or fuzzy in French, fails here."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {**DEFAULT_KEYWORDS, "pgettext": ((1, "c"), 2)}
    extracted = {
        (msgid if isinstance(msgid, str) else msgid[0], context)
        for _file, _line, msgid, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords
        )
    }
    assert len(extracted) > 300
    for lang in LANGS:
        catalogue = _catalogue(lang)
        held = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in catalogue if m.id}
        assert not sorted(extracted - held, key=str), f"run `make messages` ({lang})"
        for m in catalogue:
            if m.id:
                strings = [m.string] if isinstance(m.string, str) else list(m.string)
                assert all(strings) and "fuzzy" not in m.flags, (lang, m.id)


def test_french_plurals_and_decimal_commas():
    assert ngettext("%(num)s piece", "%(num)s pieces", 1).translate("fr") == "1 pièce"
    assert ngettext("%(num)s piece", "%(num)s pieces", 3).translate("fr") == "3 pièces"
    assert ngettext("%(num)s piece", "%(num)s pieces", 0).translate("fr") == "0 pièce"
    assert ngettext("%(num)s piece", "%(num)s pieces", 0).translate("en") == "0 pieces"
    pieces = _(
        "The pieces would weigh more than the piece they are cut from (%(pieces)s kg > %(parent)s kg).",
        pieces=Decimal("3.958"),
        parent=Decimal("1234.5"),
    )
    assert "(3,958 kg > 1\u202f234,5 kg)" in pieces.translate("fr")
    assert "(3.958 kg > 1,234.5 kg)" in str(pieces)


def test_every_status_role_and_layout_has_its_name():
    from exchange.labels.layouts import LAYOUTS
    from exchange.ledger.rules import Role, Status
    from exchange.web.labels_page import LAYOUT_TITLES

    french = translations("fr")
    for names, values in ((i18n.STATUS_NAMES, Status), (i18n.ROLE_NAMES, Role)):
        assert set(names) == {v.value for v in values}
        assert all(french.gettext(m.msgid) != m.msgid for m in names.values())
    assert set(LAYOUT_TITLES) == set(LAYOUTS)


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


def test_the_ledgers_refusals_carry_an_id_and_values_and_read_in_french():
    from exchange.ledger.rules import Action, Conflict, Forbidden, Role, Status, next_status

    with pytest.raises(Conflict) as refused:
        next_status(Action.use, Status.used, role="member", actor_id=1, holder_id=None)
    assert refused.value.text.translate("fr") == "Cette pièce est déjà utilisée : on ne peut plus rien en faire."
    assert refused.value.message == "This item is already used: nothing more can be done with it."
    with pytest.raises(Forbidden) as refused:
        next_status(Action.split, Status.available, role=Role.member, actor_id=1, holder_id=None)
    assert refused.value.text.msgid == "Only a %(role)s or above can %(action)s an item."
    assert refused.value.message == "Only a steward or above can split an item."
    assert refused.value.text.translate("fr") == "Il faut être responsable d'atelier (ou plus) pour découper une pièce."


def test_french_elision_before_a_vowel_at_a_placeholder():
    sentence = "%(reused)s of %(material)s reused: as much as %(count)s new %(object)s (%(size)s) not bought."
    values = {"reused": "12 kg", "count": "3", "object": "plaques", "size": "1 × 1 m"}
    assert "12 kg d'aluminium réemployé" in _(sentence, material="aluminium", **values).translate("fr")
    assert "12 kg de contreplaqué réemployé" in _(sentence, material="contreplaqué", **values).translate("fr")
    assert "12 kg of aluminium reused" in _(sentence, material="aluminium", **values).translate("en")
    assert _("Figures for %(month)s", month="avril 2026").translate("fr") == "Chiffres d'avril 2026"
    assert _("Figures for %(month)s", month="mars 2026").translate("fr") == "Chiffres de mars 2026"


def test_templates_translate_like_the_code_and_escape_the_values():
    from exchange.web.render import environment

    env = environment()
    template = env.from_string(
        "{% trans name=who %}Hello {{ name }}!{% endtrans %} {{ _('Figures for %(month)s', month=month) }} "
        "{{ ngettext('%(num)s piece', '%(num)s pieces', n) }}"
    )
    shown = template.render(lang="fr", who="<b>Claire</b>", month="avril 2026", n=3)
    assert shown == "Bonjour &lt;b&gt;Claire&lt;/b&gt; ! Chiffres d'avril 2026 3 pièces"
    assert (
        template.render(lang="en", who="Karim", month="April 2026", n=1)
        == "Hello Karim! Figures for April 2026 1 piece"
    )
