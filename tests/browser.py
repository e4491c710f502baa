"""Browser tests: a real server on a fresh database, Debian's Chromium driven by Playwright.
Over 400 lines: the fixtures and helpers every browser test module shares, in one place.

Use in a test module:

    from browser import browser, live, page, shoot, log_in, api_token  # noqa: F401 (fixtures)

- `live` (parametrized sqlite/postgres): a real uvicorn subprocess serving `exchange.app:create_app`
  on a free 127.0.0.1 port, on a fresh database of its own (migrated; shipped categories;
  workshops `bois` and `metal`; members `member`, `steward`, `coordinator`, `other`
  @lieu.example, password PASSWORD). `live.base` is its URL, `live.media_dir` its photos.
- `browser`: Chromium (headless), once per module. `launch_browser(extra_args)` starts another
  (e.g. with a fake camera).
- `page`: a fresh context at 360 x 740 (French unless `page_locale` is overridden) that records
  console errors, page errors, failed requests and answers >= 400; the test fails on any, unless
  `page.allow(status, url_part)` said that one was expected.
- `shoot(page, name)`: screenshots at 360 x 740 and 1280 x 800 under test-artifacts/.
- `check_page(page)`: basic accessibility (lang, labels, alt, contrast, touch targets, no
  sideways scrolling at 360 px); `shoot` runs it too.

Without /usr/bin/chromium the browser tests are skipped, each saying so by name; under CI
(CI=true) a missing Chromium is a failure.

Fresh databases stay cheap: each engine is seeded once per session (in a subprocess, reusing
the app's own migrations and services) and every test gets a copy: a file copy on SQLite,
CREATE DATABASE ... TEMPLATE on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from engines import PG_ADMIN_DSN, UNDER_CI, postgres_reachable  # noqa: E402
from live_server import live_server  # noqa: E402

CHROMIUM = Path(os.environ.get("EXCHANGE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"
PASSWORD = "correct horse battery"
ROLES = ("member", "steward", "coordinator", "other")
MOBILE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
ENGINES = ["sqlite", "postgres"]

__all__ = [
    "browser",
    "live",
    "page",
    "page_locale",
    "live_module",
    "module_tab",
    "shoot",
    "check_page",
    "log_in",
    "api_token",
    "launch_browser",
    "Live",
    "PASSWORD",
    "MOBILE",
    "DESKTOP",
    "ARTIFACTS",
]


# ---------------------------------------------------------------------------------------------
# Seeding (runs in a subprocess: `python tests/browser.py seed DATABASE_URL`)


async def seed(url: str) -> None:
    """Migrate, then the same starting lieu as the `lieu` fixture: categories, two workshops, four members."""
    from exchange import db
    from exchange.auth.service import add_member
    from exchange.lieu.lieux import first_lieu_id
    from exchange.lieu.service import install_shipped_categories
    from exchange.tables import Workshop

    engine = db.engine_from_url(url)
    await db.migrate(engine)
    await db.start(engine)
    try:
        await install_shipped_categories()
        first = await first_lieu_id()
        await Workshop.insert(
            Workshop(slug="bois", name="Atelier bois", lieu=first),
            Workshop(slug="metal", name="Atelier métal", lieu=first),
        )
        for role in ROLES:
            name = "Other Member" if role == "other" else f"{role.title()} Person"
            await add_member(f"{role}@lieu.example", name, "member" if role == "other" else role, PASSWORD)
    finally:
        await db.stop(engine)


def _run_seed(url: str) -> None:
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "seed", url],
        cwd=ROOT,
        env={**os.environ, "EXCHANGE_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"seeding {url} failed:\n{result.stdout}\n{result.stderr}")


def _in_thread(coroutine_function):
    """Run a coroutine on a loop of its own in a thread of its own: Playwright's sync API keeps
    a loop running on the main thread, and the tests' session loop must be left alone."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine_function())).result()


def _pg(sql: str) -> None:
    import asyncpg

    async def run() -> None:
        connection = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    _in_thread(run)


def _pg_url(name: str) -> str:
    return f"{PG_ADMIN_DSN.rpartition('/')[0]}/{name}"


# ---------------------------------------------------------------------------------------------
# Fixtures


_pg_problem: str | None = None
_pg_checked = False


def _postgres_problem() -> str | None:
    global _pg_problem, _pg_checked
    if not _pg_checked:
        _pg_problem = _in_thread(postgres_reachable)
        _pg_checked = True
    return _pg_problem


def _require_chromium(request) -> None:
    if CHROMIUM.exists():
        return
    why = f"no Chromium at {CHROMIUM} (install Debian's package: apt-get install chromium, or `make browser` as root)"
    if UNDER_CI:
        pytest.fail(f"CI=true but {request.node.nodeid} cannot run: {why}")
    reason = f"browser test {request.node.nodeid} skipped: {why}"
    print(f"\n*** {reason}", file=sys.stderr)
    pytest.skip(reason)


