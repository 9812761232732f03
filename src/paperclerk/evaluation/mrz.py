r"""`eval mrz`: how exactly the MRZ reader reads a folder of labelled passport and card images.

The truth file is a JSON object whose `records` list holds `{"image": path relative to the
folder, "mrz": lines joined by "\\n" (null where the image has no MRZ), "valid": false for
a deliberately broken MRZ (optional)}`, the format of `../shared/data/mrz/*/ground_truth.json`.

Figures:
- `exact_documents`: share of valid records whose MRZ was read exactly (every line);
- `exact_lines`: share of their lines read exactly;
- `invalid_flagged`: share of invalid records the reader did not pass as valid;
- `false_repairs`: characters the reader changed (by position, code list or check digit)
  to something other than the truth;
- `seconds_per_image`: median seconds to find and read the MRZ of one image (decoding
  the file included), and `false_positives`: MRZs reported on images that have none.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from paperclerk.engines.base import LineEngine
from paperclerk.errors import InputError
from paperclerk.ingest import load_path
from paperclerk.pages.mrz import read_mrz
from paperclerk.parsers.mrz import Mrz


@dataclass(frozen=True)
class TruthRecord:
    """One labelled image."""

    image: str
    mrz: str | None
    valid: bool = True


@dataclass
class RecordResult:
    """What the reader made of one labelled image."""

    image: str
    truth: str | None
    read: str | None
    valid_truth: bool
    read_valid: bool
    failed_checks: list[str]
    exact: bool
    lines_exact: int
    lines: int
    repairs: list[dict[str, Any]] = field(default_factory=list)
    false_repairs: int = 0
    seconds: float = 0.0
    error: str | None = None


def load_truth(path: Path) -> list[TruthRecord]:
    """Read a truth file (see the module doc); a malformed one raises ValueError."""
    data = json.loads(path.read_text(encoding="utf-8"))
    records = data.get("records") if isinstance(data, dict) else None
    if not isinstance(records, list):
        raise ValueError(f"{path}: expected an object with a 'records' list")
    out = []
    for i, rec in enumerate(records):
        if not isinstance(rec, dict) or not isinstance(rec.get("image"), str):
            raise ValueError(f"{path}: record {i} has no 'image'")
        mrz = rec.get("mrz")
        out.append(
            TruthRecord(
                rec["image"], mrz if isinstance(mrz, str) else None, rec.get("valid") is not False
            )
        )
    return out


def evaluate_record(root: Path, record: TruthRecord, engine: LineEngine) -> RecordResult:
    """Read one image and compare its MRZ with the truth."""
    start = time.perf_counter()
    mrz: Mrz | None = None
    error = None
    try:
        image = load_path(root / record.image).pages[0].image
        reading = read_mrz(image, engine)
        mrz = reading.mrz if reading else None
    except InputError as exc:
        error = str(exc)
    seconds = time.perf_counter() - start
    truth_lines = record.mrz.split("\n") if record.mrz else []
    read_lines = mrz.lines if mrz else []
    same_shape = len(truth_lines) == len(read_lines)
    lines_exact = (
        sum(a == b for a, b in zip(truth_lines, read_lines, strict=False)) if same_shape else 0
    )
    repairs = [asdict(r) for r in mrz.repairs] if mrz else []
    false_repairs = 0
    if mrz and same_shape:
        for r in mrz.repairs:
            line = truth_lines[r.line]
            if len(line) == len(read_lines[r.line]) and line[r.position] != r.fixed:
                false_repairs += 1
    return RecordResult(
        image=record.image,
        truth=record.mrz,
        read=mrz.text if mrz else None,
        valid_truth=record.valid,
        read_valid=bool(mrz and mrz.valid),
        failed_checks=mrz.failed_checks() if mrz else [],
        exact=bool(mrz and record.mrz and mrz.text == record.mrz),
        lines_exact=lines_exact,
        lines=len(truth_lines),
        repairs=repairs,
        false_repairs=false_repairs,
        seconds=round(seconds, 4),
        error=error,
    )


def evaluate_mrz(
    root: Path,
    records: list[TruthRecord],
    engine: LineEngine,
    on_record: Callable[[RecordResult], None] | None = None,
) -> dict[str, Any]:
    """Read every labelled image and return the figures (module doc) with each record."""
    results = []
    for record in records:
        result = evaluate_record(root, record, engine)
        results.append(result)
        if on_record:
            on_record(result)
    valid = [r for r in results if r.truth and r.valid_truth]
    invalid = [r for r in results if r.truth and not r.valid_truth]
    negatives = [r for r in results if not r.truth]
    lines = sum(r.lines for r in valid)
    seconds = [r.seconds for r in results]
    return {
        "images": len(results),
        "valid_records": len(valid),
        "invalid_records": len(invalid),
        "no_mrz_records": len(negatives),
        "exact_documents": _share(sum(r.exact for r in valid), len(valid)),
        "exact_lines": _share(sum(r.lines_exact for r in valid), lines),
        "invalid_flagged": _share(sum(not r.read_valid for r in invalid), len(invalid)),
        "false_repairs": sum(r.false_repairs for r in results),
        "repairs": sum(len(r.repairs) for r in results),
        "not_found": sum(r.read is None for r in valid),
        "false_positives": sum(r.read is not None for r in negatives),
        "seconds_per_image": round(statistics.median(seconds), 4) if seconds else None,
        "seconds_per_image_mean": round(statistics.fmean(seconds), 4) if seconds else None,
        "records": [asdict(r) for r in results],
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
