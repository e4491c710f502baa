"""Home, login and logout, the language switch, one's own reservations, and the photos."""

from __future__ import annotations

import re

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import NotFoundException
from litestar.response import File, Redirect

from exchange.auth import service as auth
from exchange.auth.client_address import client_address
from exchange.auth.guards import SESSION_COOKIE, actor_of
from exchange.items import listing, present
from exchange.items.photos import media_path
from exchange.ledger.rules import LedgerError, NotFound
from exchange.messages import _
from exchange.web import i18n, queries
from exchange.web.item_page import local_url
from exchange.web.render import error_message, lang_of, message, page, redirect, safe_next, secure_cookies

SESSION_MAX_AGE = int(auth.TOKEN_LIFETIME.total_seconds())
MEDIA_NAME = re.compile(r"^[0-9a-f]{64}(?:-thumb)?\.jpg$")


def card(item, lang: str, categories: dict[str, str], workshops: dict[str, str]) -> dict:
    """What a card in a list shows of an item."""
    return {
        "item": item,
        "thumbnail": local_url(item.thumbnail_url),
        "category": categories.get(item.category, item.category),
        "workshop": workshops.get(item.workshop, item.workshop),
    }


@get("/", name="home")
async def home(request: Request) -> Response:
    lang = lang_of(request)
    recent = await listing.list_items(listing.ItemFilters(limit=6), actor_of(request))
    categories = await queries.category_names(lang)
    workshops = await queries.workshop_names()
    return page(request, "home.html", cards=[card(i, lang, categories, workshops) for i in recent.items])


@get("/login", name="login")
async def login_form(request: Request, next: str = "/") -> Response:
    if actor_of(request) is not None:
        return Redirect(path=safe_next(next), status_code=303)
    return page(request, "account/login.html", next=safe_next(next), email="")


@post("/login", name="login-submit")
async def login(request: Request) -> Response:
    form = await request.form()
    email = str(form.get("email") or "").strip()[:254]
    password = str(form.get("password") or "")[:1024]
    target = safe_next(str(form.get("next") or "/"))
    try:
        actor = await auth.log_in(email, password, client_address(request))
    except auth.TooManyAttempts as error:
        return page(
            request,
            "account/login.html",
            status_code=429,
            next=target,
            email=email,
            messages=[error_message(error)],
        )
    except LedgerError:
        return page(
            request,
            "account/login.html",
            status_code=422,
            next=target,
            email=email,
            messages=[message("error", _("Unknown e-mail or wrong password."))],
        )
    token = await auth.issue_token(actor)
    response = redirect(target, message("ok", _("Hello %(name)s!", name=actor.name)))
    response.set_cookie(
        key=SESSION_COOKIE,
        value=token,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure_cookies(),
        max_age=SESSION_MAX_AGE,
    )
    return response


@post("/logout", name="logout")
async def logout(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await auth.revoke_token(token)
    response = redirect("/", message("ok", _("You are logged out.")))
    response.delete_cookie(key=SESSION_COOKIE, path="/")
    return response


@get("/lang/{lang:str}", name="language")
async def switch_language(lang: str, next: str = "/") -> Response:
    """The visible switch: remembered for a year in a cookie, then back to the page."""
    chosen = i18n.normalize_lang(lang) or i18n.DEFAULT_LANG
    return Redirect(
        path=safe_next(next),
        status_code=303,
        cookies=[
            Cookie(
                key=i18n.LANG_COOKIE,
                value=chosen,
                path="/",
                max_age=365 * 24 * 3600,
                samesite="lax",
                secure=secure_cookies(),
            )
        ],
    )


@get("/me/reservations", name="my-reservations")
async def my_reservations(request: Request) -> Response:
    actor = actor_of(request)
    lang = lang_of(request)
    items = []
    for code in await queries.reserved_codes(actor.id):
        try:
            items.append(await present.get_item(code, actor))
        except NotFound:
            continue
    categories = await queries.category_names(lang)
    workshops = await queries.workshop_names()
    return page(request, "account/reservations.html", cards=[card(i, lang, categories, workshops) for i in items])


@get("/media/{name:str}", name="media", include_in_schema=False, opt={"exclude_from_auth": True})
async def media(name: str) -> File:
    """Photos, under content-hash names: the same name is always the same bytes."""
    if not MEDIA_NAME.match(name):
        raise NotFoundException("No such photo.")
    path = media_path(name)
    if not path.is_file():
        raise NotFoundException("No such photo.")
    return File(
        path=path,
        media_type="image/jpeg",
        content_disposition_type="inline",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )


ROUTES = [home, login_form, login, logout, switch_language, my_reservations, media]
