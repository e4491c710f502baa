"""One's own account: the page to change one's password (the API's POST /api/v1/account/password)."""

from __future__ import annotations

from litestar import Request, Response, get, post

from exchange.auth import service as auth
from exchange.ledger.rules import LedgerError
from exchange.messages import _
from exchange.web.render import error_message, message, page, redirect


@get("/account/password", name="account-password")
async def password_form(request: Request) -> Response:
    return page(request, "account/password.html")


@post("/account/password", name="account-password-submit")
async def change_password(request: Request) -> Response:
    form = await request.form()
    current, new, again = (
        str(form.get(k) or "")[:1025] for k in ("current_password", "new_password", "new_password_again")
    )
    try:
        if new != again:
            raise LedgerError(_("the two new passwords differ"))
        # The session this page was sent from stays open; every other one ends.
        await auth.change_own_password(request.user, current, new, request.auth)
    except LedgerError as error:
        return page(request, "account/password.html", status_code=422, messages=[error_message(error)])
    return redirect("/", message("ok", _("Password changed. Your other sessions are closed.")))


ROUTES = [password_form, change_password]
