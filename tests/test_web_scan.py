"""The /scan page: vendored polyfill, scan.js's code reading, the y4m fake camera, the
page controller, and (in a real Chromium) the camera and the typed codes end to end. Over 400
lines: the fake camera's frames and the scanner's cases belong together."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import time
from contextlib import contextmanager
from html import unescape
from pathlib import Path
from types import SimpleNamespace

import pytest
from y4m import camera_frame, read_y4m, write_y4m

from exchange.labels.draw import LabelContent, render_label
from exchange.labels.layouts import DEFAULT_LAYOUT, LAYOUTS
from exchange.messages import translations
from exchange.web import scan

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor" / "barcode-detector"
SCAN_JS = ROOT / "static" / "js" / "scan.js"


# --- the vendored polyfill -------------------------------------------------------------


def _readme_rows() -> dict[str, tuple[int, str]]:
    readme = (ROOT / "static" / "vendor" / "README.md").read_text()
    rows = re.findall(r"^\| (\S+) \| .*? \| (\d+) \| `([0-9a-f]{64})` \|$", readme, re.M)
    return {name: (int(size), sha) for name, size, sha in rows}


def test_vendored_files_match_the_readme():
    rows = _readme_rows()
    on_disk = sorted(p.name for p in VENDOR.iterdir())
    assert sorted(rows) == on_disk
    for name, (size, sha) in rows.items():
        data = (VENDOR / name).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (size, sha), name


def test_vendored_polyfill_is_self_contained_and_reader_only():
    exported = (VENDOR / "zxing-exported.js").read_text()
    wasm = (VENDOR / "zxing_reader.wasm").read_bytes()
    assert wasm[:4] == b"\0asm"
    # The build names the wasm it was made for; the vendored one is that one.
    assert hashlib.sha256(wasm).hexdigest() in exported
    assert not re.search(r"^import|from \"", exported, re.M)
    assert 'from "./zxing-exported.js"' in (VENDOR / "ponyfill.js").read_text()
    assert "setZXingModuleOverrides" in (VENDOR / "ponyfill.js").read_text()
    assert not any("writer" in p.name for p in VENDOR.iterdir())
    assert all((VENDOR / f"LICENSE.{n}").is_file() for n in ("barcode-detector", "zxing-wasm", "Apache-2.0"))


# --- scan.js, pure functions (Node) -----------------------------------------------------

NODE_CHECKS = r"""
import * as scan from "./scan.mjs";
const bases = ["http://127.0.0.1:8000/i/", "https://lieu.example/atelier/i/"];
const out = {
  scanned: Object.fromEntries(%(scanned)s.map((t) => [t, scan.codeFromScanned(t, bases)])),
  typed: Object.fromEntries(%(typed)s.map((t) => [t, scan.codeFromTyped(t)])),
  valid: Object.fromEntries(%(valid)s.map((t) => [t, scan.isValidCode(t)])),
};
console.log(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def node():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: scan.js's functions are checked in the browser tests only")
    return node


def _run_scan_js(node: str, tmp_path: Path, scanned=(), typed=(), valid=()) -> dict:
    shutil.copy(SCAN_JS, tmp_path / "scan.mjs")
    (tmp_path / "check.mjs").write_text(
        NODE_CHECKS
        % {
            "scanned": json.dumps(list(scanned)),
            "typed": json.dumps(list(typed)),
            "valid": json.dumps(list(valid)),
        }
    )
    result = subprocess.run([node, "check.mjs"], cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_scan_js_reads_this_lieus_labels_and_bare_codes_only(node, tmp_path):
    from exchange.ledger.codes import new_code

    code = new_code()
    scanned = {
        f"http://127.0.0.1:8000/i/{code}": code,
        f"http://127.0.0.1:8000/i/{code.lower()}/": code,
        f"https://lieu.example/atelier/i/{code}": code,
        f"https://LIEU.example/atelier/i/{code.replace('-', '%20')}": code,
        code: code,
        code.lower().replace("-", " "): code,
        f"https://elsewhere.example/i/{code}": None,  # another site's /i/
        f"https://lieu.example/i/{code}": None,  # not under the lieu's base path
        f"http://127.0.0.1:8000/i/{code}/edit": None,
        "PASSWORD": None,  # eight letters, but no valid check symbol
        "WIFI:S:atelier;T:WPA;P:secret;;": None,
        "": None,
    }
    result = _run_scan_js(node, tmp_path, scanned=scanned)["scanned"]
    assert result == scanned


def test_scan_js_reads_typed_codes_and_label_urls(node, tmp_path):
    typed = {
        "7k3m q9xj": "7K3M-Q9XJ",
        "  7K3M-Q9XJ\n": "7K3M-Q9XJ",
        "7k3mq9xj": "7K3M-Q9XJ",
        "https://lieu.example/i/7K3M-Q9XJ": "7K3M-Q9XJ",
        "http://other.example:8000/atelier/i/7k3m-q9xj/": "7K3M-Q9XJ",
        "lieu.example/i/7K3M-Q9XJ": "7K3M-Q9XJ",
        "7K3M-Q9XO": "7K3M-Q9XO",  # lookalikes and check symbols are the server's to read
        "abc": "abc",
        "https://lieu.example/items": None,
        "   ": None,
    }
    assert _run_scan_js(node, tmp_path, typed=typed)["typed"] == typed


def test_scan_js_check_symbol_agrees_with_the_ledger(node, tmp_path):
    from exchange.ledger.codes import CodeError, new_code, parse_code

    codes = [new_code() for _ in range(100)]
    candidates = codes + [c[:5] + ("A" if c[5] != "A" else "B") + c[6:] for c in codes]
    candidates += ["7k3m-q9xj", "7K3M-Q9XJ", "PASSWORD", "0O0O0O0O", "ILIL1L1L", "7K3M-Q9X"]

    def python_says(text: str) -> bool:
        try:
            parse_code(text)
            return True
        except CodeError:
            return False

    result = _run_scan_js(node, tmp_path, valid=candidates)["valid"]
    assert result == {c: python_says(c) for c in candidates}


def test_every_message_scan_js_shows_comes_from_the_page():
    """scan.js says only what the template hands it (data-msg-*), so every word is translated."""
    source = SCAN_JS.read_text()
    used = set(re.findall(r'"(msg[A-Z]\w+)"', source))
    given = {"msg" + "".join(part.title() for part in attr.split("-")) for attr in scan.SCRIPT_MESSAGES}
    assert used and used <= given, used - given
    french = translations("fr")
    assert all(french.gettext(m.msgid) != m.msgid for m in scan.SCRIPT_MESSAGES.values())


# --- the fake camera's video ------------------------------------------------------------


def _label(url: str, code: str) -> LabelContent:
    return LabelContent(
        url=url,
        code=code,
        title="Contreplaqué bouleau",
        category="plywood",
        dimensions="1200 × 400 × 18 mm",
        lieu="La Fabrique Test",
        workshop="Atelier bois",
    )


def test_y4m_file_parses_back(tmp_path):
    import zxingcpp

    url = "http://127.0.0.1:8000/i/7K3M-Q9XJ"
    frame = camera_frame(render_label(_label(url, "7K3M-Q9XJ"), LAYOUTS[DEFAULT_LAYOUT]))
    path = tmp_path / "label.y4m"
    written = write_y4m(path, [frame] * 3, fps=10)
    raw = path.read_bytes()
    header = raw[: raw.index(b"\n")].decode()
    assert header == "YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg"
    frame_size = 640 * 480 * 3 // 2
    assert len(raw) == len(header) + 1 + 3 * (len(b"FRAME\n") + frame_size)
    info, frames = read_y4m(path)
    assert info == written
    assert (info.width, info.height, info.frames) == (640, 480, 3)
    # The luma is the picture: a QR reader finds the label's URL in it.
    assert [r.text for r in zxingcpp.read_barcodes(frames[0])] == [url]


def test_y4m_refuses_odd_sizes(tmp_path):
    from PIL import Image

    with pytest.raises(ValueError):
        write_y4m(tmp_path / "odd.y4m", [Image.new("RGB", (641, 480))])


# --- the page, served by the app ---------------------------------------------------------


def _attr(html: str, name: str) -> str:
    return unescape(re.search(rf'{name}="([^"]*)"', html).group(1))


async def test_scan_page_carries_what_the_script_needs(client):
    """Everything scan.js reads comes in data- attributes; no inline script; all served here."""
    response = await client.get("/scan")
    assert response.status_code == 200
    # The camera and the WebAssembly decoder are allowed, by this origin only.
    assert "camera=(self)" in response.headers["permissions-policy"]
    assert "'wasm-unsafe-eval'" in response.headers["content-security-policy"]
    html = response.text
    assert 'id="scan"' in html and "<video" in html and "playsinline" in html
    assert re.search(r'<input[^>]*name="code"[^>]*autofocus', html, re.S)
    for attr, text in scan.SCRIPT_MESSAGES.items():
        assert _attr(html, f"data-msg-{attr}") == text.translate("fr")
    assert _attr(html, "data-msg-opening").count("{code}") == 1  # filled in by scan.js
    assert _attr(html, "data-item-path") == "/i/"
    assert _attr(html, "data-label-bases") == "https://lieu.example/i/"  # EXCHANGE_BASE_URL of the tests
    # Scripts only from static/js, no inline script; every URL it names is served.
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all(body.strip() == "" and 'src="/static/js/' in attrs for attrs, body in scripts)
    for attr in ("data-polyfill", "data-wasm"):
        url = _attr(html, attr)
        assert url.startswith("/static/vendor/barcode-detector/")
        assert (await client.get(url)).status_code == 200, url
    wasm = await client.get(_attr(html, "data-wasm"))
    assert wasm.headers["content-type"] == "application/wasm"  # else no streaming compile
    for url in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert (await client.get(unescape(url))).status_code == 200, url


async def test_scan_page_speaks_english_on_request(client):
    html = (await client.get("/scan", headers={"Accept-Language": "en-GB,en;q=0.9"})).text
    assert _attr(html, "data-msg-denied") == str(scan.SCRIPT_MESSAGES["denied"])
    assert "<h1>Scan a label</h1>" in html and '<html lang="en">' in html


async def test_scan_form_without_javascript_redirects_to_the_item(client):
    for typed in ("7k3m q9xj", "https://lieu.example/i/7K3M-Q9XJ", "7K3M-Q9XJ"):
        response = await client.get("/scan", params={"code": typed}, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/i/7K3M-Q9XJ"
    mistyped = await client.get("/scan", params={"code": "7K3M-Q9XK"})
    assert mistyped.status_code == 400 and "mal tapé" in unescape(mistyped.text)
    assert 'value="7K3M-Q9XK"' in mistyped.text
    nonsense = await client.get("/scan", params={"code": "<b>hello</b>"})
    assert nonsense.status_code == 400 and "n'est pas un code" in unescape(nonsense.text)
    assert "<b>hello" not in nonsense.text
    empty = await client.get("/scan", params={"code": " "})
    assert empty.status_code == 400 and scan.SCRIPT_MESSAGES["empty-typed"].translate("fr") in unescape(empty.text)


# --- in Chromium, on a live server: the fake camera films a label; typed codes -----------

from browser import MOBILE, Recorder, browser, launch_browser, live, page, page_locale, shoot  # noqa: E402,F401 (fixtures)

FAKE_CAMERA = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
DECODED = re.compile(r"scan: read (\S+) with the (\w+) detector, (\d+) ms after the page was opened")


def _intake(live, **extra) -> dict:
    body = {
        "category": "plywood",
        "title": "Contreplaqué bouleau",
        "workshop": "bois",
        "length_mm": 1200,
        "width_mm": 400,
        "thickness_mm": 18,
        **extra,
    }
    with live.api("steward") as api:
        answer = api.post("/api/v1/items", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def _typed_code(code: str) -> str:
    """How a person copies a code off a torn label: lower case, spaces instead of the hyphen."""
    return " ".join(code.replace("-", "").lower()[i : i + 2] for i in range(0, 8, 2))


def _wait_for_script(page) -> None:
    """scan.js has taken over the form (it leaves data-state="idle" when it starts)."""
    page.locator("#scan:not([data-state=idle])").wait_for(state="attached")


@contextmanager
def camera_tab(browser, video: Path, locale: str = "fr-FR"):
    """A page in a Chromium whose camera films `video` (looped), recording like `page` does,
    plus every request made and every console message."""
    camera = launch_browser(
        SimpleNamespace(chromium=browser.browser_type), FAKE_CAMERA + [f"--use-file-for-fake-video-capture={video}"]
    )
    try:
        context = camera.new_context(viewport=MOBILE, locale=locale, timezone_id="Europe/Paris")
        context.set_default_timeout(15_000)
        tab = context.new_page()
        recorder = Recorder()
        tab.requested, tab.logged, tab.recorder = [], [], recorder
        tab.artifact_prefix = "camera"
        tab.on("response", recorder.response)
        tab.on("requestfailed", recorder.failed)
        tab.on("console", recorder.console)
        tab.on("console", lambda message: tab.logged.append(message.text))
        tab.on("pageerror", lambda error: recorder.problems.append(f"page error: {error}"))
        tab.on("request", lambda request: tab.requested.append(request.url))
        yield tab
        context.close()
    finally:
        camera.close()
    assert not recorder.problems, "the browser saw problems:\n" + "\n".join(recorder.problems)


def test_camera_reads_a_label_and_opens_its_item(live, browser, tmp_path):
    item = _intake(live)
    code, url = item["code"], item["url"]
    assert url == f"{live.base}/i/{code}"  # what the label's QR code holds
    label = render_label(
        LabelContent(
            url=url,
            code=code,
            title=item["title"],
            category="plywood",
            dimensions="1200 × 400 × 18 mm",
            workshop="Atelier bois",
        ),
        LAYOUTS[DEFAULT_LAYOUT],
    )
    video = tmp_path / "camera.y4m"
    write_y4m(video, [camera_frame(label)] * 5, fps=10)

    with camera_tab(browser, video) as tab:
        started = time.monotonic()
        tab.goto(f"{live.base}/scan")
        tab.wait_for_url(f"{live.base}/i/{code}", timeout=10_000)
        elapsed = time.monotonic() - started
        assert item["title"] in tab.locator("main").inner_text()

    decoded = [m.groups() for m in map(DECODED.search, tab.logged) if m]
    assert decoded, f"scan.js did not say how it read the code: {tab.logged}"
    read, detector, after_ms = decoded[0]
    print(
        f"\n[{live.engine}] the {detector} BarcodeDetector read {read} {after_ms} ms after the page opened; "
        f"on the item's page {elapsed:.2f} s after goto"
    )
    assert read == code
    # Linux Chromium has no BarcodeDetector of its own: the vendored polyfill did the work,
    # with its WebAssembly from this server, and nothing was asked of any other host.
    assert detector == "polyfill"
    assert any(u.startswith(f"{live.base}/static/vendor/barcode-detector/zxing_reader.wasm") for u in tab.requested)
    assert all(u.startswith(live.base) for u in tab.requested), [
        u for u in tab.requested if not u.startswith(live.base)
    ]
    assert elapsed < 8


@pytest.mark.parametrize("live", ["sqlite"], indirect=True)  # the page alone: no database involved
def test_camera_shows_a_foreign_qr_code_and_stays(live, browser, tmp_path):
    """Another lieu's label (same /i/ path, another host): shown, not followed."""
    import qrcode

    foreign = "https://ailleurs.example/i/7K3M-Q9XJ"
    video = tmp_path / "foreign.y4m"
    write_y4m(video, [camera_frame(qrcode.make(foreign, border=4).get_image(), fill=0.6)] * 5, fps=10)
    with camera_tab(browser, video) as tab:
        tab.goto(f"{live.base}/scan")
        status = tab.locator("[data-status][data-message=msgNotLabel]")
        status.wait_for()
        assert foreign in status.inner_text() and "pas une étiquette" in status.inner_text()
        assert tab.locator("#scan").get_attribute("data-state") == "scanning"
        assert tab.locator("#scan").get_attribute("data-detector") == "polyfill"
        shoot(tab, "foreign-qr")  # the camera view, what it read; accessibility checks
        tab.wait_for_timeout(1000)  # it keeps scanning, and stays
        assert tab.url == f"{live.base}/scan"


def test_typed_code_opens_the_item(live, page):
    item = _intake(live)
    page.goto(f"{live.base}/scan")
    _wait_for_script(page)
    shoot(page, "scan")  # accessibility checks at 360 px and on a desktop, then screenshots
    assert page.evaluate("document.activeElement.id") == "scan-code"  # autofocus: type straight away
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.keyboard.type(_typed_code(item["code"]))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live.base}/i/{item['code']}")
    assert item["title"] in page.locator("main").inner_text()
    assert not any("/scan?" in u for u in requested)  # scan.js went straight there


def test_typed_label_url_opens_the_item(live, page):
    """A USB keyboard-wedge scanner types the label's whole URL, then Enter; a link that is
    not a label's stays on the page with a message."""
    item = _intake(live)
    page.goto(f"{live.base}/scan")
    _wait_for_script(page)
    page.keyboard.type("https://ailleurs.example/catalogue")
    page.keyboard.press("Enter")
    # scan.js says it on the key's event: waited for, as on a loaded machine it came after this
    # line had read the camera's message (CI, 2026-12-01).
    status = page.locator("[data-status][data-message=msgBadTyped]")
    status.wait_for()
    assert "ni un code ni un lien" in status.inner_text()
    assert page.url == f"{live.base}/scan"
    page.fill("#scan-code", "")
    page.keyboard.type(item["url"])
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live.base}/i/{item['code']}")
    assert item["title"] in page.locator("main").inner_text()
