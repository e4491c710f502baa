"""Every error as RFC 9457 problem details: type, title, status, detail; never a stack trace."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from exchange.ledger.codes import CodeError
from exchange.ledger.rules import Conflict, Forbidden, Invalid, LedgerError, NotFound
from exchange.messages import Message, _

log = logging.getLogger("exchange")
MEDIA_TYPE = "application/problem+json"


def problem(status: int, detail: str | Message, **extra: Any) -> Response:
    """`detail` in English; a Message adds its id (`message_id`, stable across wordings of other
    languages) and values (`values`), so a client can show it in its reader's language."""
    if isinstance(detail, Message):
        extra = {"message_id": detail.msgid, "values": _plain(detail.params) or None, **extra}
    body = {
        "type": f"https://exchange.tiers-lieu/problems/{status}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": str(detail),
        **{k: v for k, v in extra.items() if v is not None},
    }
    return Response(body, status_code=status, media_type=MEDIA_TYPE)


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v if isinstance(v, int | float | str | bool) or v is None else str(v) for k, v in params.items()}


def _for_people(request: Request) -> bool:
    """Pages (not /api) answer with an HTML page in the lieu's style."""
    from exchange.web.errors import is_page

    return is_page(request)


def _page(request: Request, status: int, detail: str) -> Response:
    from exchange.web.errors import error_page

    return error_page(request, status, detail)


# The ledger's errors and the status each is answered with: the rules themselves know no HTTP.
LEDGER_STATUS: dict[type[Exception], int] = {
    Invalid: 422,
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    CodeError: 400,
    LedgerError: 400,
}


def status_of(error: Exception) -> int:
    """The HTTP status of a refusal. An error of another area may name its own (`status_code`:
    a printer that does not answer is a 504); the ledger's kinds are mapped here, nearest first."""
    own = getattr(type(error), "status_code", None)
    if isinstance(own, int):
        return own
    for kind in type(error).__mro__:
        if kind in LEDGER_STATUS:
            return LEDGER_STATUS[kind]
    return 400


def _ledger_error(request: Request, error: LedgerError) -> Response:
    status = status_of(error)
    if _for_people(request):
        return _page(request, status, error.text)
    return problem(status, error.text, field=getattr(error, "field", None))


def _code_error(request: Request, error: CodeError) -> Response:
    if _for_people(request):
        return _page(request, 400, error.text)
    return problem(400, error.text, field="code")


def _validation_error(request: Request, error: ValidationException) -> Response:
    """Litestar reports bad bodies and parameters; a value out of bounds is a 422 naming its field."""
    errors = error.extra if isinstance(error.extra, list) else []
    if _for_people(request):
        fields = ", ".join(dict.fromkeys(str(e["key"]) for e in errors if isinstance(e, dict) and e.get("key")))
        text = (
            _("A value in the address or the form is not what this page expects: %(fields)s.", fields=fields)
            if fields
            else _("The address or the form is not what this page expects.")
        )
        return _page(request, 400, text)
    messages = [str(e.get("message", "")) for e in errors if isinstance(e, dict)]
    fields = [str(e["key"]) for e in errors if isinstance(e, dict) and e.get("key")]
    malformed = not errors or any("malformed" in m.lower() or "invalid json" in m.lower() for m in messages)
    if malformed:
        return problem(400, "The request body is not valid JSON.")
    detail = "; ".join(f"{f}: {m}" if f and f not in m else m for f, m in zip(fields + [""] * len(messages), messages))
    return problem(422, detail or error.detail, field=fields[0] if fields else None, errors=errors)


def _http_error(request: Request, error: HTTPException) -> Response:
    if _for_people(request):
        return _page(request, error.status_code, error.detail)
    return problem(error.status_code, error.detail, headers=None)


def _unexpected(request: Request, error: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    if _for_people(request):
        return _page(request, 500, "")
    return problem(500, "Something went wrong on our side; nothing was recorded. Please try again.")


EXCEPTION_HANDLERS = {
    LedgerError: _ledger_error,
    CodeError: _code_error,
    ValidationException: _validation_error,
    HTTPException: _http_error,
    Exception: _unexpected,
}
