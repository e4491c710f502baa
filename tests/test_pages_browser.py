"""The pages of issue 13 in a real Chromium, at 360 px and on a desktop, in French and English:
the folding phone header, the list (accents, material names, count, page numbers, results
first, what to loosen), the steward's pages (cut, correct, blank labels), the forgiving
intake and use-part forms, the confirmed use, and the figures that open on the last full
month. One server (SQLite; the engines have their own tests) and one browser context for the
whole module; screenshots under test-artifacts/browser/."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import httpx
import pytest
from browser import ARTIFACTS, DESKTOP, MOBILE, PASSWORD, browser, live_module, module_tab, shoot  # noqa: F401
from PIL import Image


@pytest.fixture
def tab(module_tab):
    """The module's one tab, checked after each test: no console error, no unexpected >= 400."""
    module_tab.recorder.problems.clear()
    module_tab.recorder.allowed.clear()
    module_tab.set_viewport_size(MOBILE)
    yield module_tab
    problems, module_tab.recorder.problems[:] = list(module_tab.recorder.problems), []
    assert not problems, "the browser saw problems:\n" + "\n".join(problems)


def as_role(tab, live, role: str, lang: str = "fr") -> None:
    """Log in through the form (once per role change) and read the pages in `lang`."""
    context = tab.context
    context.clear_cookies()
    context.add_cookies([{"name": "exchange_lang", "value": lang, "url": live.base}])
    tab.goto(f"{live.base}/login")
    tab.fill("#login-email", f"{role}@lieu.example")
    tab.fill("#login-password", PASSWORD)
    tab.click("form[action='/login'] button[type=submit]")
    tab.wait_for_load_state()


def speak(tab, live, lang: str) -> None:
    tab.context.add_cookies([{"name": "exchange_lang", "value": lang, "url": live.base}])


def create(live, **fields) -> dict:
    body = {"category": "plywood", "title": "Chute", "workshop": "bois", **fields}
    with live.api("steward") as api:
        answer = api.post("/api/v1/items", json=body)
        assert answer.status_code == 201, answer.text
        return answer.json()


def items_count(live) -> int:
    with httpx.Client(base_url=live.base) as http:
        return len(http.get("/api/v1/items", params={"status": "any", "limit": 200}).json()["items"])


def header_height(tab) -> float:
    return tab.evaluate("document.querySelector('header.top').getBoundingClientRect().height")


def test_the_phone_header_folds_into_a_menu(live_module, tab):
    for role, lang in (("member", "fr"), ("coordinator", "en")):
        as_role(tab, live_module, role, lang)
        tab.goto(f"{live_module.base}/items")
        assert header_height(tab) <= 80, f"{role}: the closed header takes {header_height(tab)} px"
        assert tab.locator("header.top nav").is_hidden()
        tab.click(".menu-toggle")
        assert tab.get_attribute(".menu-toggle", "aria-expanded") == "true"
        assert tab.locator("header.top nav a[href='/figures']").is_visible()
        if role == "coordinator":
            assert tab.locator("header.top nav a[href='/admin/members']").is_visible()
        shoot(tab, f"header-open-{role}-{lang}")
        tab.keyboard.press("Escape")
        assert tab.locator("header.top nav").is_hidden()
        tab.set_viewport_size(DESKTOP)
        assert tab.locator(".menu-toggle").is_hidden() and tab.locator("header.top nav").is_visible()
        tab.set_viewport_size(MOBILE)


