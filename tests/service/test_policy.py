"""Workspace decision policies on SQLite and PostgreSQL: API, worker, review check, UI."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.model import Decision, DecisionOutcome, DocType, Document
from paperclerk.pipeline.decide import decide
from paperclerk.pipeline.policy import packaged_policy
from paperclerk.queue.lease import claim
from paperclerk.review import BlockingProblemsError, Correction, Reviewer, approve, type_policy
from paperclerk.review.queue import reason_codes
from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.policies import (
    clear_policy_override,
    effective_policy,
    get_policy_override,
    set_policy_override,
)
from paperclerk.storage.tables import DocumentRow, ReviewItem, WorkspacePolicy
from paperclerk.storage.users import create_user
from paperclerk.storage.workspaces import create_api_key, create_workspace
from paperclerk.web.app import create_app
from paperclerk.web.ui.queue import reason_label
from paperclerk.worker.tasks import run_job
from tests.service.memory_worker import memory_worker
from tests.service.review_helpers import receipt_document, stored_document
from tests.service.test_api import receipt_png
from tests.service.ui_client import Ui

MANUAL_RECEIPTS = {"types": {"receipt": {"auto_approve": False}}}


@dataclass
class Api:
    client: TestClient
    url: str
    data_dir: Path
    ws_a: str
    ws_b: str
    key_a: str
    key_b: str

    def headers(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.key_a}"}

    def factory(self) -> sessionmaker[Session]:
        return make_session_factory(make_engine(self.url))

    def drain(self) -> int:
        """Run every queued job in this process; return how many ran."""
        factory, blobs, ran = self.factory(), BlobStore.in_data_dir(self.data_dir), 0
        while (job := claim(factory, "test")) is not None:
            run_job(factory, blobs, job)
            ran += 1
        return ran


@pytest.fixture
def api(db_url: str, tmp_path: Path) -> Iterator[Api]:
    data_dir = tmp_path / "data"
    app = create_app(db_url, data_dir)
    with make_session_factory(make_engine(db_url)).begin() as session:
        a = create_workspace(session, "a").id
        b = create_workspace(session, "b").id
        key_a, key_b = create_api_key(session, a).key, create_api_key(session, b).key
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, db_url, data_dir, a, b, key_a, key_b)


def packaged_json() -> dict[str, object]:
    return packaged_policy().model_dump(mode="json")


@pytest.mark.parametrize(
    "body",
    [
        {"types": {"passport": {"auto_approve": False}}},
        {"types": {"receipt": {"target_field_error": 2}}},
        {"types": {"receipt": {"gateing": ["total"]}}},
        {"types": {"receipt": {"required": ["total\u0000"]}}},
        {"receipts": {}},
        [1, 2],
        "receipt",
    ],
)
def test_a_bad_override_answers_422_and_stores_nothing(api: Api, body: object) -> None:
    r = api.client.put("/v1/policy", headers=api.headers(), json=body)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_policy" and error["message"]
    got = api.client.get("/v1/policy", headers=api.headers()).json()
    assert got["override"] is None and got["policy"] == packaged_json()
    with api.factory()() as session:
        assert session.scalar(select(func.count()).select_from(WorkspacePolicy)) == 0


def test_an_override_is_merged_kept_per_workspace_replaced_and_reset(api: Api) -> None:
    r = api.client.get("/v1/policy", headers=api.headers())
    assert r.status_code == 200
    assert r.json() == {
        "policy": packaged_json(),
        "override": None,
        "updated_at": None,
        "updated_by": None,
    }
    changes = {"min_type_confidence": "0.95", "thresholds": {"total": 0.9}}
    body = {"version": 1, "types": {"receipt": changes}}
    r = api.client.put("/v1/policy", headers=api.headers(), json=body)
    assert r.status_code == 200, r.text
    got = api.client.get("/v1/policy", headers=api.headers()).json()
    assert got == r.json()
    # stored as validated: numbers as numbers, only what the override names
    assert got["override"] == {
        "types": {"receipt": {"min_type_confidence": 0.95, "thresholds": {"total": 0.9}}}
    }
    receipt = got["policy"]["types"]["receipt"]
    packaged = packaged_json()["types"]["receipt"]  # type: ignore[index]
    assert receipt == {**packaged, "min_type_confidence": 0.95, "thresholds": {"total": 0.9}}
    assert got["policy"]["types"]["invoice"] == packaged_json()["types"]["invoice"]  # type: ignore[index]
    assert got["updated_by"] == f"api-key:{api.key_a.split('_')[1]}"
    assert got["updated_at"] is not None
    # the other workspace still decides with the packaged policy
    other = api.client.get("/v1/policy", headers=api.headers(api.key_b)).json()
    assert other["override"] is None and other["policy"] == packaged_json()
    # a new override replaces the earlier one as a whole
    r = api.client.put("/v1/policy", headers=api.headers(), json=MANUAL_RECEIPTS)
    assert r.json()["override"] == MANUAL_RECEIPTS
    assert r.json()["policy"]["types"]["receipt"]["min_type_confidence"] == 0.8
    assert r.json()["policy"]["types"]["receipt"]["auto_approve"] is False
    r = api.client.delete("/v1/policy", headers=api.headers())
    assert r.status_code == 200
    assert r.json()["override"] is None and r.json()["policy"] == packaged_json()
    assert api.client.get("/v1/policy", headers=api.headers()).json()["override"] is None
    assert api.client.delete("/v1/policy", headers=api.headers()).status_code == 200
    assert api.client.get("/v1/policy").status_code == 401
    paths = api.client.get("/openapi.json").json()["paths"]
    assert {"get", "put", "delete"} <= set(paths["/v1/policy"])


def test_the_worker_and_retention_none_decide_with_the_workspace_policy(api: Api) -> None:
    assert api.client.put("/v1/policy", headers=api.headers(), json=MANUAL_RECEIPTS).is_success
    png = receipt_png("ACME STORE\n12/03/2025\nTOTAL 9.00")
    ids = {}
    for name, key in (("a", api.key_a), ("b", api.key_b)):
        r = api.client.post(
            "/v1/documents",
            files={"file": ("r.png", png, "image/png")},
            data={"doc_type": "receipt"},
            headers=api.headers(key),
        )
        assert r.status_code == 202, r.text
        ids[name] = r.json()["id"]
    assert api.drain() == 2
    results = {}
    for name, key in (("a", api.key_a), ("b", api.key_b)):
        got = api.client.get(f"/v1/documents/{ids[name]}", headers=api.headers(key)).json()
        results[name] = Decision.model_validate(got["result"]["decision"])
    assert results["a"].outcome == DecisionOutcome.NEEDS_REVIEW
    assert "policy:manual" in results["a"].reason_codes
    assert "the policy sends every receipt to a person" in results["a"].reasons
    assert "policy:manual" not in results["b"].reason_codes
    with api.factory()() as session:
        item = session.get(ReviewItem, ids["a"])
        assert item is not None and " policy:manual " in item.reason_codes
    # the same policy for a document processed in memory (nothing stored)
    with memory_worker(api.url, api.data_dir):
        r = api.client.post(
            "/v1/documents",
            files={"file": ("r.png", png, "image/png")},
            data={"doc_type": "receipt"},
            params={"retention": "none"},
            headers=api.headers(),
        )
    assert r.status_code == 200, r.text
    assert "policy:manual" in r.json()["decision"]["reason_codes"]


def reviewer(factory: sessionmaker[Session], *workspaces: str) -> Reviewer:
    with factory.begin() as s:
        user = create_user(s, "rev@x.org", "rev-password", "reviewer", workspaces)
        return Reviewer(user.id, user.email, tuple(workspaces))


def fixed(**fields: str) -> Correction:
    """The corrections that make the helper's receipt valid (the missing MILK row added)."""
    return Correction(
        fields={"merchant_name": "ACME STORE", **fields},
        line_items=[{"description": "BREAD", "total_price": "2.50"},
                    {"description": "MILK", "total_price": "1.20"}],
    )  # fmt: skip


