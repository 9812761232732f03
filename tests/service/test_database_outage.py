"""Issue 15: a database restart is waited out by the API, never answered with a 500."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

import paperclerk.storage.db as db
import paperclerk.web.state as web_state
from paperclerk.storage.db import while_unavailable
from tests.service.test_api import Api, receipt_png
from tests.service.test_api import api as api  # the API tests' fixture, re-exported


def _outage(times: int, then: object) -> object:
    calls = {"n": 0}

    def call(*_: object, **__: object) -> object:
        calls["n"] += 1
        if calls["n"] <= times:
            raise OperationalError("SELECT 1", {}, Exception("the database is shutting down"))
        return then(*_, **__) if callable(then) else then

    return call


def test_a_short_outage_is_waited_out_and_a_long_one_is_raised() -> None:
    assert while_unavailable(_outage(3, "ok"), wait_s=5) == "ok"  # type: ignore[arg-type]
    with pytest.raises(OperationalError):
        while_unavailable(_outage(100, "ok"), wait_s=0.5)  # type: ignore[arg-type]


def test_the_api_answers_through_a_restart(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    r = api.client.post("/v1/documents", files={"file": ("r.png", receipt_png(), "image/png")},
                        headers={**api.headers(), "Idempotency-Key": "k1"})  # fmt: skip
    assert r.status_code == 202
    document_id = r.json()["id"]
    # the key check of a read fails twice, as while PostgreSQL restarts, then works again
    monkeypatch.setattr(web_state, "authenticate", _outage(2, web_state.authenticate))
    assert api.client.get(f"/v1/documents/{document_id}", headers=api.headers()).status_code == 200


def test_a_database_that_stays_away_is_a_503_to_retry(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "UNAVAILABLE_WAIT_S", 0.5)
    monkeypatch.setattr(web_state, "authenticate", _outage(10_000, None))
    r = api.client.get("/v1/documents", headers=api.headers())
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert r.json()["error"]["code"] == "database_unavailable"
    # an upload's key is checked by the body-limit middleware, outside the app's handlers
    r = api.client.post("/v1/documents", files={"file": ("r.png", receipt_png(), "image/png")},
                        headers=api.headers())  # fmt: skip
    assert r.status_code == 503 and r.json()["error"]["code"] == "database_unavailable"
