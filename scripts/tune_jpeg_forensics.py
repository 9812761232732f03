"""Measure `jpeg_forensics.painted_region` on SROIE receipts (tuning or validation split).

Builds, per receipt of the split: the untouched scan, the scan re-saved at quality 85-95,
a simulated re-photograph (scans under 20 MP), the total painted over (`edit_total`,
without and with the cash line), the same edit saved at quality 70/75/80/98, and the edit
made on a never-JPEG original (the scan moved 3, 5 pixels off its grid and saved as PNG).
Prints each set's share at or above several surprise thresholds.

    .venv/bin/python scripts/tune_jpeg_forensics.py tune   # receipts outside validation
    .venv/bin/python scripts/tune_jpeg_forensics.py val    # report once, never tune on it
"""

from __future__ import annotations

import io
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from paperclerk.datasets.dataset import in_validation
from paperclerk.datasets.sroie_format import read_box_file
from paperclerk.evaluation.rephotograph import rephotograph
from paperclerk.evaluation.tamper_edits import edit_total
from paperclerk.loyalty.jpeg_forensics import MIN_SURPRISE, painted_region

ROOT = Path(__file__).resolve().parents[2] / "shared" / "data" / "sroie"
THRESHOLDS = (20.0, 30.0, 40.0, MIN_SURPRISE, 60.0, 80.0)
FALSE_POSITIVE_SETS = ("orig", "resave", "rephoto", "edit_png")


class _Quality(random.Random):
    """A Random that makes `edit_total` save at a chosen quality, all else unchanged."""

    def __init__(self, seed: str, quality: int) -> None:
        super().__init__(seed)
        self.quality = quality

    def choice(self, seq: Sequence[int]) -> int:  # type: ignore[override]
        """Return the chosen quality for the quality draw, else an ordinary choice."""
        if list(seq) == [85, 90, 95]:
            super().choice(seq)
            return self.quality
        return super().choice(seq)


def cases(path: Path, scratch: Path) -> dict[str, bytes]:
    """Return the files made from one receipt, by set name."""
    stem = path.stem
    out = {"orig": path.read_bytes()}
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        return out
    rng = random.Random(stem)
    buf = io.BytesIO()
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    Image.fromarray(rgb).save(buf, "JPEG", quality=rng.randint(85, 95))
    out["resave"] = buf.getvalue()
    if bgr.shape[0] * bgr.shape[1] < 20e6:
        out["rephoto"] = rephotograph(bgr, random.Random(f"ph{stem}"))
    for key, cash in (("edit", False), ("edit_cash", True)):
        edit = edit_total(path, random.Random(f"{key}{stem}"), with_cash=cash)
        if edit is not None:
            out[key] = edit.data
    quality = rng.choice([70, 75, 80, 98])
    edit = edit_total(path, _Quality(f"edit{stem}", quality), with_cash=False)
    if edit is not None:
        out[f"edit_q{quality}"] = edit.data
    words = read_box_file(path.parent.parent / "box" / f"{stem}.txt")
    moved = [
        replace(w, box=w.box.model_copy(update={"x0": w.box.x0 - 3, "x1": w.box.x1 - 3,
                                                "y0": w.box.y0 - 5, "y1": w.box.y1 - 5}))
        for w in words
    ]  # fmt: skip
    png = scratch / f"{stem}.png"
    cv2.imwrite(str(png), bgr[5:, 3:])
    edit = edit_total(png, random.Random(f"edit{stem}"), with_cash=False, words=moved)
    if edit is not None:
        out["edit_png"] = edit.data
    png.unlink()
    return out


def main(split: str) -> None:
    """Score every case of the split and print the shares flagged per threshold."""
    paths = [
        p
        for p in sorted((ROOT / "img").glob("*.jpg"))
        if in_validation(f"sroie/{p.stem}") == (split == "val")
    ]
    scratch = Path("/tmp/tune_jpeg_forensics")
    scratch.mkdir(exist_ok=True)
    scores: dict[str, list[float]] = {}
    seconds: list[tuple[float, float]] = []
    for path in paths:
        for name, data in cases(path, scratch).items():
            start = time.perf_counter()
            found = painted_region(data, min_surprise=0.0)
            if name == "orig":
                with Image.open(io.BytesIO(data)) as img:
                    seconds.append((img.width * img.height / 1e6, time.perf_counter() - start))
            group = "edit_q70-98" if name.startswith("edit_q") else name
            scores.setdefault(group, []).append(0.0 if found is None else found.surprise)
    print(f"{split}: {len(paths)} receipts")
    print("set          n   " + " ".join(f">={t:<5g}" for t in THRESHOLDS))
    for name, values in scores.items():
        arr = np.asarray(values)
        shares = " ".join(f"{np.mean(arr >= t):6.3f}" for t in THRESHOLDS)
        print(f"{name:11s} {len(arr):4d}  {shares}")
    mp = np.array(seconds)
    small = mp[mp[:, 0] <= 3.0]
    median, most = np.median(small[:, 1]), small[:, 1].max()
    print(f"seconds on 1-3 MP originals: median {median:.3f} max {most:.3f}")
    big = mp[mp[:, 0] >= 20.0]
    if len(big):
        print(f"seconds on >= 20 MP originals: {np.round(big[:, 1], 2).tolist()}")
        print(f"  (their megapixels: {big[:, 0].round(0).tolist()})")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tune")
