"""French from end to end: a crawl of every page and error in French finds no English sentence;
a French lieu's label names the category in French; labels that would point nowhere are said
loudly (start-up, /labels). Both engines."""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

from conftest import PASSWORD, auth

import exchange.categories
from exchange import base_url
from exchange.auth.permissions import PERMISSIONS
from exchange.labels.service import contents_for
from exchange.ledger.codes import new_code
from exchange.messages import LOCALE_DIR, translations
from exchange.tables import BlankCode, Lieu, Member

PLANK = {
    "category": "plywood",
    "title": "Contreplaqué",
    "workshop": "bois",
    "length_mm": 1000,
    "width_mm": 500,
    "thickness_mm": 18,
}


# --- what a French page may say ----------------------------------------------------------


class _Text(HTMLParser):
    """The text a reader sees or hears: text nodes and the alt, title, placeholder, aria-label
    and data-msg-* attributes (what scripts show), outside <script> and <style>."""

    SPOKEN = {"alt", "title", "placeholder", "aria-label"}

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if value and (name in self.SPOKEN or name.startswith("data-msg")):
                self.nodes.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.nodes.append(data)


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-zÀ-ÿ]+(?:'[a-z]+)?", text)}


def _vocabularies() -> tuple[set[str], set[str]]:
    """Words of the English msgids that no French msgstr uses: what a leak of English is made of."""
    from babel.messages.pofile import read_po

    french: set[str] = set()
    english: set[str] = set()
    with (LOCALE_DIR / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        for m in read_po(source, locale="fr"):
            if not m.id:
                continue
            ids = [m.id] if isinstance(m.id, str) else list(m.id)
            strings = [m.string] if isinstance(m.string, str) else list(m.string)
            english |= set().union(*(_words(re.sub(r"%\(\w+\)s", " ", i)) for i in ids))
            french |= set().union(*(_words(s) for s in strings))
    # Phrases no catalogue holds but Litestar and msgspec write in English.
    english |= {"not", "found", "bad", "request", "validation", "failed", "expected", "internal", "server", "error"}
    return french, english - french


FRENCH, ENGLISH_ONLY = _vocabularies()
# Names that are data or proper names in every language: kept out of the English-only words.
NAMES = {"csv", "xlsx", "ods", "pdf", "api", "co", "kg", "mm", "ice", "desnz", "avery", "https", "url", "png"}


def english_in(html: str, data: set[str] = frozenset()) -> list[str]:
    """Text nodes of a page that read as English: two or more words found only in English msgids
    (`data`: words of the ledger's own data, such as members' names)."""
    parser = _Text()
    parser.feed(html)
    found = []
    for node in parser.nodes:
        text = unescape(node)
        leaked = (_words(text) & ENGLISH_ONLY) - NAMES - data
        if len(leaked) >= 2 or text.strip() in ("Not Found", "Bad Request", "Forbidden"):
            found.append(f"{text.strip()[:120]!r} ({', '.join(sorted(leaked))})")
    return found


def test_the_detector_finds_english_and_leaves_french_alone():
    assert english_in("<p>Not Found</p><p>`to` is before `from`.</p>") != []
    assert english_in("<p>A month is written YYYY-MM, e.g. 2026-03</p>")
    french = translations("fr").gettext("This item is reserved by someone else.")
    assert english_in(f"<p>{french}</p><p>Contreplaqué · 1 000 × 500 × 18 mm</p>") == []


async def _log_in(client, role: str) -> None:
    page = await client.get("/login")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    answer = await client.post(
        "/login", data={"email": f"{role}@lieu.example", "password": PASSWORD, "_csrf_token": token}
    )
    assert answer.status_code == 303


def _page_paths(code: str) -> list[str]:
    """Every page of the permission table (GET, not the API), with an item's code where it takes one."""
    paths = []
    for method, path in PERMISSIONS:
        if method != "GET" or path.startswith(("/api", "/schema", "/static", "/healthz")) or "." in path:
            continue
        if path in ("/sw.js", "/lang/{lang:str}", "/logout", "/photos/{name:str}"):
            continue
        filled = re.sub(r"\{code(:str)?\}", code, path)
        if "{" not in filled:
            paths.append(filled)
    return sorted(set(paths))


async def test_every_page_and_error_in_french_has_no_english(client, lieu):
    item = (await client.post("/api/v1/items", json=PLANK, headers=auth(lieu, "steward"))).json()
    code = item["code"]
    await client.post(f"/api/v1/items/{code}/reserve", json={}, headers=auth(lieu, "member"))
    blank = new_code()
    await BlankCode.insert(BlankCode(code=blank, batch="words", created_by=None))
    mistyped = code[:-1] + ("0" if code[-1] != "0" else "1")
    pages = _page_paths(code)
    assert len(pages) > 12, pages
    errors = [
        "/nowhere",  # 404
        f"/i/{mistyped}",  # 400, mistyped
        "/i/NOT-A-CODE!",  # 400, not a code
        f"/i/{new_code()}",  # 404, unknown
        f"/i/{blank}",  # a blank label
        "/items?cursor=garbage",  # the cursor error
        "/items?min_length_mm=abc",  # a parameter of the wrong type
        "/figures?month=2025-13",  # 422, a month
        "/figures/report?from=2025-06&to=2025-01",  # `to` before `from`
        "/labels?codes=7K3M-Q9XK,HELLO",  # mistyped and malformed codes
        "/figures/methodology",
    ]
    # Data: members' names, and the sources and entries the factors quote as published.
    data = set().union(*(_words(m["name"]) for m in await Member.select(Member.name)))
    shipped = json.loads((Path(exchange.categories.__file__).parent / "data" / "categories.json").read_text())
    for category in shipped["categories"]:
        for factor in filter(None, (category.get("reuse_factor"), category.get("recycle_factor"))):
            data |= _words(f"{factor['source']} {factor.get('entry') or ''}")
    seen: dict[str, list[str]] = {}
    statuses: set[int] = set()
    for who in (None, "member", "steward", "coordinator"):
        client.cookies.clear()
        if who:
            await _log_in(client, who)
        for path in pages + errors:
            answer = await client.get(path, headers={"Accept-Language": "fr"}, follow_redirects=True)
            statuses.add(answer.status_code)
            if "text/html" in answer.headers.get("content-type", ""):
                leaks = english_in(answer.text, data)
                if leaks:
                    seen[f"{who or 'anonymous'} {path} ({answer.status_code})"] = leaks
    # Refusals a coordinator meets in a form: lowering their own role.
    me = await Member.select(Member.id).where(Member.email == "coordinator@lieu.example").first()
    page = await client.get("/admin/members")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    demoted = await client.post(
        f"/admin/members/{me['id']}",
        data={"role": "member", "active": "on", "_csrf_token": token},
        follow_redirects=True,
    )
    assert "votre propre compte" in unescape(demoted.text)
    if english_in(demoted.text, data):
        seen["coordinator: lowering their own role"] = english_in(demoted.text, data)
    assert {200, 400, 403, 404, 422} <= statuses, statuses
    wrong_type = await client.get("/import/batch/labels.pdf?part=abc")  # as a coordinator
    assert wrong_type.status_code == 400 and "qu'attend cette page : part" in unescape(wrong_type.text)
    assert not seen, "\n".join(f"{where}: {leaks}" for where, leaks in seen.items())


# --- labels -----------------------------------------------------------------------------


async def test_a_french_lieus_label_names_the_category_in_french(client, lieu):
    code = (await client.post("/api/v1/items", json=PLANK, headers=auth(lieu, "steward"))).json()["code"]
    (french,) = await contents_for([code])
    assert french.category == "Contreplaqué"
    await Lieu.update({Lieu.language: "en"}, force=True)
    (english,) = await contents_for([code])
    assert english.category == "Plywood"


def test_labels_that_would_point_nowhere_are_named():
    loopback = base_url.problems("http://127.0.0.1:8000")
    assert len(loopback) == 1 and "EXCHANGE_BASE_URL" in str(loopback[0])
    assert "seul cet ordinateur" in loopback[0].translate("fr")
    assert base_url.problems("http://localhost:8201", "localhost:8201") == base_url.problems("http://localhost:8201")
    elsewhere = base_url.problems("https://lieu.example", "192.168.1.20:8201")
    assert len(elsewhere) == 1 and "192.168.1.20:8201" in elsewhere[0].translate("fr")
    assert base_url.problems("https://lieu.example", "lieu.example") == []
    assert base_url.served_base_url("127.0.0.1", 8201) == "http://127.0.0.1:8201"
    assert base_url.served_base_url("::1", 8201) == "http://[::1]:8201"
    assert base_url.served_base_url("0.0.0.0", 8201).endswith(":8201")


async def test_the_labels_page_says_loudly_when_reached_at_another_address(client, lieu):
    await _log_in(client, "steward")
    here = await client.get("/labels")
    assert "EXCHANGE_BASE_URL" not in here.text  # reached at https://lieu.example, the base URL
    elsewhere = await client.get("/labels", headers={"Host": "192.168.1.20:8201"})
    assert elsewhere.status_code == 200
    assert "192.168.1.20:8201" in unescape(elsewhere.text) and "EXCHANGE_BASE_URL" in elsewhere.text


async def test_problem_details_keep_english_and_carry_the_message_id(client, lieu):
    answer = await client.post("/api/v1/items", json={**PLANK, "category": "kryptonite"}, headers=auth(lieu, "steward"))
    problem = answer.json()
    assert answer.status_code == 422 and problem["detail"] == "Unknown category 'kryptonite'."
    assert problem["message_id"] == "Unknown category '%(slug)s'." and problem["values"] == {"slug": "kryptonite"}
    assert translations("fr").gettext(problem["message_id"]) % problem["values"] == "Matériau inconnu : « kryptonite »."
