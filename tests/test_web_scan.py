"""The /scan page: vendored polyfill, scan.js's code reading, the y4m fake camera, the
page controller, and (in a real Chromium) the camera and the typed codes end to end."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest

from exchange.labels.draw import LabelContent, render_label
from exchange.labels.layouts import DEFAULT_LAYOUT, LAYOUTS
from exchange.web import i18n, scan
from y4m import camera_frame, read_y4m, write_y4m

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
    (tmp_path / "check.mjs").write_text(NODE_CHECKS % {
        "scanned": json.dumps(list(scanned)), "typed": json.dumps(list(typed)), "valid": json.dumps(list(valid)),
    })
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


# --- the fake camera's video ------------------------------------------------------------


def _label(url: str, code: str) -> LabelContent:
    return LabelContent(url=url, code=code, title="Contreplaqué bouleau", category="plywood",
                        dimensions="1200 × 400 × 18 mm", lieu="La Fabrique Test", workshop="Atelier bois")


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
    for attr, key in scan.SCRIPT_MESSAGES.items():
        assert _attr(html, f"data-msg-{attr}") == i18n.translate("fr", key)
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
    assert _attr(html, "data-msg-denied") == scan.MESSAGES["scan.denied"][1]
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
    assert empty.status_code == 400 and i18n.translate("fr", "code.empty") in unescape(empty.text)
