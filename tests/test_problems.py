"""The ledger's errors carry no HTTP status: the edge (exchange/problems.py) maps each kind."""

from __future__ import annotations

import pytest

from exchange.auth.service import BadCredentials
from exchange.ledger import codes, rules
from exchange.problems import status_of


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (rules.Invalid("bad", field="x"), 422),
        (rules.NotFound("none"), 404),
        (rules.Forbidden("no"), 403),
        (rules.Conflict("late"), 409),
        (rules.LedgerError("refused"), 400),
        (codes.MistypedCode("typo"), 400),
        (BadCredentials("who?"), 401),  # another area's error may name its own status
    ],
)
def test_each_kind_of_refusal_has_its_status(error, status):
    assert status_of(error) == status


def test_the_ledger_knows_no_http():
    for kind in (rules.LedgerError, rules.Invalid, rules.NotFound, rules.Forbidden, rules.Conflict, codes.CodeError):
        assert not hasattr(kind, "status_code")