def test_the_list_searches_counts_pages_and_says_what_to_loosen(live_module, tab):
    live = live_module
    oak = create(live, category="hardwood", title="Plateau de chêne", length_mm=900, width_mm=400, thickness_mm=27)
    ply = create(live, title="Panneau", length_mm=700, width_mm=450, thickness_mm=18)
    for n in range(25):
        create(live, category="steel", workshop="metal", title=f"Cornière {n}", mass_kg=2)
    as_role(tab, live, "member", "fr")
    tab.goto(f"{live.base}/items?q=chene")
    assert tab.locator(".cards .card .code").all_inner_texts() == [oak["code"]]
    tab.goto(f"{live.base}/items?q=CONTREPLAQUE")
    assert ply["code"] in tab.locator(".cards .card .code").all_inner_texts()

    # A fit search on a phone: the results come first, the form one tap away.
    tab.goto(f"{live.base}/items")
    assert tab.locator("#f-category").is_visible() and tab.locator("#need-t").count() == 1
    tab.fill("#need-l", "600")
    tab.fill("#need-w", "400")
    tab.fill("#need-t", "18")
    tab.click(".filters button[type=submit]")
    tab.wait_for_url(re.compile(r"need_l=600"))
    top = tab.evaluate(
        "[document.querySelector('.results').getBoundingClientRect().top,"
        " document.querySelector('form.filters').getBoundingClientRect().top]"
    )
    assert top[0] < top[1] and top[0] < 200, top
    assert tab.locator(".cards .card .code").first.inner_text() == ply["code"]
    shoot(tab, "list-fit-fr")

    tab.goto(f"{live.base}/items?category=steel")
    assert "25 pièces, page 1 sur 2." in tab.inner_text(".total")
    tab.click(".pager a[rel=next]")
    tab.wait_for_url(re.compile(r"page=2"))
    assert tab.locator(".cards .card").count() == 1
    assert tab.get_attribute(".pager [aria-current=page]", "aria-label") == "Page 2"
    shoot(tab, "list-page-2-fr")

    speak(tab, live, "en")
    tab.goto(f"{live.base}/items?q=chene&need_t=18")
    offers = tab.locator(".loosen a").all_inner_texts()
    assert offers == ["without “chene”: 1 piece", "any thickness, not only 18\u00a0mm: 1 piece"], offers
    tab.click(".loosen li:nth-child(2) a")
    assert tab.locator(".cards .card .code").all_inner_texts() == [oak["code"]]
    tab.goto(f"{live.base}/items?q=chene&need_t=18")
    shoot(tab, "list-loosen-en")


def test_a_steward_cuts_corrects_and_prints_blank_labels(live_module, tab):
    live = live_module
    tab.allow(422, "/split")
    tab.allow(422, "/adjust")
    panel = create(live, title="Panneau MDF", category="mdf", length_mm=1200, width_mm=600, thickness_mm=18)
    as_role(tab, live, "steward", "fr")
    tab.goto(f"{live.base}/i/{panel['code']}")
    tab.click(f"a[href='/i/{panel['code']}/split']")
    tab.wait_for_url(re.compile(r"/split$"))
    tab.fill("#length_mm-0", "500")
    tab.fill("#width_mm-0", "600")
    tab.fill("#length_mm-1", "99999")
    tab.fill("#width_mm-1", "600")
    tab.evaluate("document.querySelector('.split-form').noValidate = true")  # the server's checks
    tab.click(".split-form button.primary")
    assert tab.locator("#err-length_mm_1").is_visible() and tab.input_value("#length_mm-0") == "500"
    shoot(tab, "split-error-fr")
    tab.fill("#length_mm-1", "690")
    tab.click(".split-form button.primary")
    tab.wait_for_url(re.compile(r"/labels\?split_of="))
    assert tab.locator("input[name=codes]:checked").count() == 2
    assert "Découpée : 2 morceaux" in tab.inner_text(".flash-ok")

    piece = tab.locator("input[name=codes]").first.get_attribute("value")
    speak(tab, live, "en")
    tab.goto(f"{live.base}/i/{piece}")
    tab.click(f"a[href='/i/{piece}/adjust']")
    tab.wait_for_url(re.compile(r"/adjust$"))
    tab.fill("#adj-width_mm", "580")
    tab.evaluate("document.querySelector('form.intake').noValidate = true")
    tab.click("form button.primary")
    assert tab.locator("#err-note").is_visible() and tab.input_value("#adj-width_mm") == "580"
    shoot(tab, "adjust-error-en")
    tab.fill("#adj-note", "measured again")
    tab.click("form button.primary")
    tab.wait_for_url(f"{live.base}/i/{piece}")
    assert "Record corrected." in tab.inner_text(".flash-ok") and "580" in tab.inner_text(".facts")

    tab.goto(f"{live.base}/labels")
    tab.click("a[href='/labels/blank']")
    tab.fill("#blank-count", "3")
    shoot(tab, "blank-en")
    tab.click("form button.primary")
    tab.wait_for_url(re.compile(r"/labels\?batch="))
    assert tab.locator("input[name=codes]:checked").count() == 3
    with tab.expect_download() as download:
        tab.click("#get-pdf")
    assert download.value.path().read_bytes().startswith(b"%PDF")
    speak(tab, live, "fr")
    tab.goto(f"{live.base}/labels/blank")
    shoot(tab, "blank-fr")


