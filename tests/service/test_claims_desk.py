"""The claims desk over the API on SQLite and PostgreSQL: list, decide, export, delete, audit.

Claims are stored without OCR (`claims_helpers.claim`), each a receipt of its own with
the outcome the test needs, then worked through `/v1/campaigns/{id}/submissions…`.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.loyalty import reasons
from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.tables import (
    LoyaltyFingerprint,
    LoyaltyKey,
    LoyaltyLayout,
    LoyaltySubmission,
)
from paperclerk.storage.workspaces import create_api_key, create_workspace
from paperclerk.web.app import create_app
from tests.service.claims_helpers import CAMPAIGN_ID, Kind, claim, png, save_offer

BASE = f"/v1/campaigns/{CAMPAIGN_ID}/submissions"


@dataclass
class Desk:
    client: TestClient
    factory: sessionmaker[Session]
    blobs: BlobStore
    ws_a: str
    ws_b: str
    key_a: str
    key_b: str

    def h(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.key_a}"}

    def get(self, path: str, key: str | None = None, **params: Any) -> Any:
        return self.client.get(path, headers=self.h(key), params=params)

    def claim(self, participant: str, kind: Kind, n: int, **kw: Any) -> int:
        result = claim(self.factory, self.ws_a, participant, kind, n, blobs=self.blobs, **kw)
        assert result.outcome == kind, result.reasons
        assert result.submission_id is not None
        return result.submission_id

    def decide(self, sid: int, outcome: str, reason: str = "checked the receipt") -> Any:
        body = {"outcome": outcome, "reason": reason}
        return self.client.post(f"{BASE}/{sid}/decision", json=body, headers=self.h())


@pytest.fixture
def desk(db_url: str, tmp_path: Path) -> Iterator[Desk]:
    data_dir = tmp_path / "data"
    app = create_app(db_url, data_dir)
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    with factory.begin() as session:
        a, b = create_workspace(session, "a").id, create_workspace(session, "b").id
        key_a, key_b = create_api_key(session, a).key, create_api_key(session, b).key
    save_offer(factory, a)
    save_offer(factory, b)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Desk(client, factory, BlobStore.in_data_dir(data_dir), a, b, key_a, key_b)
    engine.dispose()


def key_id(key: str) -> str:
    return key.split("_")[1]


def test_claims_are_listed_filtered_and_paged(desk: Desk) -> None:
    approved = desk.claim("p1", "approved", 1)
    pending = desk.claim("p2", "needs_review", 2)
    rejected = desk.claim("p1", "rejected", 3)
    r = desk.get(BASE)
    assert r.status_code == 200, r.text
    assert [c["submission_id"] for c in r.json()["items"]] == [approved, pending, rejected]
    assert r.json()["next_after"] is None
    queue = desk.get(BASE, outcome="needs_review").json()["items"]
    assert [(c["submission_id"], c["participant_id"]) for c in queue] == [(pending, "p2")]
    assert queue[0]["merchant"] == "KEDAI RUNCIT MAJU JAYA SDN BHD"
    assert queue[0]["reward"] == "0.00" and queue[0]["provisional_reward"] == "2.00"
    mine = desk.get(BASE, participant_id="p1").json()["items"]
    assert [c["submission_id"] for c in mine] == [approved, rejected]
    first = desk.get(BASE, limit=2).json()
    assert [c["submission_id"] for c in first["items"]] == [approved, pending]
    rest = desk.get(BASE, limit=2, after=first["next_after"]).json()
    assert [c["submission_id"] for c in rest["items"]] == [rejected] and rest["next_after"] is None
    shopper = desk.get(f"/v1/campaigns/{CAMPAIGN_ID}/participants/p1/submissions").json()
    assert [c["submission_id"] for c in shopper["items"]] == [approved, rejected]
    assert desk.get(BASE, outcome="eaten").status_code == 422
    assert desk.get(BASE, limit=0).status_code == 422
    # another workspace sees none of them; a campaign that does not exist is 404
    assert desk.get(BASE, key=desk.key_b).json()["items"] == []
    missing = desk.get("/v1/campaigns/nope/submissions")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "campaign_not_found"
    assert desk.client.get(BASE).status_code == 401


def test_a_reward_is_paid_on_approval_only(desk: Desk) -> None:
    pending = desk.claim("p1", "needs_review", 1)
    body = desk.get(f"{BASE}/{pending}").json()
    assert body["outcome"] == "needs_review"
    assert body["reward"] == "0.00" and body["provisional_reward"] == "2.00"
    assert body["participant_reasons"] == [reasons.UNREADABLE]
    approved = desk.get(f"{BASE}/{desk.claim('p2', 'approved', 2)}").json()
    assert approved["reward"] == "2.00" and approved["provisional_reward"] is None
    assert approved["participant_reasons"] == []


def test_a_decision_needs_a_reason_and_records_who_when_and_why(desk: Desk) -> None:
    sid = desk.claim("p1", "needs_review", 1)
    bad_bodies: list[dict[str, str]] = [
        {"outcome": "approved"},
        {"outcome": "approved", "reason": ""},
        {"outcome": "needs_review", "reason": "x"},
        {"outcome": "paid", "reason": "x"},
    ]
    for bad in bad_bodies:
        r = desk.client.post(f"{BASE}/{sid}/decision", json=bad, headers=desk.h())
        assert r.status_code == 422, bad
    blank = desk.decide(sid, "approved", reason="   ")
    assert blank.status_code == 422 and blank.json()["error"]["code"] == "invalid_decision"
    r = desk.decide(sid, "approved", reason="total checked on the picture: 29.11")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["outcome"] == "approved" and body["reward"] == "2.00"
    assert body["provisional_reward"] is None and body["participant_reasons"] == []
    assert body["decided_by"] == f"api-key:{key_id(desk.key_a)}"
    assert body["decision_reason"] == "total checked on the picture: 29.11"
    assert desk.get(f"{BASE}/{sid}").json()["decided_at"] == body["decided_at"]
    listed = desk.get(BASE).json()["items"][0]
    assert listed["decided_by"] == body["decided_by"] and listed["reward"] == "2.00"
    again = desk.decide(sid, "approved")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_decided"
    # a person may override a decision: audited with the outcome before
    over = desk.decide(sid, "rejected", reason="the shop is not in the campaign")
    assert over.status_code == 200
    assert over.json()["reward"] == "0.00" and over.json()["provisional_reward"] == "2.00"
    assert over.json()["participant_reasons"] == [reasons.NOT_ELIGIBLE]
    trail = desk.get(f"{BASE}/{sid}/audit").json()
    assert [(e["actor_kind"], e["old_value"], e["new_value"]["outcome"]) for e in trail] == [
        ("rule", None, "needs_review"),
        ("person", "needs_review", "approved"),
        ("person", "approved", "rejected"),
    ]
    assert trail[2]["new_value"]["reason"] == "the shop is not in the campaign"
    assert trail[2]["actor_id"] == f"api-key:{key_id(desk.key_a)}"
    # another workspace can neither decide it nor read its trail
    other = desk.client.post(
        f"{BASE}/{sid}/decision", json={"outcome": "approved", "reason": "x"},
        headers=desk.h(desk.key_b),
    )  # fmt: skip
    assert other.status_code == 404
    assert desk.get(f"{BASE}/{sid}/audit", key=desk.key_b).status_code == 404
    assert desk.decide(999999, "approved").status_code == 404


def test_approving_a_claim_the_rules_rejected_pays_its_earned_reward(desk: Desk) -> None:
    sid = desk.claim("p1", "rejected", 1)
    assert desk.get(f"{BASE}/{sid}").json()["provisional_reward"] == "0.99"  # 10% of 9.90
    r = desk.decide(sid, "approved", reason="promotion extended to small baskets")
    assert r.json()["reward"] == "0.99"


def test_the_export_is_csv_with_formulas_defused(desk: Desk) -> None:
    desk.claim('=HYPERLINK("http://evil")', "approved", 1)
    pending = desk.claim("p2", "needs_review", 2)
    desk.decide(pending, "rejected", reason="-blurry")
    for r in (desk.get(f"{BASE}.csv"), desk.get(BASE, format="csv")):
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert list(rows[0]) == [
            "id", "participant", "outcome", "reward", "currency", "merchant", "date", "total",
            "reasons", "created_at", "decided_by", "decided_at", "decision_reason",
        ]  # fmt: skip
        assert rows[0]["participant"] == '\'=HYPERLINK("http://evil")'
        assert rows[0]["reward"] == "2.00" and rows[0]["date"] == "2026-04-02"
        assert rows[1]["outcome"] == "rejected" and rows[1]["reward"] == "0.00"
        assert rows[1]["decided_by"] == f"api-key:{key_id(desk.key_a)}"
        assert rows[1]["decision_reason"] == "'-blurry"
        assert "low confidence" in rows[1]["reasons"]
    only = desk.get(f"{BASE}.csv", outcome="rejected").text.strip().splitlines()
    assert len(only) == 2
    assert desk.get(f"{BASE}.csv", key=desk.key_b).text.strip().count("\n") == 0


def test_the_original_is_returned_with_its_media_type(desk: Desk) -> None:
    sid = desk.claim("p1", "approved", 1)
    r = desk.get(f"{BASE}/{sid}/original")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert r.content == png(1)
    assert desk.get(f"{BASE}/{sid}/original", key=desk.key_b).status_code == 404


def _rows(factory: sessionmaker[Session], table: Any, sid: int) -> int:
    with factory() as session:
        return (
            session.scalar(
                select(func.count()).select_from(table).where(table.submission_id == sid)
            )
            or 0
        )


def test_deleting_a_claim_erases_it_and_its_original_once_unshared(desk: Desk) -> None:
    shared = png(7)
    first = desk.claim("p1", "approved", 1, data=shared)
    second = desk.claim("p2", "rejected", 2, data=shared)  # the same file: a duplicate
    sha = hashlib.sha256(shared).hexdigest()
    assert _rows(desk.factory, LoyaltyFingerprint, first) == 1
    assert _rows(desk.factory, LoyaltyKey, first) > 0
    assert _rows(desk.factory, LoyaltyLayout, first) == 1
    assert desk.client.delete(f"{BASE}/{first}", headers=desk.h(desk.key_b)).status_code == 404
    r = desk.client.delete(f"{BASE}/{first}", headers=desk.h(), params={"reason": "erasure"})
    assert r.status_code == 204
    for table in (LoyaltyFingerprint, LoyaltyKey, LoyaltyLayout):
        assert _rows(desk.factory, table, first) == 0
    with desk.factory() as session:
        assert session.get(LoyaltySubmission, first) is None
    assert desk.get(f"{BASE}/{first}").status_code == 404
    assert desk.blobs.exists(sha)  # the second claim holds the same bytes
    trail = desk.get(f"{BASE}/{first}/audit").json()
    assert [e["action"] for e in trail] == ["claim.decide", "claim.delete"]
    gone = trail[-1]
    assert gone["old_value"] == {
        "outcome": "approved",
        "reward": "2.00",
        "campaign_id": CAMPAIGN_ID,
    }
    assert gone["new_value"] == {"reason": "erasure"} and "p1" not in str(trail)
    assert desk.get(f"/v1/campaigns/other/submissions/{first}/audit").status_code == 404
    assert desk.client.delete(f"{BASE}/{first}", headers=desk.h()).status_code == 404
    assert desk.client.delete(f"{BASE}/{second}", headers=desk.h()).status_code == 204
    assert not desk.blobs.exists(sha)
    assert desk.get(f"{BASE}/{second}/original").status_code == 404


def test_claims_waiting_for_review_hold_a_claim_limit_slot(desk: Desk) -> None:
    limited = save_offer(
        desk.factory, desk.ws_a, claim_limits=[{"max_claims": 1, "period": "campaign"}]
    )
    pending = desk.claim("p1", "needs_review", 1, made=limited)
    over = claim(desk.factory, desk.ws_a, "p1", "approved", 2, made=limited)
    assert over.outcome == "rejected"
    assert over.participant_reasons == [reasons.RULE_REASONS["campaign.claim_limit"]]
    assert desk.decide(pending, "rejected").status_code == 200  # the slot is free again
    assert claim(desk.factory, desk.ws_a, "p1", "approved", 3, made=limited).outcome == "approved"
