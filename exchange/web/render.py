"""Rendering a page: the template context every page shares, flash messages, redirects, assets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, pass_context
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template
from litestar.template.config import TemplateConfig
from markupsafe import Markup, escape

from exchange.auth.guards import actor_of
from exchange.ledger.rules import Role, role_at_least
from exchange.messages import Message, translations
from exchange.settings import get_settings
from exchange.web import i18n

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).resolve().parents[2] / "static"
FLASH_COOKIE = "exchange_flash"
CSRF_COOKIE = "exchange_csrf"  # the forms' CSRF token (CSRFConfig in exchange/web/setup.py)


# ---------------------------------------------------------------------------------------------
# Language


def lang_of(connection: ASGIConnection) -> str:
    """The `lang` cookie set by the switch, else Accept-Language, else French."""
    state = connection.scope.setdefault("state", {})
    if "lang" not in state:
        state["lang"] = i18n.normalize_lang(connection.cookies.get(i18n.LANG_COOKIE)) or i18n.lang_from_accept_language(
            connection.headers.get("accept-language")
        )
    return state["lang"]


def secure_cookies() -> bool:
    return get_settings().base_url.startswith("https://")


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site: never `//elsewhere` or a full URL (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or target.startswith("/\\"):
        return default
    if any(c in target for c in "\r\n"):
        return default
    return target


def current_path(connection: ASGIConnection) -> str:
    query = connection.scope.get("query_string", b"").decode("latin-1")
    return connection.scope["path"] + (f"?{query}" if query else "")


# ---------------------------------------------------------------------------------------------
# Flash messages: a signed cookie read by the next page, then cleared.


def _sign(payload: bytes) -> str:
    return hmac.new(get_settings().secret.encode(), payload, hashlib.sha256).hexdigest()[:32]


def signed(value: str) -> str:
    """`value` with this server's signature, for a hidden field that must come back unchanged."""
    return f"{value}.{_sign(value.encode())}"


def unsigned(token: str | None) -> str | None:
    """The value of a `signed` token, or None when the signature does not match."""
    value, _, signature = (token or "").rpartition(".")
    return value if value and hmac.compare_digest(signature, _sign(value.encode())) else None


def flash_cookie(messages: list[dict[str, Any]]) -> Cookie:
    payload = base64.urlsafe_b64encode(json.dumps(messages, ensure_ascii=False).encode()).decode().rstrip("=")
    return Cookie(
        key=FLASH_COOKIE,
        value=f"{payload}.{_sign(payload.encode())}",
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure_cookies(),
        max_age=300,
    )


def read_flash(connection: ASGIConnection) -> list[dict[str, Any]]:
    raw = connection.cookies.get(FLASH_COOKIE)
    if not raw or "." not in raw:
        return []
    payload, _, signature = raw.rpartition(".")
    if not hmac.compare_digest(signature, _sign(payload.encode())):
        return []
    try:
        messages = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        return []
    return messages if isinstance(messages, list) else []


def message(level: str, text: Message | str, links: list[tuple[Message, str]] | None = None) -> dict[str, Any]:
    """A flash message: its id and values, translated when shown (a plain string is shown as it is)."""
    return {
        "level": level,
        "text": text.as_json() if isinstance(text, Message) else str(text),
        "links": [{"text": t.as_json(), "href": h} for t, h in links or []],
    }


def error_message(refusal: BaseException | Message | str) -> dict[str, Any]:
    """A refusal (an error with a message id, or a Message), translated when shown."""
    text = getattr(refusal, "text", refusal)
    return message("error", text if isinstance(text, Message) else str(text))


def _text(lang: str, value: Any) -> str:
    return Message.from_json(value).translate(lang) if isinstance(value, dict) else str(value or "")


