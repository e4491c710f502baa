"""Error pages for people: 404, 403, 500 and the rest in the lieu's style; a 401 sends to the login page.

The API (/api/...) keeps answering with problem details; exchange.problems decides which."""

from __future__ import annotations

from urllib.parse import urlsplit

from litestar import Request, Response
from litestar.response import Redirect

from exchange.messages import Message, _
from exchange.web.render import current_path, page, query_url, safe_next


def is_page(request: Request) -> bool:
    path = request.scope.get("path", "")
    return not (path == "/api" or path.startswith("/api/") or path.startswith("/schema"))


def error_page(request: Request, status: int, detail: Message | str = "") -> Response:
    """The HTML answer to an error on a page: its title and text, and the error's own message when
    it has one (a Message raised by the ledger; Litestar's English phrases such as "Not Found" are
    not shown, the title says it)."""
    if status == 401:
        return Redirect(path=query_url("/login", {"next": _back_after_login(request)}), status_code=303)
    lang_detail = detail if isinstance(detail, Message) else ""
    if status == 404:
        title, text = (
            _("Page not found"),
            _("This page does not exist (or no longer does). Check the address, or start again from home."),
        )
    elif status == 403:
        title, text = (
            _("Not allowed"),
            _("The form has expired or came from elsewhere: reload the page and try again.")
            if "CSRF" in str(detail)
            else _("Your role does not allow this. Ask a workshop steward or the coordinator."),
        )
        lang_detail = ""
    elif status == 413:
        title, text = _("Not possible"), _("File too large (10 MB at most).")
        lang_detail = ""
    elif status >= 500:
        title, text = _("Something went wrong"), _("An error on our side; nothing was recorded. Try again in a moment.")
        lang_detail = ""
    else:
        title, text = _("Not possible"), ""
    try:
        return page(request, "errors/error.html", status_code=status, title=title, text=text, detail=lang_detail)
    except Exception:  # the error page itself must never fail: plain text then
        return Response(content=str(detail) or "Error", status_code=status, media_type="text/plain")


def _back_after_login(request: Request) -> str:
    """Where to return after logging in: this page, or for a form sent while logged out, the
    page the form was on (a login cannot replay a POST)."""
    if request.method == "GET":
        return current_path(request)
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc == request.headers.get("host"):
        return safe_next(referer.path + (f"?{referer.query}" if referer.query else ""))
    return "/"
