"""Schemathesis against the app's own OpenAPI document, logged in as a coordinator, on a real
server on both engines: no 5xx, and every 4xx a problem-details body."""

from __future__ import annotations

import httpx
import schemathesis
from conftest import PASSWORD
from hypothesis import HealthCheck, given, settings
from live_server import live_server

EXAMPLES = 400


def test_generated_requests_never_crash_the_server(lieu):
    counts = {"requests": 0, "2xx": 0, "4xx": 0}
    with live_server(lieu.url) as base:
        # A token of its own: a generated DELETE /api/v1/session revokes it, not the one the
        # other tests share.
        session = httpx.post(f"{base}/api/v1/session", json={"email": "coordinator@lieu.example", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {session.json()['token']}"}
        # A few real items, so that generated codes sometimes meet the ledger.
        for n in range(3):
            httpx.post(
                f"{base}/api/v1/items",
                json={
                    "category": "plywood",
                    "title": f"P{n}",
                    "workshop": "bois",
                    "length_mm": 500,
                    "width_mm": 300,
                    "thickness_mm": 18,
                },
                headers=headers,
            )
        schema = schemathesis.openapi.from_dict(httpx.get(f"{base}/schema/openapi.json").json())
        # A coordinator's password reset of member 1, 2, ... would end the sessions and change the
        # passwords the other tests share (tested in test_accounts.py instead).
        schema = schema.exclude(method="POST", path="/api/v1/members/{member_id}/password")
        strategy = schema.as_strategy()

        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def check(case):
            response = case.call(base_url=base, headers=headers, timeout=30)
            counts["requests"] += 1
            # Spreadsheets and PDFs are bytes, not text.
            shown = response.content[:300].decode("utf-8", "replace")
            label = f"{case.method} {case.path} -> {response.status_code}: {shown}"
            assert response.status_code < 500, label
            if response.status_code >= 400:
                counts["4xx"] += 1
                content_type = response.headers["content-type"]
                content_type = content_type[0] if isinstance(content_type, list) else content_type
                assert content_type.startswith("application/problem+json"), label
                problem = response.json()
                assert {"type", "title", "status", "detail"} <= problem.keys(), label
                assert problem["status"] == response.status_code, label
                assert "Traceback" not in response.text, label
            else:
                counts["2xx"] += 1

        check()
    print(
        f"\nschemathesis on {lieu.name}: {counts['requests']} requests, {counts['2xx']} 2xx, {counts['4xx']} 4xx, no 5xx"
    )
