"""Drift monitor: no alarm on receipts as they are, an alarm soon after they get worse.

Usage: python benchmarks/drift.py [SROIE_DIR] [--clean 300] [--drifted 100] --json FILE

Replays receipts through the service (the API takes each upload, the worker's job runs it
with the live model and the drift monitor, on a fresh SQLite data folder): first `--clean`
receipts of `SROIE_DIR` as they are, then up to `--drifted` receipts made harder in turn by
blur, low contrast and heavy JPEG compression. Writes `false_alarms` (alarms raised in
the first phase), `alarm_after_docs` (drifted receipts processed until the first alarm,
null if none), the alarms, and each document's signals.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image, ImageEnhance, ImageFilter
from sqlalchemy import select

from paperclerk.datasets.sroie_format import iter_samples
from paperclerk.engines.registry import Engine, get_engine
from paperclerk.learning.loader import service_drift_references, service_receipt_extractor
from paperclerk.queue.lease import claim
from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.tables import DriftAlarmRow, DriftObservationRow
from paperclerk.storage.workspaces import create_api_key, create_workspace
from paperclerk.web.app import create_app
from paperclerk.worker.tasks import run_job

ROOT = Path(__file__).resolve().parent.parent


def blur(image: Image.Image) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(2.0))


def low_contrast(image: Image.Image) -> Image.Image:
    return ImageEnhance.Contrast(image).enhance(0.25)


def heavy_jpeg(image: Image.Image) -> Image.Image:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=8)
    return Image.open(io.BytesIO(out.getvalue())).convert("RGB")


HARDER = (blur, low_contrast, heavy_jpeg)


def encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sroie", nargs="?", default=str(ROOT.parent / "shared/data/sroie"))
    parser.add_argument("--clean", type=int, default=300)
    parser.add_argument("--drifted", type=int, default=100)
    parser.add_argument("--json", required=True, help="where to write the figures")
    args = parser.parse_args()
    images = [s.image for s in iter_samples(Path(args.sroie)) if s.image is not None]
    random.Random(0).shuffle(images)
    if len(images) < args.clean:
        print(f"only {len(images)} receipts in {args.sroie}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        db_url = f"sqlite:///{Path(tmp) / 'paperclerk.db'}"
        app = create_app(db_url, data_dir)
        factory = make_session_factory(make_engine(db_url))
        with factory.begin() as s:
            ws = create_workspace(s, "drift").id
            key = create_api_key(s, ws).key
        blobs = BlobStore.in_data_dir(data_dir)
        ocr = get_engine(Engine.RAPID, 2)
        receipts = service_receipt_extractor(data_dir)
        references = service_drift_references(data_dir)
        docs: list[dict[str, Any]] = []
        started = time.monotonic()
        with TestClient(app) as client:

            def process(data: bytes, phase: str, harder: str | None) -> int:
                r = client.post(
                    "/v1/documents", headers={"Authorization": f"Bearer {key}"},
                    files={"file": ("receipt.jpg", data, "image/jpeg")},
                    data={"doc_type": "receipt"},
                )  # fmt: skip
                r.raise_for_status()
                while (job := claim(factory, "bench")) is not None:
                    run_job(factory, blobs, job, ocr, receipts, references)
                with factory() as s:
                    alarms = s.scalars(select(DriftAlarmRow)).all()
                    seen = s.scalars(
                        select(DriftObservationRow).order_by(DriftObservationRow.id.desc())
                    ).first()
                docs.append({
                    "phase": phase, "harder": harder, "alarms_so_far": len(alarms),
                    "word_confidence": seen.word_confidence if seen else None,
                    "field_confidence": seen.field_confidence if seen else None,
                    "automated": seen.automated if seen else None,
                })  # fmt: skip
                return len(alarms)

            for i, path in enumerate(images[: args.clean]):
                process(path.read_bytes(), "clean", None)
                print(f"\rclean {i + 1}/{args.clean}", end="", file=sys.stderr)
            false_alarms = docs[-1]["alarms_so_far"]
            alarm_after = None
            for i in range(args.drifted):
                make_harder = HARDER[i % len(HARDER)]
                image = Image.open(images[i % len(images)]).convert("RGB")
                count = process(encode(make_harder(image)), "drifted", make_harder.__name__)
                print(f"\rdrifted {i + 1}/{args.drifted}", end="", file=sys.stderr)
                if count > false_alarms:
                    alarm_after = i + 1
                    break
        print(file=sys.stderr)
        with factory() as s:
            alarms = [
                {"signal": a.signal, "value": round(a.value, 4), "bound": a.bound,
                 "documents": a.documents, "message": a.message}
                for a in s.scalars(select(DriftAlarmRow).order_by(DriftAlarmRow.raised_at))
            ]  # fmt: skip
    report = {
        "benchmark": "drift",
        "sroie": args.sroie,
        "clean_docs": args.clean,
        "false_alarms": false_alarms,
        "alarm_after_docs": alarm_after,
        "harder": [f.__name__ for f in HARDER],
        "alarms": alarms,
        "seconds": round(time.monotonic() - started, 1),
        "documents": docs,
    }
    Path(args.json).write_text(json.dumps(report, indent=1))
    print(f"{'false_alarms':<20} {false_alarms}")
    print(f"{'alarm_after_docs':<20} {alarm_after}")
    for a in alarms:
        print(f"  {a['message']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
