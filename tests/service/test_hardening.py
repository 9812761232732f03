"""Issue 15: private data folder, security headers, metrics access, one file per upload,
login throttling and the password policy."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from paperclerk.cli import app as cli_app
from paperclerk.settings import get_settings
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.errors import InvalidRequestError
from paperclerk.storage.users import create_user, recent_logins
from paperclerk.web.app import create_app
from paperclerk.web.ui.throttle import LoginThrottle
from tests.service.test_api import receipt_png
from tests.service.ui_client import Ui

LOOPBACK = ("127.0.0.1", 50000)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_data_folder_and_database_are_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    create_app(f"sqlite:///{data_dir / 'paperclerk.db'}", data_dir)
    assert _mode(data_dir) == 0o700
    assert _mode(data_dir / "paperclerk.db") == 0o600
    for extra in ("paperclerk.db-wal", "paperclerk.db-shm", "secret_key"):
        if (data_dir / extra).exists():
            assert _mode(data_dir / extra) & 0o077 == 0, extra
    cli_dir = tmp_path / "cli-data"
    args = ["admin", "create-workspace", "a", "--data-dir", str(cli_dir)]
    result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 0, result.output
    assert _mode(cli_dir) == 0o700 and _mode(cli_dir / "paperclerk.db") == 0o600


def test_every_response_carries_the_security_headers(ui: Ui) -> None:
    for path in ("/login", "/review", "/static/review.js", "/healthz", "/v1/documents", "/nope"):
        r = ui.client.get(path, follow_redirects=False)
        assert r.headers["x-frame-options"] == "DENY", path
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["referrer-policy"] == "same-origin", path
        csp = r.headers["content-security-policy"]
        assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp, path
    docs = ui.client.get("/docs")
    assert docs.status_code == 200 and "content-security-policy" not in docs.headers
    assert docs.headers["x-frame-options"] == "DENY"


def test_metrics_need_a_token_or_a_loopback_client(ui: Ui, monkeypatch: pytest.MonkeyPatch) -> None:
    assert ui.client.get("/metrics").status_code == 403
    local = TestClient(ui.client.app, client=LOOPBACK)
    assert "paperclerk_documents" in local.get("/metrics").text
    monkeypatch.setenv("PAPERCLERK_METRICS_TOKEN", "scrape-me")
    get_settings.cache_clear()
    try:
        assert local.get("/metrics").status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert ui.client.get("/metrics", headers=wrong).status_code == 401
        right = {"Authorization": "Bearer scrape-me"}
        r = ui.client.get("/metrics", headers=right)
        assert r.status_code == 200 and "paperclerk_documents" in r.text
    finally:
        get_settings.cache_clear()


def test_two_file_parts_in_one_upload_are_refused(ui: Ui) -> None:
    files = [("file", ("a.png", receipt_png("A\nTOTAL 1.00"))),
             ("file", ("b.png", receipt_png("B\nTOTAL 2.00")))]  # fmt: skip
    headers = {"Authorization": f"Bearer {ui.key_a}"}
    r = ui.client.post("/v1/documents", files=files, headers=headers)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "multiple_files"
    listed = ui.client.get("/v1/documents", headers=headers).json()
    assert listed["items"] == []
    one = ui.client.post("/v1/documents", files=files[:1], headers=headers)
    assert one.status_code == 202, one.text


def _try(ui: Ui, email: str, password: str) -> int:
    r = ui.client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": ui.csrf()},
        follow_redirects=False,
    )
    return r.status_code


def test_failed_logins_lock_the_account_then_the_address(
    ui: Ui, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.WARNING, logger="paperclerk.audit")
    now = [1000.0]
    throttle = LoginThrottle(5, 900, clock=lambda: now[0])
    ui.client.app.state.login_throttle = throttle  # type: ignore[attr-defined]
    assert [_try(ui, "rev@x.org", f"wrong {n}") for n in range(5)] == [401] * 5
    r = ui.client.post(
        "/login",
        data={"email": "rev@x.org", "password": "secret-password", "csrf_token": ui.csrf()},
        follow_redirects=False,
    )
    assert r.status_code == 429 and r.headers["retry-after"] == "900"
    assert "Too many failed logins" in r.text
    failed = [m for m in caplog.messages if m.startswith("login failed")]
    assert len(failed) == 5 and all("rev@x.org" in m for m in failed)
    assert any(m.startswith("login locked: account:rev@x.org") for m in caplog.messages)
    assert any(m.startswith("login refused, locked") for m in caplog.messages)
    # another account from the same address is not locked by these ...
    assert _try(ui, "boss@x.org", "boss-password") == 303
    # ... until the address has failed four times the account limit
    for n in range(15):
        assert _try(ui, f"nobody{n}@x.org", "guess guess guess") == 401
    assert _try(ui, "boss@x.org", "boss-password") == 429
    assert any(m.startswith("login locked: address:") for m in caplog.messages)
    now[0] += 901
    assert _try(ui, "rev@x.org", "secret-password") == 303
    # every attempt is in the database's security audit, and an admin can list it
    with make_session_factory(make_engine(ui.url))() as session:
        events = [(e.email, e.outcome) for e in reversed(recent_logins(session, 100))]
    assert events[:7] == [("rev@x.org", "failed")] * 4 + [
        ("rev@x.org", "locked"), ("rev@x.org", "refused"), ("boss@x.org", "succeeded"),
    ]  # fmt: skip
    assert [o for _, o in events].count("locked") == 2  # the account, then the address
    assert events[-1] == ("rev@x.org", "succeeded")
    monkeypatch.setenv("PAPERCLERK_DATABASE_URL", ui.url)
    get_settings.cache_clear()
    try:
        listed = CliRunner().invoke(
            cli_app, ["admin", "login-events", "--limit", "3", "--data-dir", str(ui.data_dir)]
        )
    finally:
        monkeypatch.delenv("PAPERCLERK_DATABASE_URL")
        get_settings.cache_clear()
    assert listed.exit_code == 0, listed.output
    assert "succeeded" in listed.output and "refused" in listed.output


def test_the_password_policy_holds_wherever_users_are_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    from paperclerk.storage.migrate import upgrade

    upgrade(url)
    factory = make_session_factory(make_engine(url))
    bad = {"short": "elevenchars", "long": "x" * 1025, "name": "Anna@Example.com",
           "local": "anna"}  # fmt: skip
    for why, password in bad.items():
        with factory.begin() as s, pytest.raises(InvalidRequestError):
            create_user(s, "anna@example.com", password, "reviewer")
            pytest.fail(why)
    with factory.begin() as s:
        create_user(s, "anna@example.com", "twelve chars", "reviewer")
        create_user(s, "bert@example.com", "y" * 1024, "reviewer")
    runner = CliRunner()
    data = ["--data-dir", str(tmp_path / "cli")]
    result = runner.invoke(cli_app, ["admin", "create-user", "c@x.org", *data], input="short\n")
    assert result.exit_code == 2
    assert "invalid_request: the password needs at least 12 characters" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(
        cli_app, ["admin", "create-user", "c@x.org", *data], input="long enough now\n"
    )
    assert result.exit_code == 0, result.output
