"""Item codes: 8 Crockford base32 symbols, the last a Luhn mod 32 check symbol.

Canonical form is upper case with a hyphen after four symbols, e.g. ``7K3M-Q9XA``.
Input is forgiving because people retype codes from torn labels with gloves on.
"""

import functools
import re
import secrets
from urllib.parse import unquote, urlsplit

from exchange.messages import MessageError, _

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BASE = len(ALPHABET)  # 32
BODY_LENGTH = 7
CODE_LENGTH = BODY_LENGTH + 1

_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}
# Letters people type for digits they look like (Crockford's decoding rules).
_LOOKALIKE = {"O": "0", "I": "1", "L": "1"}
_EXAMPLE = "7K3M-Q9XJ"  # a valid code, shown in error messages


class CodeError(MessageError, ValueError):
    """A code the user typed or scanned cannot be read."""


class MalformedCode(CodeError):
    """Wrong length or a character that no code contains."""


class MistypedCode(CodeError):
    """Well formed, but the check symbol does not match: a typo, not an unknown item."""


def check_symbol(body: str) -> str:
    """Luhn mod 32 check symbol of the 7 canonical body symbols."""
    total = 0
    factor = 2  # the rightmost body symbol is doubled
    for symbol in reversed(body):
        addend = factor * _VALUE[symbol]
        total += addend // BASE + addend % BASE
        factor = 3 - factor
    return ALPHABET[(BASE - total % BASE) % BASE]


def _canonical(symbols: str) -> str:
    return f"{symbols[:4]}-{symbols[4:]}"


# Every scan and every item's JSON reads its code: 3.9 µs a code symbol by symbol, 0.1 µs for a
# spelling read before (measured in-process, 2026-12-01). A refused spelling is not kept.
@functools.lru_cache(maxsize=4096)
def parse_code(raw: str) -> str:
    """Read a code as typed (any case, hyphens, spaces, O for 0, I/L for 1) into canonical form."""
    symbols: list[str] = []
    for char in raw:
        if char == "-" or char.isspace():
            continue
        upper = char.upper() if char.isascii() else char
        upper = _LOOKALIKE.get(upper, upper)
        if upper not in _VALUE:
            raise MalformedCode(
                _(
                    "This code contains '%(char)s', which no code uses: codes are made of digits and letters except I, L, O and U, like %(example)s.",
                    char=char,
                    example=_EXAMPLE,
                )
            )
        symbols.append(upper)
    if len(symbols) != CODE_LENGTH:
        raise MalformedCode(
            _(
                "This code has %(n)s symbols; a code has %(length)s, like %(example)s.",
                n=len(symbols),
                length=CODE_LENGTH,
                example=_EXAMPLE,
            )
        )
    body, check = "".join(symbols[:BODY_LENGTH]), symbols[BODY_LENGTH]
    if check_symbol(body) != check:
        raise MistypedCode(
            _("This code is mistyped: its check symbol does not match. Check each symbol against the label.")
        )
    return _canonical(body + check)


# The label URL is {base_url}/i/{code}; a keyboard-wedge scanner types it whole.
_LABEL_PATH = re.compile(r"(?:^|/)i/([^/]+)/?$")


def code_from_scan(text: str) -> str:
    """Canonical code from a typed code or a scanned label URL ending in /i/<code>."""
    text = text.strip()
    if "/" not in text:
        return parse_code(text)
    match = _LABEL_PATH.search(urlsplit(text).path)
    if match is None:
        raise MalformedCode(_("This link is not an Exchange label: it does not end in /i/ and a code."))
    return parse_code(unquote(match.group(1)))


def new_code() -> str:
    """A fresh random code in canonical form (uniqueness is the database's job)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return _canonical(body + check_symbol(body))