def _shown(lang: str, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    shown = []
    for m in messages:
        if not isinstance(m, dict):
            continue
        try:
            text = _text(lang, m.get("text"))
            links = [
                {"text": _text(lang, link.get("text")), "href": safe_next(link.get("href"))}
                for link in m.get("links") or []
                if isinstance(link, dict)
            ]
        except (KeyError, TypeError, ValueError):  # a message from an older release's cookie
            continue
        shown.append({"level": m.get("level", "ok"), "text": text, "links": links})
    return shown


def redirect(path: str, *messages: dict[str, Any], status_code: int = 303) -> Redirect:
    """After a form: go to `path` (Post/Redirect/Get) and say what happened there."""
    cookies = [flash_cookie(list(messages))] if messages else None
    return Redirect(path=safe_next(path), status_code=status_code, cookies=cookies)


# ---------------------------------------------------------------------------------------------
# Pages


def page(request: Request, template: str, *, status_code: int = 200, **context: Any) -> Template:
    """Render `template` (which extends base.html) with what every page needs."""
    lang = lang_of(request)
    # A shell: the copy the service worker keeps for when the network is gone, rendered for
    # nobody in particular (no name, no form, no message meant for one person).
    shell = bool(context.pop("shell", False)) or request.query_params.get("shell") == "1"
    actor = None if shell else actor_of(request)
    pending = [] if shell else read_flash(request)
    flashes = _shown(lang, pending) + _shown(lang, context.pop("messages", []))
    base = {
        "lang": lang,
        "actor": actor,
        "is_member": actor is not None,
        "is_steward": actor is not None and role_at_least(actor.role, Role.steward),
        "is_coordinator": actor is not None and role_at_least(actor.role, Role.coordinator),
        "is_network": actor is not None and actor.network,
        "flashes": flashes,
        "lieu_name": get_settings().lieu_name,
        "path": request.scope["path"],
        "here": current_path(request),
        "shell": shell,
    }
    cookies = [Cookie(key=FLASH_COOKIE, value="", path="/", max_age=0, expires=0)] if pending else None
    # The same URL answers in the reader's language and with their login: never shared from a cache.
    headers = {"Vary": "Accept-Language, Cookie"}
    if actor is not None or pending:
        headers["Cache-Control"] = "no-store"
    return Template(
        template_name=template,
        context={**base, **context},
        status_code=status_code,
        cookies=cookies,
        headers=headers,
    )


def query_url(path: str, params: dict[str, Any]) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return path + ("?" + urlencode(clean, doseq=True) if clean else "")


# ---------------------------------------------------------------------------------------------
# Template globals


@cache
def _asset_version(name: str) -> str:
    path = STATIC / name
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    except OSError:
        return "0"


def asset(name: str) -> str:
    """/static/<name>?v=<content hash>: cached for long, never stale."""
    return f"/static/{name}?v={_asset_version(name)}"


def _lang(context: Any) -> str:
    if "lang" in context:
        return context["lang"]
    request = context.get("request")
    return lang_of(request) if request is not None else i18n.DEFAULT_LANG


@pass_context
def _finalize(context: Any, value: Any) -> Any:
    """A Message printed in a template ({{ title }}) shows in the reader's language."""
    return value.translate(_lang(context)) if isinstance(value, Message) else value


@pass_context
def _catalogued(context: Any, text: str | None) -> str:
    """Shipped data in the reader's language when the catalogue has it (the factor notes: babel.cfg
    extracts them from exchange/data/categories.json); a lieu's own text as it was written."""
    return translations(_lang(context)).gettext(text) if text else ""


def _escaped(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v if isinstance(v, Message | int | float | Decimal) else escape(v) for k, v in params.items()}


# The templates' _(), ngettext(), pgettext(): the same Message as the code's, translated and
# formatted the same way (plurals, decimal commas, elision); the values escaped, the text trusted.
@pass_context
def _gettext(context: Any, msgid: str, **params: Any) -> Markup:
    return Markup(Message(msgid, _escaped(params)).translate(_lang(context)))


@pass_context
def _ngettext(context: Any, singular: str, plural: str, n: int, **params: Any) -> Markup:
    return Markup(Message(singular, _escaped({"num": n, **params}), plural, n).translate(_lang(context)))


@pass_context
def _pgettext(context: Any, msgctxt: str, msgid: str, **params: Any) -> Markup:
    return Markup(Message(msgid, _escaped(params), context=msgctxt).translate(_lang(context)))


def _with_lang(function):
    @pass_context
    def bound(context: Any, *args: Any, **kwargs: Any) -> str:
        return function(*args, _lang(context), **kwargs)

    return bound


@pass_context
def _offline_words(context: Any) -> dict[str, str]:
    from exchange.web.offline import script_words  # it renders pages too: imported when first used

    return script_words(_lang(context))


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(16)


def environment() -> Environment:
    # Templates are compiled once per process: no stat of the template files on every render
    # (auto_reload), a restart picks up a changed template.
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        cache_size=-1,
        finalize=_finalize,
        extensions=["jinja2.ext.i18n"],
    )
    # {% trans %} calls the same functions with its values by name (newstyle).
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    env.globals.update(_=_gettext, gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext)
    env.filters["catalogued"] = _catalogued
    env.globals.update(
        status_names=i18n.STATUS_NAMES,
        role_names=i18n.ROLE_NAMES,
        mass_sources=i18n.MASS_SOURCES,
        num=_with_lang(i18n.format_number),
        kg=_with_lang(i18n.format_kg),
        mm=_with_lang(i18n.format_mm),
        dims=_with_lang(i18n.format_dimensions),
        date=_with_lang(i18n.format_date),
        datetime=_with_lang(i18n.format_datetime),
        asset=asset,
        idem=new_idempotency_key,
        query_url=query_url,
        offline_words=_offline_words,
    )
    return env


def template_config() -> TemplateConfig:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment()))
