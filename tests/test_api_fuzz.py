"""schemathesis over the whole JSON API, as a customer and as an agent, on SQLite and
PostgreSQL: no generated request, however odd, gets a 5xx, and every answer's status is one
the OpenAPI document declares for that operation.

Bounded (a few examples per operation) so that it runs in `make test`; a deeper run is
`WALLETDESK_FUZZ_EXAMPLES=200 pytest tests/test_api_fuzz.py`.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import status_code_conformance

from walletdesk.db import session_scope
from walletdesk.identity import service as identity

EXAMPLES = int(os.environ.get("WALLETDESK_FUZZ_EXAMPLES", "10"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


def _fuzz(app, sign_in: Callable[[], dict[str, str]]) -> list[str]:
    """Every operation of the API, each with a few generated requests and a fresh token (one
    of the operations signs out); what went wrong."""
    failures: list[str] = []
    for result in schemathesis.openapi.from_asgi(
        "/openapi.json", app, timeout=120
    ).get_all_operations():
        operation = result.ok()
        headers = sign_in()

        @FUZZ
        @given(case=operation.as_strategy())
        def run(case) -> None:
            response = case.call(headers=headers)
            assert response.status_code < 500, (response.status_code, response.text[:300])
            case.validate_response(response, checks=[status_code_conformance])

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # each operation's first failure
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:600])
    return failures


def _token_for(app, user_id: int) -> dict[str, str]:
    """A fresh API token without a password (the fuzzing trips the sign-in throttle)."""
    with session_scope(app.state.sessionmaker) as db:
        user = identity.get_user(db, user_id=user_id)
        token = identity.start_session(db, settings=app.state.settings, user=user, kind="api")
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("role", ["customer", "agent"])
def test_no_generated_request_gets_a_server_error_or_an_undeclared_status(app, people, role):
    user_id = getattr(people, role).id
    failures = _fuzz(app, lambda: _token_for(app, user_id))
    assert not failures, "\n".join(failures)