def test_the_intake_form_forgives(live_module, tab, tmp_path):
    live = live_module
    photo = tmp_path / "plank.jpg"
    Image.new("RGB", (1200, 900), (186, 146, 96)).save(photo, "JPEG")
    tab.allow(422, "/items/new")
    as_role(tab, live, "steward", "fr")
    before = items_count(live)
    tab.goto(f"{live.base}/items/new")
    tab.set_input_files("#new-photo", str(photo))
    tab.fill("#new-length", "99999")
    tab.fill("#new-width", "0")
    tab.fill("#new-mass", "beaucoup")
    tab.evaluate("document.getElementById('intake').noValidate = true")  # the server's checks, not the browser's
    tab.click("button[name=next][value=label]")
    tab.wait_for_load_state()
    errors = tab.locator(".field-error").evaluate_all("els => els.map(e => e.id)")
    assert sorted(errors) == ["err-category", "err-length_mm", "err-mass_kg", "err-width_mm"], errors
    assert tab.locator("#photo-kept img").is_visible()  # the photo chosen is kept
    shoot(tab, "intake-errors-fr")
    tab.select_option("#new-category", "plywood")
    tab.fill("#new-length", "800")
    tab.fill("#new-width", "600")
    tab.fill("#new-mass", "")
    tab.click("button[name=next][value=label]")
    tab.wait_for_url(re.compile(r"/labels\?codes="))
    code = tab.url.rsplit("=", 1)[1]
    with live.api() as api:
        assert api.get(f"/api/v1/items/{code}").json()["photo_url"]
    # A form saved, then back to it and saved again: still one item.
    tab.goto(f"{live.base}/items/new")
    tab.select_option("#new-category", "steel")
    tab.fill("#new-mass", "2,5")
    tab.click("button[name=next][value=label]")
    tab.wait_for_url(re.compile(r"/labels\?codes="))
    second = tab.url.rsplit("=", 1)[1]
    tab.go_back()
    tab.wait_for_url(re.compile(r"/items/new\?k="))
    tab.select_option("#new-category", "steel")
    tab.fill("#new-mass", "2,5")
    tab.click("button[name=next][value=label]")
    tab.wait_for_url(re.compile(r"/labels\?codes="))
    assert tab.url.rsplit("=", 1)[1] == second and items_count(live) == before + 2
    speak(tab, live, "en")
    tab.goto(f"{live.base}/items/new")
    tab.evaluate("document.getElementById('intake').noValidate = true")
    tab.click("button[name=next][value=label]")
    assert tab.locator("#err-category").inner_text() != ""
    shoot(tab, "intake-errors-en")


