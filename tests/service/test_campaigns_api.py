"""The campaigns API on SQLite and PostgreSQL: campaigns, decisions, duplicates, isolation."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from paperclerk.ingest.types import IngestedFile
from paperclerk.model import Document
from paperclerk.pipeline.run import process_ingested
from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.workspaces import create_api_key, create_workspace
from paperclerk.web.app import create_app
from paperclerk.worker import tasks
from tests.conftest import EXAMPLES
from tests.service.memory_worker import memory_worker

CAMPAIGN_YAML = (EXAMPLES / "campaign.yaml").read_text()
SCAN = (EXAMPLES / "receipt-scan.png").read_bytes()


@dataclass
class Api:
    client: TestClient
    key_a: str
    key_b: str

    def h(self, key: str | None = None, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.key_a}", **extra}


_cache: dict[str, Document] = {}


def cached_process(ingested: IngestedFile, **kwargs: Any) -> Document:
    """The real pipeline, run once per distinct file for the whole module (OCR is slow)."""
    if ingested.sha256 not in _cache:
        _cache[ingested.sha256] = process_ingested(ingested, **kwargs)
    return _cache[ingested.sha256].model_copy(deep=True)


@pytest.fixture
def api(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    # the worker (a thread here) reads receipts, then runs the slice's step on the result
    monkeypatch.setattr(tasks, "process_ingested", cached_process)
    app = create_app(db_url, tmp_path / "data")
    engine = make_engine(db_url)
    with make_session_factory(engine).begin() as session:
        a = create_workspace(session, "a").id
        b = create_workspace(session, "b").id
        key_a, key_b = create_api_key(session, a).key, create_api_key(session, b).key
    engine.dispose()
    with (
        memory_worker(db_url, tmp_path / "data"),
        TestClient(app, raise_server_exceptions=False) as client,
    ):
        yield Api(client, key_a, key_b)


def create(api: Api, key: str | None = None) -> Any:
    return api.client.post(
        "/v1/campaigns",
        content=CAMPAIGN_YAML,
        headers=api.h(key, **{"Content-Type": "application/yaml"}),
    )


def submit(
    api: Api,
    data: bytes,
    participant: str,
    key: str | None = None,
    campaign: str = "milo-april-2018",
    name: str = "r.png",
) -> Any:
    return api.client.post(
        f"/v1/campaigns/{campaign}/submissions",
        files={"file": (name, data, "image/png")},
        data={"participant_id": participant},
        headers=api.h(key),
    )


def test_campaigns_are_created_read_replaced_and_isolated(api: Api) -> None:
    r = create(api)
    assert r.status_code == 201, r.text
    assert r.json()["id"] == "milo-april-2018" and r.json()["min_spend"] == "27.55"
    assert create(api).json()["error"]["code"] == "campaign_exists"
    got = api.client.get("/v1/campaigns/milo-april-2018", headers=api.h())
    assert got.status_code == 200 and got.json()["products"][0]["id"] == "milo-3in1"
    body = {**got.json(), "min_spend": "10"}
    put = api.client.put("/v1/campaigns/milo-april-2018", json=body, headers=api.h())
    assert put.status_code == 200 and put.json()["min_spend"] == "10"
    assert [c["id"] for c in api.client.get("/v1/campaigns", headers=api.h()).json()] == [
        "milo-april-2018"
    ]
    other = api.client.get("/v1/campaigns/milo-april-2018", headers=api.h(api.key_b))
    assert other.status_code == 404 and other.json()["error"]["code"] == "campaign_not_found"
    assert api.client.get("/v1/campaigns", headers=api.h(api.key_b)).json() == []
    assert api.client.get("/v1/campaigns").status_code == 401


@pytest.mark.parametrize(
    ("content", "ctype"),
    [
        ("id: [", "application/yaml"),
        ("{", "application/json"),
        ("[1, 2]", "application/json"),
        (
            '{"id": "x", "starts": "2026-01-02", "ends": "2026-01-01",'
            ' "reward": {"kind": "fixed", "amount": 1}}',
            "application/json",
        ),
    ],
)
def test_bad_campaigns_are_422_with_a_code(api: Api, content: str, ctype: str) -> None:
    r = api.client.post("/v1/campaigns", content=content, headers=api.h(**{"Content-Type": ctype}))
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_campaign"


def test_bad_submissions_get_typed_errors(api: Api) -> None:
    assert submit(api, SCAN, "p1").status_code == 404  # no campaign yet
    create(api)
    r = submit(api, b"not an image at all", "p1")
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_media_type"
    from tests.unit.test_einvoice_read import SYNTHETIC_UBL

    r = submit(api, SYNTHETIC_UBL, "p1")  # an e-invoice is no receipt
    assert r.status_code == 415 and "e-invoice XML" in r.json()["error"]["message"]
    assert submit(api, b"", "p1").status_code == 422
    assert submit(api, SCAN[:200], "p1").status_code == 422  # truncated PNG
    missing = api.client.post(
        "/v1/campaigns/milo-april-2018/submissions",
        files={"file": ("r.png", SCAN, "image/png")},
        headers=api.h(),
    )
    assert missing.status_code == 422
    assert (
        api.client.get("/v1/campaigns/milo-april-2018/submissions/99", headers=api.h()).status_code
        == 404
    )


@pytest.mark.slow
def test_decision_duplicates_and_tenant_isolation(api: Api) -> None:
    create(api)
    first = submit(api, SCAN, "p1")
    assert first.status_code == 200, first.text
    body = first.json()
    rules = {f["rule_id"]: f for f in body["findings"]}
    assert body["outcome"] == "approved", body["reasons"]
    assert body["reward"] == "2.00"  # 10% of 27.55, capped at 2.00
    assert rules["campaign.date_window"]["evidence"]["date_read"] == "2018-04-12"  # last day
    assert rules["campaign.min_spend"]["evidence"]["spend"] == "27.55"  # exactly the minimum
    match = rules["campaign.products"]["evidence"]["matches"][0]
    # OCR reads "MIL0 3IN1 18X30G": only the alias (fuzzily) gets it to the product
    assert match["method"] == "fuzzy-alias" and match["product"] == "milo-3in1"
    assert match["matched_name"] == "MILO 3IN1 18X30G"
    sid = body["submission_id"]
    stored = api.client.get(f"/v1/campaigns/milo-april-2018/submissions/{sid}", headers=api.h())
    assert stored.json()["outcome"] == "approved"

    again = submit(api, SCAN, "p9").json()
    assert again["outcome"] == "rejected"
    dup = next(f for f in again["findings"] if f["rule_id"] == "duplicates.identical_file")
    assert f"same receipt as submission {sid} by participant p1" in dup["message"]
    assert dup["evidence"]["cross_participant"] is True

    # the same receipt photographed (another file): found from the picture or the content
    photo = submit(api, (EXAMPLES / "receipt-photo.jpg").read_bytes(), "p1", name="p.jpg").json()
    assert photo["outcome"] == "rejected"
    layers = {f["rule_id"] for f in photo["findings"] if not f["passed"]}
    assert layers & {"duplicates.same_picture", "duplicates.same_purchase"}

    # another workspace knows nothing of workspace a's receipts
    create(api, api.key_b)
    b = submit(api, SCAN, "p1", key=api.key_b).json()
    assert b["outcome"] == "approved"
    assert (
        api.client.get(
            f"/v1/campaigns/milo-april-2018/submissions/{sid}", headers=api.h(api.key_b)
        ).status_code
        == 404
    )


def test_the_original_is_stored_before_it_is_processed(
    api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    create(api)
    blobs = BlobStore.in_data_dir(tmp_path / "data")
    stored_when_read: list[bool] = []

    def failing_ocr(ingested: IngestedFile, **kwargs: Any) -> Document:
        stored_when_read.append(blobs.exists(ingested.sha256))
        raise RuntimeError("OCR crashed")

    monkeypatch.setattr(tasks, "process_ingested", failing_ocr)
    assert submit(api, b"not an image at all", "p1").status_code == 415
    assert not blobs.root.exists() or not any(blobs.root.rglob("*"))  # bad input: nothing kept
    assert submit(api, SCAN, "p1").status_code == 500
    assert stored_when_read == [True]  # kept before OCR, and kept although OCR failed
    assert blobs.get(hashlib.sha256(SCAN).hexdigest()) == SCAN


def test_aliases_learnt_from_reviewers(api: Api) -> None:
    create(api)
    r = api.client.post(
        "/v1/campaigns/milo-april-2018/aliases",
        json={"text": "NST MLO 3-1", "product_id": "milo-3in1"},
        headers=api.h(),
    )
    assert r.status_code == 201 and r.json() == {"text": "nst mlo 3 1", "product_id": "milo-3in1"}
    bad = api.client.post(
        "/v1/campaigns/milo-april-2018/aliases",
        json={"text": "X", "product_id": "nope"},
        headers=api.h(),
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "unknown_product"
