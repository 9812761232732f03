"""The review UI over HTTP for service tests: a logged-in test client and its fixture."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.users import create_user
from paperclerk.storage.workspaces import create_api_key, create_workspace
from paperclerk.web.app import create_app


@dataclass
class Ui:
    client: TestClient
    url: str
    data_dir: Path
    ws_a: str
    ws_b: str
    key_a: str
    key_b: str

    def csrf(self) -> str:
        page = self.client.get("/login").text
        found = re.search(r'name="csrf-token" content="([^"]+)"', page)
        assert found
        return found.group(1)

    def login(self, email: str = "rev@x.org", password: str = "secret-password") -> str:
        token = self.csrf()
        r = self.client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": token},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        return self.csrf_of("/review")

    def csrf_of(self, path: str) -> str:
        found = re.search(r'name="csrf-token" content="([^"]+)"', self.client.get(path).text)
        assert found
        return found.group(1)


@pytest.fixture
def ui(db_url: str, tmp_path: Path) -> Iterator[Ui]:
    data_dir = tmp_path / "data"
    app = create_app(db_url, data_dir)
    factory = make_session_factory(make_engine(db_url))
    with factory.begin() as s:
        a = create_workspace(s, "a").id
        b = create_workspace(s, "b").id
        key_a, key_b = create_api_key(s, a).key, create_api_key(s, b).key
        create_user(s, "rev@x.org", "secret-password", "reviewer", [a])
        create_user(s, "boss@x.org", "boss-password", "admin")
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Ui(client, db_url, data_dir, a, b, key_a, key_b)
