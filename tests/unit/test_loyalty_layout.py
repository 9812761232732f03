"""The print verifier: re-photographs of a receipt match, another sale of the same template not."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np

from paperclerk.evaluation.rephotograph import rephotograph
from paperclerk.ingest import load_bytes
from paperclerk.loyalty.fingerprints import fingerprint, partial_keys
from paperclerk.loyalty.layout import compare_layouts, decode_layout, encode_layout, layout_of
from tests.unit.loyalty_helpers import receipt
from tests.unit.receipt_pictures import bgr, jpeg, receipt_picture

ORIGINAL = bgr(receipt_picture())
OTHER_SALE = bgr(receipt_picture(day="14/04/2018 18:40", number="CS-0004391", total="31.20"))


def _levels(image: np.ndarray) -> np.ndarray:  # type: ignore[type-arg]
    levels = layout_of(image)
    assert levels is not None
    return levels


def _photo(image: np.ndarray, seed: int) -> np.ndarray:  # type: ignore[type-arg]
    return load_bytes(rephotograph(image, random.Random(seed))).pages[0].image


def test_rephotographs_of_one_receipt_show_the_same_print() -> None:
    stored = _levels(ORIGINAL)
    for seed in range(3):
        match = compare_layouts(_levels(_photo(ORIGINAL, seed)), stored)
        assert match.same_receipt, (seed, match)
        assert "keypoints" in match.describe()


def test_another_sale_of_the_same_template_is_not_the_same_receipt() -> None:
    stored = _levels(ORIGINAL)
    assert not compare_layouts(_levels(OTHER_SALE), stored).same_receipt
    assert not compare_layouts(_levels(_photo(OTHER_SALE, 1)), stored).same_receipt


def test_the_stored_print_is_a_small_png_that_round_trips() -> None:
    levels = _levels(ORIGINAL)
    data = encode_layout(levels)
    assert data.startswith(b"\x89PNG") and len(data) < 40_000
    decoded = decode_layout(data)
    assert decoded is not None and np.array_equal(decoded, levels)
    assert decode_layout(b"junk") is None
    assert decode_layout(jpeg(receipt_picture(), 80)) is None  # not a stored print
    assert layout_of(np.full((400, 300, 3), 240, np.uint8)) is None  # nothing printed


def test_partial_keys_pair_the_fields_read() -> None:
    full = receipt(transaction_time="10:13", receipt_number="CS-0004323")
    no_date = receipt(day=None, transaction_time="10:13:51", receipt_number="CS-0004323")
    other = receipt(merchant="Another Shop", day=dt.date(2026, 1, 2), total="3.10")
    assert len(partial_keys(full)) == 10  # five fields read: every pair
    assert len(set(partial_keys(full)) & set(partial_keys(no_date))) == 6  # pairs without day
    assert not set(partial_keys(full)) & set(partial_keys(other))
    assert partial_keys(receipt(merchant="", day=None, total=None)) == ()


def test_fingerprints_carry_the_print() -> None:
    fp = fingerprint(load_bytes(jpeg(receipt_picture(), 90)), receipt())
    assert fp.layout is not None and decode_layout(fp.layout) is not None
    assert len(fp.partial_keys) == 3  # shop, day, total
