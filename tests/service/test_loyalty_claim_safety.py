"""Duplicates that never punish an honest shopper, and edited copies that never pay (issue 16).

Defects reproduced: an edited copy of a rejected receipt approved because the match was
"not held against it" (2); two receipts of one shop rejected as the same picture although
the dates and totals read disagree (3); a same purchase missed because the receipt number
was read on one picture only and the print comparison vetoed the looser layers (4).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from paperclerk.ingest import load_bytes
from paperclerk.loyalty import candidates
from paperclerk.loyalty.decide import Outcome
from paperclerk.loyalty.duplicates import find_duplicates
from paperclerk.loyalty.fingerprints import Fingerprint, fingerprint
from paperclerk.loyalty.service import check_submission
from tests.unit.loyalty_helpers import campaign, receipt
from tests.unit.receipt_pictures import jpeg, receipt_picture

NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
OPEN = campaign(retailers=[], products=[], min_spend="20.00")


def _failed(result: object) -> dict[str, str]:
    return {f.rule_id: f.message for f in result.findings if not f.passed}  # type: ignore[attr-defined]


def test_an_edited_copy_of_a_rejected_receipt_is_not_paid(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    original = jpeg(receipt_picture(total="14.90"), 90)
    edited = jpeg(receipt_picture(total="44.90"), 90)
    with factory.begin() as s:
        first = check_submission(
            s, workspace_id, OPEN, "p1", original, document=receipt(total="14.90"), now=NOW
        )
    assert first.outcome == Outcome.REJECTED  # below the minimum spend
    with factory.begin() as s:
        second = check_submission(
            s, workspace_id, OPEN, "p1", edited, document=receipt(total="44.90"), now=NOW
        )
    failed = _failed(second)
    assert second.outcome != Outcome.APPROVED
    assert "duplicates.altered_copy" in failed, failed
    message = failed["duplicates.altered_copy"]
    assert "its total reads 44.9 where that one read 14.9" in message
    assert "not held against" not in message
    assert second.reward == Decimal("0.00")


def test_look_alike_receipts_whose_dates_and_totals_disagree_are_not_rejected(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    one = jpeg(receipt_picture(day="12/04/2018 10:13", total="8.20"), 90)
    other = jpeg(receipt_picture(day="14/04/2018 10:13", total="7.70"), 90)
    read_one = receipt(day=dt.date(2026, 4, 12), total="8.20")
    read_other = receipt(day=dt.date(2026, 4, 14), total="7.70")
    with factory.begin() as s:
        fp = fingerprint(load_bytes(one), read_one)
        candidates.record(s, workspace_id, "c", "p1", fp, "approved", created_at=NOW)
    with factory() as s:
        fp = fingerprint(load_bytes(other), read_other)
        no_print = Fingerprint(**{**fp.__dict__, "layout": None})  # the print cannot veto
        matches = find_duplicates(s, workspace_id, no_print)
    assert matches, "the picture hashes take the two for one picture"
    assert all(m.altered for m in matches)
    from paperclerk.loyalty.duplicates import duplicate_findings

    findings = duplicate_findings(matches, "p2", NOW)
    assert {f.rule_id for f in findings} == {"duplicates.altered_copy"}
    assert all(f.effect.value == "review" for f in findings)  # a person decides, no refusal


def test_the_print_cannot_veto_a_purchase_read_alike(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    scan = jpeg(receipt_picture(number="CS-0004323"), 90)
    # another picture entirely (so the prints differ), read with the same shop, day, total
    # and time; the receipt number is read only on this one
    photo = jpeg(
        receipt_picture(
            day="13/05/2019 18:40", number="XY-9914391", item="NESCAFE GOLD 200G", total="8.05"
        ),
        90,
    )
    with factory.begin() as s:
        fp = fingerprint(load_bytes(scan), receipt(transaction_time="10:13"))
        earlier = candidates.record(s, workspace_id, "c", "p1", fp, "approved", created_at=NOW).id
    with factory() as s:
        read = receipt(transaction_time="10:13", receipt_number="CS-0004323")
        fp = fingerprint(load_bytes(photo), read)
        assert fp.content_key is not None  # differs: the number is read on this one only
        no_picture = Fingerprint(**{**fp.__dict__, "image": None, "flipped": None})
        assert candidates.PrintCheck(s, fp.layout).clearly_different([earlier]) == {earlier}
        matches = find_duplicates(s, workspace_id, no_picture)
    assert [(m.layer, m.detail) for m in matches] == [
        ("same_purchase", "shop, day, total and time read alike")
    ]


def test_a_claims_original_counts_as_in_use(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    """Deleting a document must not take a claim's original (they share the blob store)."""
    from paperclerk.storage.documents import blob_in_use

    data = jpeg(receipt_picture(), 90)
    with factory.begin() as s:
        fp = fingerprint(load_bytes(data), receipt())
        assert not blob_in_use(s, fp.sha256)
        candidates.record(s, workspace_id, "c", "p1", fp, "approved", created_at=NOW)
    with factory() as s:
        assert blob_in_use(s, fp.sha256)


def test_duplicate_scope_per_campaign(factory: sessionmaker[Session], workspace_id: str) -> None:
    """`duplicate_scope: campaign` looks among the campaign's own claims only."""
    data = jpeg(receipt_picture(), 90)
    first = campaign(id="spring", retailers=[], products=[], min_spend="1.00")
    own = campaign(
        id="summer", retailers=[], products=[], min_spend="1.00", duplicate_scope="campaign"
    )
    shared = campaign(id="autumn", retailers=[], products=[], min_spend="1.00")
    with factory.begin() as s:
        check_submission(s, workspace_id, first, "p1", data, document=receipt(), now=NOW)
    with factory.begin() as s:
        alone = check_submission(s, workspace_id, own, "p1", data, document=receipt(), now=NOW)
    assert not any(f.rule_id.startswith("duplicates.identical") for f in alone.findings)
    with factory.begin() as s:
        seen = check_submission(s, workspace_id, shared, "p1", data, document=receipt(), now=NOW)
    assert "duplicates.identical_file" in _failed(seen)
