"""Claims decided by several workers at once, on SQLite and PostgreSQL (`loyalty.locks`).

Each thread is a worker with its own connection. The reads a decision depends on are made
slow (the real query, then a pause), so without the per-workspace lock every thread would
read before any wrote: two copies of one receipt would both pass as originals, and a
participant's claims would all fit under a limit of one.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.loyalty import service, store
from paperclerk.loyalty.campaign import Campaign
from paperclerk.loyalty.locks import claims_lock_key
from paperclerk.loyalty.service import SubmissionResult, check_submission
from paperclerk.model import Document
from paperclerk.storage.tables import LoyaltySubmission
from tests.unit.loyalty_helpers import campaign, receipt
from tests.unit.receipt_pictures import receipt_picture

WORKERS = 4
NOW = dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC)
MILO = [("MILO 3IN1 18X30G", "1", "27.55")]
PAUSE_S = 0.25


def _png(**kwargs: Any) -> bytes:
    out = io.BytesIO()
    receipt_picture(**kwargs).save(out, "PNG")
    return out.getvalue()


def _slowly(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> None:
    """Make a read the decision depends on take a while (widens the race window)."""
    real: Callable[..., Any] = getattr(module, name)

    def slow(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        time.sleep(PAUSE_S)
        return found

    monkeypatch.setattr(module, name, slow)


def _at_once(
    factory: sessionmaker[Session],
    workspace_id: str,
    offer: Campaign,
    claims: list[tuple[str, bytes, Document]],
) -> list[SubmissionResult]:
    """Decide every (participant, file, read receipt) in its own thread, all started together."""
    start = threading.Barrier(len(claims))
    results: list[SubmissionResult] = []
    errors: list[BaseException] = []

    def one(participant: str, data: bytes, doc: Document) -> None:
        try:
            start.wait()
            with factory.begin() as session:
                results.append(
                    check_submission(
                        session, workspace_id, offer, participant, data, document=doc, now=NOW
                    )
                )
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=one, args=claim) for claim in claims]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(results) == len(claims)
    return results


def test_copies_of_one_receipt_sent_at_once_give_one_original(
    factory: sessionmaker[Session], workspace_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _slowly(monkeypatch, service, "find_duplicates")
    offer = campaign()
    data = _png()
    claims = [(f"p{i}", data, receipt(items=MILO)) for i in range(WORKERS)]
    results = _at_once(factory, workspace_id, offer, claims)
    originals = [
        r
        for r in results
        if not any(f.rule_id.startswith("duplicates.") and not f.passed for f in r.findings)
    ]
    assert len(originals) == 1, [r.reasons for r in results]
    assert [r.outcome.value for r in results].count("approved") <= 1
    with factory() as session:
        stored = session.scalar(select(func.count()).select_from(LoyaltySubmission))
    assert stored == WORKERS  # every claim is stored, the copies with their findings


def test_a_participant_s_claim_limit_holds_under_concurrent_claims(
    factory: sessionmaker[Session], workspace_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _slowly(monkeypatch, store, "held_purchase_dates")
    offer = campaign(claim_limits=[{"max_claims": 1, "period": "campaign"}])
    claims = []
    for i in range(WORKERS):  # different receipts (number, total, picture): no duplicates
        number, total = f"CS-00{4323 + 17 * i}", f"{28 + 3 * i}.{10 + 7 * i}"
        doc = receipt(items=[("MILO 3IN1 18X30G", "1", total)], total=total, receipt_number=number)
        data = _png(number=number, total=total, day=f"{10 + i}/04/2026 1{i}:13")
        claims.append(("p1", data, doc))
    results = _at_once(factory, workspace_id, offer, claims)
    limited = [r for r in results if not _passed(r, "campaign.claim_limit")]
    assert len(limited) == WORKERS - 1, [r.reasons for r in results]
    assert [r.outcome.value for r in results].count("approved") <= 1


def _passed(result: SubmissionResult, rule_id: str) -> bool:
    return next(f.passed for f in result.findings if f.rule_id == rule_id)


def test_lock_keys_differ_per_workspace_and_fit_a_bigint() -> None:
    keys = {claims_lock_key(f"w{i}") for i in range(1000)}
    assert len(keys) == 1000
    assert all(-(2**63) <= k < 2**63 for k in keys)