def test_the_review_check_requires_what_the_workspace_policy_requires(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    with factory.begin() as s:
        other = create_workspace(s, "other").id
        strict = {"types": {"receipt": {"required": ["merchant_name", "receipt_number"]}}}
        set_policy_override(s, workspace_id, strict, by="test")
    mine = stored_document(factory, workspace_id)
    theirs = stored_document(factory, other)
    person = reviewer(factory, workspace_id, other)
    with factory() as s:
        doc = Document.model_validate(s.get(DocumentRow, mine).result)  # type: ignore[union-attr]
        assert type_policy(s, mine, doc).required == ["merchant_name", "receipt_number"]
    with pytest.raises(BlockingProblemsError) as err, factory.begin() as s:
        approve(s, person, mine, fixed(), data_dir=None)
    assert [(p.field, p.message) for p in err.value.problems] == [("receipt_number", "required")]
    with factory.begin() as s:
        # the packaged policy does not require it
        approve(s, person, theirs, fixed(), data_dir=None)
        approve(s, person, mine, fixed(receipt_number="R-1"), data_dir=None)


def test_storage_keeps_who_set_an_override_and_a_reset_drops_it(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    with factory.begin() as s:
        assert get_policy_override(s, workspace_id) is None
        assert effective_policy(s, workspace_id) == packaged_policy()
        set_policy_override(s, workspace_id, MANUAL_RECEIPTS, by="admin-cli:ann")
    with factory() as s:
        row = get_policy_override(s, workspace_id)
        assert row is not None and row.updated_by == "admin-cli:ann"
        assert row.override == MANUAL_RECEIPTS
        assert not effective_policy(s, workspace_id).for_type(DocType.RECEIPT).auto_approve
    with factory.begin() as s:
        assert clear_policy_override(s, workspace_id)
        assert not clear_policy_override(s, workspace_id)
        assert effective_policy(s, workspace_id) == packaged_policy()


def test_the_queue_and_dashboard_show_automation_per_type_and_reasons_in_words(
    ui: Ui,
) -> None:
    factory = make_session_factory(make_engine(ui.url))
    stored_document(factory, ui.ws_a, needs_review=False)
    stored_document(factory, ui.ws_a)
    stored_document(factory, ui.ws_b)  # another workspace: not counted
    ui.login()
    page = ui.client.get("/review").text
    assert 'id="automation-by-type"' in page
    table = page.split('id="automation-by-type"')[1].split("</section>")[0]
    assert "receipt" in table and "100%" in table and "1 of 1" in table
    assert "merchant name not sure enough (1)" in table
    assert "line items do not add up to the total (1)" in table
    board = ui.client.get("/dashboard").text
    reasons = board.split('id="top-reasons"')[1].split("By field")[0]
    assert "merchant name not sure enough" in reasons
    assert "reviewed because:" in board


def test_reason_codes_come_from_the_decision_and_old_results_still_get_them() -> None:
    doc = receipt_document()
    manual = packaged_policy().with_override(MANUAL_RECEIPTS)
    doc.decision = decide(doc, manual.for_type(doc.doc_type))
    assert reason_codes(doc) == doc.decision.reason_codes
    assert "policy:manual" in reason_codes(doc)
    old = receipt_document()
    old.doc_type = DocType.OTHER
    old.decision = Decision(
        outcome=DecisionOutcome.NEEDS_REVIEW, low_confidence_fields=["merchant_name"]
    )
    assert reason_codes(old) == [
        "rule:totals.line_items_sum",
        "field:merchant_name",
        "doc_type:other",
    ]


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("field:total", "total not sure enough"),
        ("field:transaction_date", "transaction date not sure enough"),
        ("missing:total", "total missing"),
        ("no_extractor", "no extractor for this type yet"),
        ("doc_type:unsure", "unsure document type"),
        ("doc_type:other", "unknown document type"),
        ("doc_type", "unknown document type"),
        ("policy:manual", "policy: always reviewed"),
        ("nothing_read", "nothing could be read"),
        ("rule:totals.line_items_sum", "line items do not add up to the total"),
        ("rule:custom.check", "rule: custom.check"),
    ],
)
def test_every_reason_code_reads_as_words(code: str, label: str) -> None:
    assert reason_label(code) == label