_TEMPLATES: dict[str, str] = {}
_TEMPLATE_DIR = Path(tempfile.mkdtemp(prefix="exchange-browser-"))


@atexit.register
def _drop_templates() -> None:
    """One seeded database per engine lives for the session; tests copy it."""
    for engine, template in _TEMPLATES.items():
        if engine == "postgres":
            try:
                _pg(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
            except Exception:  # noqa: BLE001 - cleanup only
                pass
    shutil.rmtree(_TEMPLATE_DIR, ignore_errors=True)


def _template_for(engine: str) -> str:
    made, directory = _TEMPLATES, _TEMPLATE_DIR
    if engine not in made:
        if engine == "sqlite":
            path = directory / "template.db"
            _run_seed(f"sqlite:///{path}")
            made[engine] = str(path)
        else:
            name = f"exchange_browser_tpl_{uuid.uuid4().hex[:8]}"
            _pg(f'CREATE DATABASE "{name}"')
            made[engine] = name
            _run_seed(_pg_url(name))
    return made[engine]


@dataclass
class Live:
    base: str
    engine: str
    database_url: str
    media_dir: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def api(self, role: str | None = None) -> httpx.Client:
        """An API client, logged in as `role` when given."""
        headers = {"Authorization": f"Bearer {api_token(self, role)}"} if role else {}
        return httpx.Client(base_url=self.base, headers=headers, timeout=30)


@contextlib.contextmanager
def _serve(request, engine: str):
    """A real server on a fresh, seeded database of its own."""
    _require_chromium(request)
    if engine == "postgres" and (problem := _postgres_problem()):
        if UNDER_CI:
            pytest.fail(f"CI=true but PostgreSQL is not reachable ({problem})")
        pytest.skip(f"PostgreSQL not reachable ({problem})")
    template = _template_for(engine)
    work = Path(tempfile.mkdtemp(prefix="exchange-live-"))
    if engine == "sqlite":
        path = work / "exchange.db"
        shutil.copyfile(template, path)
        url = f"sqlite:///{path}"
    else:
        name = f"exchange_browser_{uuid.uuid4().hex[:10]}"
        _pg(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        url = _pg_url(name)
    media = work / "media"
    try:
        with live_server(url, env={"EXCHANGE_MEDIA_DIR": str(media)}) as base:
            yield Live(base=base, engine=engine, database_url=url, media_dir=media)
    finally:
        if engine == "postgres":
            _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(params=ENGINES)
def live(request):
    """A real server on a fresh, seeded database of its own."""
    with _serve(request, request.param) as served:
        yield served


@pytest.fixture(scope="module")
def live_module(request):
    """One real server (SQLite) for a whole module whose tests share their data: cheaper than a
    server per test when the pages, not the engines, are under test (the engines have theirs)."""
    with _serve(request, "sqlite") as served:
        yield served


@pytest.fixture(scope="module")
def module_tab(request):
    """One browser context for a whole module, at 360 x 740, French; `tab.recorder` collects
    console errors, failed requests and answers >= 400 (check and clear them per test)."""
    _require_chromium(request)
    browser = request.getfixturevalue("browser")
    # No service worker: its kept pages answer when the server is slow (6 s on a loaded machine),
    # and a kept login form carries a stale CSRF token; the offline tests have their own context.
    context = browser.new_context(
        viewport=MOBILE, locale="fr-FR", accept_downloads=True, timezone_id="Europe/Paris", service_workers="block"
    )
    context.set_default_timeout(15_000)
    recorder = Recorder()
    tab = context.new_page()
    tab.on("response", recorder.response)
    tab.on("requestfailed", recorder.failed)
    tab.on("console", recorder.console)
    tab.on("pageerror", lambda error: recorder.problems.append(f"page error: {error}"))
    tab.allow = lambda status, part="": recorder.allowed.append((status, part))
    tab.recorder = recorder
    tab.artifact_prefix = request.module.__name__.removeprefix("test_")
    yield tab
    context.close()


def api_token(live: Live, role: str) -> str:
    if role not in live.tokens:
        answer = httpx.post(f"{live.base}/api/v1/session", json={"email": f"{role}@lieu.example", "password": PASSWORD})
        answer.raise_for_status()
        live.tokens[role] = answer.json()["token"]
    return live.tokens[role]


def launch_browser(playwright, extra_args: list[str] | None = None):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS + (extra_args or []))


@pytest.fixture(scope="module")
def browser():
    """Chromium, once per test module: Playwright's sync API holds the main thread's event loop
    while it runs, so it must be gone before another module's async tests."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_browser(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page_locale() -> str:
    """The browser's language (Accept-Language); override in a module or test for English."""
    return "fr-FR"


class Recorder:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.allowed: list[tuple[int, str]] = []

    def response(self, response) -> None:
        if response.status >= 400 and not any(
            response.status == status and part in response.url for status, part in self.allowed
        ):
            self.problems.append(f"HTTP {response.status} {response.request.method} {response.url}")

    def failed(self, request) -> None:
        failure = request.failure or ""
        # net::ERR_ABORTED is the browser cancelling, not the server failing: a download ends its
        # navigation so, and leaving a page cancels what it was still loading. Answers >= 400
        # are caught in `response`, blocked requests (CSP...) by their own errors.
        if "ERR_ABORTED" in failure:
            return
        self.problems.append(f"request failed: {request.method} {request.url} ({failure})")

    def console(self, message) -> None:
        if message.type == "error":
            text = message.text
            # Chromium repeats an allowed >= 400 answer as a console error ("Failed to load resource").
            if "Failed to load resource" in text and self.allowed:
                return
            self.problems.append(f"console error: {text} at {message.location}")


@pytest.fixture
def page(request, page_locale):
    """A fresh browser context at 360 x 740; fails the test on any console error or failed request."""
    _require_chromium(request)
    browser = request.getfixturevalue("browser")
    context = browser.new_context(
        viewport=MOBILE, locale=page_locale, accept_downloads=True, timezone_id="Europe/Paris"
    )
    context.set_default_timeout(15_000)
    recorder = Recorder()
    tab = context.new_page()
    tab.on("response", recorder.response)
    tab.on("requestfailed", recorder.failed)
    tab.on("console", recorder.console)
    tab.on("pageerror", lambda error: recorder.problems.append(f"page error: {error}"))
    tab.allow = lambda status, part="": recorder.allowed.append((status, part))
    ids = getattr(getattr(request.node, "callspec", None), "id", "")
    name = request.node.originalname.removeprefix("test_")
    tab.artifact_prefix = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{name}-{ids}" if ids else name)
    yield tab
    context.close()
    assert not recorder.problems, "the browser saw problems:\n" + "\n".join(recorder.problems)


# ---------------------------------------------------------------------------------------------
# Helpers


def log_in(page, live: Live, role: str, next_path: str = "/") -> None:
    page.goto(f"{live.base}/login?next={next_path}")
    page.fill("#login-email", f"{role}@lieu.example")
    page.fill("#login-password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state()


A11Y_SCRIPT = r"""
({mobile}) => {
  const problems = [];
  const visible = (el) => {
    const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
  };
  if (!document.documentElement.lang) problems.push("<html> has no lang");
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden") continue;
    const named = (el.labels && el.labels.length) || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
    if (!named) problems.push(`unlabelled ${el.tagName.toLowerCase()} name=${el.name}`);
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push(`img without alt: ${img.src}`);
  }
  const parse = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = ({r, g, b}) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0.5) return c; } return {r: 255, g: 255, b: 255, a: 1}; };
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode; const el = node.parentElement;
    if (!node.textContent.trim() || !el || seen.has(el) || !visible(el)) continue;
    if (el.closest("option, script, style, [hidden], .visually-hidden")) continue;
    seen.add(el);
    const style = getComputedStyle(el); const fg = parse(style.color); if (!fg) continue;
    const bg = background(el); const l1 = lum(fg), l2 = lum(bg);
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(style.fontSize); const bold = parseInt(style.fontWeight, 10) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) problems.push(`contrast ${ratio.toFixed(2)} < ${needed}: "${node.textContent.trim().slice(0, 40)}"`);
  }
  if (mobile) {
    if (document.documentElement.scrollWidth > window.innerWidth + 1)
      problems.push(`sideways scrolling: ${document.documentElement.scrollWidth}px wide at ${window.innerWidth}px`);
    const targets = "button, a.button, input:not([type=hidden]):not([type=checkbox]):not([type=file]), select, summary, nav a";
    for (const el of document.querySelectorAll(targets)) {
      if (!visible(el) || el.closest("footer, .ledger, .card")) continue;
      const r = el.getBoundingClientRect();
      if (r.height < 44) problems.push(`small touch target (${Math.round(r.height)}px): ${el.tagName.toLowerCase()} "${(el.textContent || el.name || "").trim().slice(0, 30)}"`);
    }
  }
  return problems;
}
"""


def check_page(page, mobile: bool = True) -> list[str]:
    """Basic accessibility problems of the page as shown (empty when fine)."""
    return page.evaluate(A11Y_SCRIPT, {"mobile": mobile})


def shoot(page, name: str, check: bool = True) -> list[Path]:
    """Screenshots at 360 x 740 and 1280 x 800 (full page), after the accessibility checks."""
    directory = ARTIFACTS / "browser"
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for size in (MOBILE, DESKTOP):
        page.set_viewport_size(size)
        if check:
            problems = check_page(page, mobile=size is MOBILE)
            assert not problems, f"{name} at {size['width']} px: " + "; ".join(problems)
        path = directory / f"{page.artifact_prefix}-{name}-{size['width']}x{size['height']}.png"
        page.screenshot(path=str(path), full_page=True)
        paths.append(path)
    page.set_viewport_size(MOBILE)
    return paths


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "seed":
        sys.path.insert(0, str(ROOT))
        asyncio.run(seed(sys.argv[2]))
    else:
        raise SystemExit("usage: python tests/browser.py seed DATABASE_URL")
