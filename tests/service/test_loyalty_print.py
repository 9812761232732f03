"""The print layer of duplicate detection on SQLite and PostgreSQL: found by index, explained."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy.orm import Session, sessionmaker

from paperclerk.evaluation.rephotograph import rephotograph
from paperclerk.ingest import load_bytes
from paperclerk.loyalty import candidates
from paperclerk.loyalty.duplicates import duplicate_findings, find_duplicates
from paperclerk.loyalty.fingerprints import Fingerprint, fingerprint
from paperclerk.model import Document
from tests.unit.loyalty_helpers import receipt
from tests.unit.receipt_pictures import jpeg, receipt_picture

NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)


def _print_only(data: bytes, doc: Document) -> Fingerprint:
    """A fingerprint whose picture hashes and full content keys are left out: only the print
    and the partial keys remain, so nothing but the print layer can find a match."""
    fp = fingerprint(load_bytes(data), doc)
    return Fingerprint(
        sha256=fp.sha256,
        image=None,
        flipped=None,
        content_key=None,
        purchase_key=None,
        amount_key=None,
        partial_keys=fp.partial_keys,
        layout=fp.layout,
    )


def _submit(session: Session, workspace_id: str, participant: str, fp: Fingerprint) -> int:
    row = candidates.record(
        session,
        workspace_id,
        "c",
        participant,
        fp,
        "approved",
        created_at=NOW - dt.timedelta(days=3),
    )
    return row.id


def test_a_rephotograph_read_differently_is_found_by_its_print(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    original = jpeg(receipt_picture(), 90)
    photo = rephotograph(load_bytes(original).pages[0].image, random.Random(2))
    read = receipt(transaction_time="10:13", receipt_number="CS-0004323")
    # the photo is read without its date: shop, time, total and number (6 pairs) agree
    read_photo = receipt(day=None, transaction_time="10:13", receipt_number="CS-0004323")
    other_sale = jpeg(receipt_picture(day="14/04/2018 18:40", number="CS-0004391"), 90)
    with factory.begin() as s:
        first = _submit(s, workspace_id, "p9", _print_only(original, read))
        # another sale of the shop's template, read (wrongly) exactly alike: a candidate
        # too, told apart by its print
        _submit(s, workspace_id, "p7", _print_only(other_sale, read))
    with factory() as s:
        matches = find_duplicates(s, workspace_id, _print_only(photo, read_photo))
    assert [(m.layer, m.submission_id) for m in matches] == [("same_print", first)]
    assert "keypoints" in matches[0].detail and "6 pairs of fields read agree" in matches[0].detail
    (found,) = duplicate_findings(matches, "p1", NOW)
    assert not found.passed and found.effect == "reject"
    assert f"same receipt as submission {first} by participant p9" in found.message
    assert "3 days ago" in found.message
    assert found.evidence["layer"] == "same_print" and found.evidence["cross_participant"]


def test_candidates_need_an_indexed_link(factory: sessionmaker[Session], workspace_id: str) -> None:
    original = jpeg(receipt_picture(), 90)
    with factory.begin() as s:
        _submit(s, workspace_id, "p9", _print_only(original, receipt()))
    unrelated = receipt(merchant="Another Shop", day=dt.date(2025, 1, 1), total="1.00")
    again = _print_only(jpeg(receipt_picture(), 85), unrelated)
    with factory() as s:  # the same picture, but nothing read or hashed links it: no lookup
        assert find_duplicates(s, workspace_id, again) == []
        assert candidates.find(s, workspace_id, again, {}) == []
        # two fields alike (one pair) are not enough evidence alone to compare prints
        one_pair = _print_only(jpeg(receipt_picture(), 80), receipt(day=None))
        assert candidates.find(s, workspace_id, one_pair, {}) == []


def test_the_picture_layers_are_vetoed_by_a_clearly_different_print(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    """Another sale of the shop's template: the picture hashes are nearly equal (the header,
    the layout), but the prints, aligned, differ in many places, so no duplicate."""
    first = jpeg(receipt_picture(), 90)
    other_sale = jpeg(
        receipt_picture(
            day="13/05/2019 18:40", number="XY-9914391", item="NESCAFE GOLD 200G", total="8.05"
        ),
        90,
    )
    read_other = receipt(day=dt.date(2019, 5, 13), total="8.05")
    with factory.begin() as s:
        _submit(s, workspace_id, "p9", fingerprint(load_bytes(first), receipt()))
    with factory() as s:
        with_print = fingerprint(load_bytes(other_sale), read_other)
        no_print = Fingerprint(**{**with_print.__dict__, "layout": None})
        # the hashes alone take it for the same picture
        assert [m.layer for m in find_duplicates(s, workspace_id, no_print)] == ["same_picture"]
        assert find_duplicates(s, workspace_id, with_print) == []
