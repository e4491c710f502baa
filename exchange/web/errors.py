"""Error pages for people: 404, 403, 500 and the rest in the lieu's style; a 401 sends to the login page.

The API (/api/...) keeps answering with problem details; exchange.problems decides which."""

from __future__ import annotations

from urllib.parse import urlsplit

from litestar import Request, Response
from litestar.response import Redirect

from exchange.web import i18n
from exchange.web.render import current_path, page, query_url, safe_next


def is_page(request: Request) -> bool:
    path = request.scope.get("path", "")
    return not (path == "/api" or path.startswith("/api/") or path.startswith("/schema"))


def error_page(request: Request, status: int, detail: str = "") -> Response:
    """The HTML answer to an error on a page."""
    if status == 401:
        return Redirect(path=query_url("/login", {"next": _back_after_login(request)}), status_code=303)
    lang_detail = i18n.translate_error(_lang(request), detail) if detail else ""
    if status == 404:
        title, text = "error.404_title", "error.404"
    elif status == 403:
        title, text = "error.403_title", "error.csrf" if "CSRF" in detail else "error.403"
        lang_detail = ""
    elif status == 413:
        title, text = "error.generic_title", "error.too_big"
        lang_detail = ""
    elif status >= 500:
        title, text = "error.500_title", "error.500"
        lang_detail = ""
    else:
        title, text = "error.generic_title", ""
    try:
        return page(
            request, "errors/error.html", status_code=status, title_key=title, text_key=text, detail=lang_detail
        )
    except Exception:  # the error page itself must never fail: plain text then
        return Response(content=detail or "Error", status_code=status, media_type="text/plain")


def _back_after_login(request: Request) -> str:
    """Where to return after logging in: this page, or for a form sent while logged out, the
    page the form was on (a login cannot replay a POST)."""
    if request.method == "GET":
        return current_path(request)
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc == request.headers.get("host"):
        return safe_next(referer.path + (f"?{referer.query}" if referer.query else ""))
    return "/"


def _lang(request: Request) -> str:
    from exchange.web.render import lang_of

    return lang_of(request)
