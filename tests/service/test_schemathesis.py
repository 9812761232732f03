"""Property-based API tests from the OpenAPI spec: no request, however odd, gets a 5xx."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.workspaces import create_api_key, create_workspace
from paperclerk.web.app import create_app

pytestmark = pytest.mark.slow


def test_no_operation_answers_with_a_server_error(db_url: str, tmp_path: Path) -> None:
    url = db_url
    app = create_app(url, tmp_path)
    with make_session_factory(make_engine(url)).begin() as session:
        key = create_api_key(session, create_workspace(session, "fuzz").id).key
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(headers={"Authorization": f"Bearer {key}"})
            case.validate_response(response, checks=[not_a_server_error])

        check()
