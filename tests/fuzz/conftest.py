"""Fixtures of the fuzz tests: one API on SQLite for a whole module (hypothesis reuses it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.workspaces import create_api_key, create_workspace
from paperclerk.web.app import create_app
from tests.service.test_api import Api


@pytest.fixture(scope="module")
def fuzz_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """An API over a fresh SQLite database with two workspaces and a key for each."""
    tmp = tmp_path_factory.mktemp("fuzz-api")
    url = f"sqlite:///{tmp / 'paperclerk.db'}"
    app = create_app(url, tmp / "data")
    engine = make_engine(url)
    with make_session_factory(engine).begin() as session:
        a = create_workspace(session, "a").id
        b = create_workspace(session, "b").id
        key_a, key_b = create_api_key(session, a).key, create_api_key(session, b).key
    engine.dispose()
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, url, tmp / "data", key_a, key_b)