def test_use_part_works_out_the_rest_and_use_asks_first(live_module, tab):
    live = live_module
    plank = create(live, title="Contreplaqué", length_mm=2000, width_mm=600, thickness_mm=18)
    tab.allow(422, "/use-part")
    other = create(live, title="Tasseau", length_mm=1000, width_mm=45, thickness_mm=45)
    as_role(tab, live, "member", "en")
    tab.goto(f"{live.base}/i/{plank['code']}")
    tab.click("#use-part summary")
    tab.fill("#used-length", "800")
    tab.fill("#used-width", "600")
    assert (tab.input_value("#rest-length"), tab.input_value("#rest-width")) == ("1200", "600")
    tab.fill("#used-width", "7000")
    tab.fill("#rest-length", "1200")
    tab.evaluate("document.querySelector('form.use-part').noValidate = true")
    tab.click("#use-part button[type=submit]")
    tab.wait_for_load_state()
    assert tab.locator("#use-part[open]").count() == 1 and tab.input_value("#used-width") == "7000"
    assert "Width of the part used: a whole number of millimetres, 1 to 2,000." in tab.inner_text("#err-used_width")
    shoot(tab, "use-part-error-en")
    tab.fill("#used-width", "600")
    tab.click("#use-part button[type=submit]")
    tab.wait_for_url(re.compile(r"/i/(?!" + plank["code"] + ")"))
    assert tab.locator(".flash-ok").is_visible()

    speak(tab, live, "fr")
    tab.goto(f"{live.base}/i/{other['code']}")
    assert tab.locator("#use button[type=submit]").is_hidden()  # a use is final: asked first
    tab.click("#use summary")
    assert "définitif" in tab.inner_text("#use-final")
    shoot(tab, "use-confirm-fr")
    tab.click("#use button[type=submit]")
    tab.wait_for_load_state()
    with live.api() as api:
        assert api.get(f"/api/v1/items/{other['code']}").json()["status"] == "used"


def test_figures_open_on_the_last_full_month_and_print_one_page_a_month(live_module, tab):
    live = live_module
    # Every material of the lieu in one month: the densest report page there is.
    with live.api() as api:
        slugs = [c["slug"] for c in api.get("/api/v1/categories").json()]
    with live.api("steward") as api:
        for n, slug in enumerate(slugs):
            when = f"2025-05-{n % 27 + 1:02d}T10:00:00+02:00"
            made = api.post(
                "/api/v1/items",
                json={
                    "category": slug,
                    "title": "x",
                    "workshop": "bois" if n % 2 else "metal",
                    "mass_kg": 5,
                    "occurred_at": when,
                },
            )
            assert made.status_code == 201, made.text
            api.post(f"/api/v1/items/{made.json()['code']}/use", json={"occurred_at": when.replace("T10", "T11")})
    as_role(tab, live, "coordinator", "fr")
    tab.goto(f"{live.base}/figures")
    last = date.today().replace(day=1) - timedelta(days=1)
    months = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()
    assert tab.inner_text("h1") == f"Chiffres de {months[last.month - 1]} {last.year}"
    tab.goto(f"{live.base}/figures/report?month=2025-05")
    tab.emulate_media(media="print")
    pdf = tab.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    tab.emulate_media(media="screen")
    (ARTIFACTS / "browser").mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "browser" / "pages_browser-report-dense.pdf").write_bytes(pdf)
    pages = re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf)
    assert len(pages) == 1, f"a month of {len(slugs)} materials printed on {len(pages)} pages"
    for lang, first in (("fr", "Mois"), ("en", "Month")):
        speak(tab, live, lang)
        tab.goto(f"{live.base}/figures?month=2025-05")
        tab.fill("#from", "2025-05")
        with tab.expect_download() as download:
            tab.click("form[action='/figures/export.csv'] button")
        text = download.value.path().read_bytes().decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";" if lang == "fr" else ","))
        assert rows[0][:3] == [
            first,
            "Atelier" if lang == "fr" else "Workshop",
            "Matériau" if lang == "fr" else "Material",
        ]
        assert len(rows) == 1 + len(slugs)
