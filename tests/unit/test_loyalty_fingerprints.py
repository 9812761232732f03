"""Fingerprints: re-photographs of one receipt match, different receipts do not; keys; fraud."""

from __future__ import annotations

import datetime as dt
import io
import random

import cv2
import numpy as np
import pytest
from PIL import Image

from paperclerk.evaluation.rephotograph import rephotograph
from paperclerk.ingest import load_bytes
from paperclerk.loyalty import fraud
from paperclerk.loyalty.fingerprints import (
    content_keys,
    fingerprint,
    hamming64,
    hamming_bytes,
    image_hashes,
)
from paperclerk.loyalty.index import bands_of, is_same_picture, probes, to_signed, to_unsigned
from tests.conftest import EXAMPLES
from tests.unit.loyalty_helpers import receipt

SCAN = (EXAMPLES / "receipt-scan.png").read_bytes()


def _image(data: bytes) -> np.ndarray:  # type: ignore[type-arg]
    return load_bytes(data).pages[0].image


def _same(a: bytes, b: bytes) -> bool:
    ha, hb = image_hashes(_image(a)), image_hashes(_image(b))
    assert ha is not None and hb is not None
    return any(is_same_picture(q, hb[0].phash, hb[0].vhash, hb[0].aspect) for q in ha)


def test_identical_bytes_give_identical_fingerprints() -> None:
    a, b = fingerprint(load_bytes(SCAN)), fingerprint(load_bytes(SCAN))
    assert a == b and len(a.sha256) == 64 and a.image is not None


def test_simple_changes_keep_the_picture_hash() -> None:
    image = _image(SCAN)
    variants = {
        "jpeg": cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 60])[1],
        "half size": cv2.imencode(".png", cv2.resize(image, None, fx=0.5, fy=0.5))[1],
        "quarter turn": cv2.imencode(".png", cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE))[1],
    }
    for name, buf in variants.items():
        assert _same(SCAN, bytes(buf)), name


def test_upside_down_is_found_by_the_flipped_query_hash() -> None:
    image = _image(SCAN)
    upright, flipped = image_hashes(image) or (None, None)
    turned = image_hashes(cv2.rotate(image, cv2.ROTATE_180))
    assert upright is not None and flipped is not None and turned is not None
    # the flipped query hash is the one close to the stored upright hash of the turned photo
    assert hamming_bytes(flipped.vhash, turned[0].vhash) <= 32
    assert hamming_bytes(upright.vhash, turned[0].vhash) > 150


def test_a_different_receipt_does_not_match() -> None:
    other = (EXAMPLES / "invoice-digital.pdf").read_bytes()
    assert not _same(SCAN, other)


def test_rephotographs_are_deterministic_per_seed() -> None:
    image = _image(SCAN)
    assert rephotograph(image, random.Random(3)) == rephotograph(image, random.Random(3))
    assert rephotograph(image, random.Random(3)) != rephotograph(image, random.Random(4))


def test_blank_picture_has_no_image_hash() -> None:
    blank = np.full((400, 200, 3), 255, np.uint8)
    assert image_hashes(blank) is None


def test_bands_and_signed_storage_round_trip() -> None:
    h = 0xFEDC_BA98_7654_3210
    assert bands_of(h) == [0xFEDC, 0xBA98, 0x7654, 0x3210]
    assert to_unsigned(to_signed(h)) == h and to_signed(h) < 0
    assert len(set(probes(0x00FF))) == 17
    assert all(hamming64(p, 0x00FF) <= 1 for p in probes(0x00FF))


def test_content_keys_ignore_case_punctuation_and_company_suffix() -> None:
    a = receipt(merchant="Kedai Runcit Maju Jaya Sdn. Bhd.", transaction_time=dt.time(14, 32))
    b = receipt(merchant="KEDAI RUNCIT MAJU-JAYA", transaction_time=dt.time(14, 32))
    assert content_keys(a) == content_keys(b) and content_keys(a)[0] is not None
    c = receipt(total="27.56")
    assert content_keys(c)[1] != content_keys(a)[1]
    assert content_keys(receipt(total=None)) == (None, None, None)
    no_shop = content_keys(receipt(merchant=""))
    assert no_shop[:2] == (None, None) and no_shop[2] == content_keys(a)[2]


def _with_software(name: str) -> bytes:
    img = Image.new("RGB", (300, 300), "white")
    exif = Image.Exif()
    exif[0x0131] = name
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_editor_metadata_is_flagged_for_review() -> None:
    assert not fraud.edited_metadata_rule(_with_software("Adobe Photoshop 25.1")).passed
    assert fraud.edited_metadata_rule(_with_software("Android camera 1.2")).passed
    assert fraud.edited_metadata_rule(SCAN).passed


def test_photo_of_a_screen_is_flagged_and_paper_is_not() -> None:
    image = _image(SCAN)
    h, w = image.shape[:2]
    grid = np.ones((h, w), np.float32)
    grid[::3, :] = 0.55
    grid[:, ::3] *= 0.55
    screen = cv2.resize((image * grid[..., None]).astype(np.uint8), None, fx=0.93, fy=0.93)
    assert not fraud.screen_photo_rule(screen).passed
    assert fraud.screen_photo_rule(image).passed


@pytest.mark.parametrize(("day", "ok"), [(dt.date(2026, 5, 1), True), (dt.date(2026, 5, 2), False)])
def test_future_dates(day: dt.date, ok: bool) -> None:
    assert fraud.future_date_rule(receipt(day=day), dt.date(2026, 5, 1)).passed is ok
