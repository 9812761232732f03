"""The RapidOCR engine: its version names what changes the text it reads."""

from __future__ import annotations

from paperclerk.datasets.ocr_cache import cache_key
from paperclerk.engines.rapid import REC_BATCH, REC_MIN_WIDTH, RapidOcrEngine


def test_recognition_batching_is_part_of_the_version_and_the_cache_key() -> None:
    default = RapidOcrEngine(threads=1)
    narrower = RapidOcrEngine(threads=1, rec_min_width=REC_MIN_WIDTH // 2)
    larger = RapidOcrEngine(threads=1, rec_batch=REC_BATCH * 2)
    versions = {default.version, narrower.version, larger.version}
    assert len(versions) == 3
    assert f"rec{REC_MIN_WIDTH}x{REC_BATCH}" in default.version
    assert len({cache_key(b"page", v) for v in versions}) == 3
