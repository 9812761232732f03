"""Shadow evaluation: a candidate run in shadow shows, before promotion, how it compares.

Usage: python benchmarks/shadow.py [SROIE_DIR] [--candidate-receipts 60] --json FILE

Trains two receipt models on the training split of SROIE_DIR (the three quarters
`paperclerk train receipts` trains on): the live one on all of it, a candidate on the
first `--candidate-receipts` of those receipts only. The candidate runs in shadow while the
validation quarter (receipts neither model saw) is replayed through the service: the API
takes each upload, the worker's job reads it with the live model and the shadow, and a
reviewer approves every receipt the live model sent to review with its ground truth
(not taught to the memory, so both models read every receipt as trained). Writes the
shadow report as the API shows it and, to check it, both models' accuracy on every
replayed receipt, counted from the stored readings against the ground truth; and the time
the shadow reading adds per receipt against the whole job's. The drift monitor runs as in
the service, against the live model's training data: with receipts neither model saw, any
drift alarm it raises is a false one (`drift_alarms`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.datasets.dataset import Dataset
from paperclerk.datasets.importers import import_sroie, sroie_fields
from paperclerk.datasets.sroie_format import iter_samples
from paperclerk.engines.registry import Engine, get_engine
from paperclerk.learning.loader import (
    service_drift_references,
    service_receipt_extractor,
    service_shadow_readers,
)
from paperclerk.learning.receipt_training import TrainResult, train_receipts
from paperclerk.learning.registry import RECEIPT_KIND, Registry
from paperclerk.monitoring.shadow import same_value
from paperclerk.queue.lease import claim
from paperclerk.review import Correction, Reviewer, approve
from paperclerk.review.decisions import BlockingProblemsError
from paperclerk.settings import get_settings
from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.tables import DriftAlarmRow, ReviewItem, ShadowReadingRow
from paperclerk.storage.users import create_user
from paperclerk.storage.workspaces import create_api_key, create_workspace
from paperclerk.web.app import create_app
from paperclerk.worker.tasks import run_job

ROOT = Path(__file__).resolve().parent.parent
FIELDS = ("merchant_name", "merchant_address", "transaction_date", "total")


def save(result: TrainResult, registry: Registry) -> str:
    """Store a trained model in the registry without promoting it; return its id."""
    folder = registry.folder(result.card.id)
    result.model.save(folder / "model.json.gz")
    result.memory.save(folder / "memory.json")
    registry.save_card(result.card)
    return result.card.id


def review(
    factory: sessionmaker[Session],
    reviewer: Reviewer,
    document_id: str,
    expected: dict[str, str | None],
) -> None:
    """Approve a receipt the live model sent to review with its ground-truth header fields.

    The keys give the header only: a rule the true values still fail (line items that do
    not add up to the true total) is acknowledged as a reviewer would, saying why.
    """
    fields = {n: v or "" for n, v in expected.items()}
    acknowledged: dict[str, str] = {}
    for _ in range(2):
        try:
            with factory.begin() as s:
                item = s.get(ReviewItem, document_id)
                if item is None or item.state != "pending":
                    return
                correction = Correction(fields=fields, acknowledged=acknowledged)
                approve(s, reviewer, document_id, correction, data_dir=None)
                return
        except BlockingProblemsError as exc:
            rules = {p.rule for p in exc.problems if p.rule}
            if not rules or rules <= acknowledged.keys():
                return  # values the key cannot give: left in the queue
            acknowledged |= {r: "the key gives the header only" for r in rules}


def offline_accuracy(
    readings: list[ShadowReadingRow], truth: dict[str, dict[str, str | None]]
) -> dict[str, Any]:
    """Each model's share of right fields on every replayed receipt, per field and overall."""
    out: dict[str, Any] = {}
    for side in ("live", "shadow"):
        per_field = {}
        right_all = total_all = 0
        for name in FIELDS:
            right = total = 0
            for row in readings:
                expected = truth[row.document_id].get(name)
                fields = row.live_fields if side == "live" else row.shadow_fields
                value = (fields.get(name) or {}).get("value")
                if expected is None and value is None:
                    continue
                total += 1
                right += same_value(value, expected)
            per_field[name] = round(right / total, 4) if total else None
            right_all, total_all = right_all + right, total_all + total
        out[side] = {"fields": per_field, "overall": round(right_all / total_all, 4)}
    return out


def key_fields(report: dict[str, Any]) -> dict[str, Any]:
    """Return the report's accuracy over the fields the ground truth gives (`FIELDS`).

    The reviewer of this replay types only those; the other fields it approves as shown,
    so they would count the live model right by construction.
    """
    reviewed = live = shadow = 0.0
    for name in FIELDS:
        row = report["fields"].get(name) or {}
        n = row.get("reviewed") or 0
        reviewed += n
        live += n * (row.get("live_accuracy") or 0.0)
        shadow += n * (row.get("shadow_accuracy") or 0.0)
    return {
        "reviewed": int(reviewed),
        "live_accuracy": round(live / reviewed, 4) if reviewed else None,
        "shadow_accuracy": round(shadow / reviewed, 4) if reviewed else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sroie", nargs="?", default=str(ROOT.parent / "shared/data/sroie"))
    parser.add_argument("--candidate-receipts", type=int, default=60)
    parser.add_argument("--json", required=True, help="where to write the figures")
    args = parser.parse_args()
    sroie = Path(args.sroie)
    settings = get_settings()
    ocr = get_engine(Engine.RAPID, 2)
    started = time.monotonic()
    print("reading the training receipts (OCR, cached)", file=sys.stderr)
    read = import_sroie(sroie, ocr="engine", engine=ocr, cache_dir=settings.cache_dir)
    given = import_sroie(sroie, ocr="given")
    train_read, valid_read = read.split()
    train_given, _ = given.split()
    few = {ex.id for ex in sorted(train_read, key=lambda e: e.id)[: args.candidate_receipts]}
    samples = {f"sroie/{s.id}": s for s in iter_samples(sroie)}
    replay = [samples[ex.id] for ex in valid_read if samples[ex.id].image is not None]

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        registry = Registry(data_dir / "models")
        print("training the live model and the candidate", file=sys.stderr)
        live = train_receipts(Dataset([*train_read, *train_given]))
        live_id = save(live, registry)
        registry.promote(live.card, 0.0, None, by="benchmark")
        candidate = train_receipts(
            Dataset([ex for ex in [*train_read, *train_given] if ex.id in few])
        )
        candidate_id = save(candidate, registry)
        registry.start_shadow(RECEIPT_KIND, candidate_id, "benchmark", "fewer receipts")
        trained_at = time.monotonic()

        db_url = f"sqlite:///{Path(tmp) / 'paperclerk.db'}"
        app = create_app(db_url, data_dir)
        factory = make_session_factory(make_engine(db_url))
        with factory.begin() as s:
            ws = create_workspace(s, "shadow").id
            key = create_api_key(s, ws).key
            user = create_user(s, "rev@x.org", "reviewer-password", "reviewer", [ws])
            reviewer = Reviewer(user.id, user.email, (ws,))
        blobs = BlobStore.in_data_dir(data_dir)
        receipts = service_receipt_extractor(data_dir)
        shadows = service_shadow_readers(data_dir)
        references = service_drift_references(data_dir)
        truth: dict[str, dict[str, str | None]] = {}
        job_seconds: list[float] = []
        with TestClient(app) as client:
            for i, sample in enumerate(replay):
                assert sample.image is not None
                r = client.post(
                    "/v1/documents", headers={"Authorization": f"Bearer {key}"},
                    files={"file": ("receipt.jpg", sample.image.read_bytes(), "image/jpeg")},
                    data={"doc_type": "receipt"},
                )  # fmt: skip
                r.raise_for_status()
                document_id = r.json()["id"]
                expected: dict[str, str | None] = dict(sroie_fields(sample.key))
                truth[document_id] = expected
                while (job := claim(factory, "bench")) is not None:
                    t0 = time.perf_counter()
                    run_job(factory, blobs, job, ocr, receipts, references, shadows)
                    job_seconds.append(time.perf_counter() - t0)
                review(factory, reviewer, document_id, expected)
                print(f"\rreplayed {i + 1}/{len(replay)}", end="", file=sys.stderr)
            print(file=sys.stderr)
            shown = client.get("/v1/models/shadow", headers={"Authorization": f"Bearer {key}"})
            shown.raise_for_status()
        with factory() as s:
            readings = list(s.scalars(select(ShadowReadingRow)))
            offline = offline_accuracy(readings, truth)
            shadow_seconds = [row.seconds for row in readings]
            alarms = [a.message for a in s.scalars(select(DriftAlarmRow))]

    figures = {
        "benchmark": "shadow",
        "sroie": str(sroie),
        "live_model": {"id": live_id, "training_receipts": len(train_read)},
        "candidate": {"id": candidate_id, "training_receipts": len(few)},
        "replayed_receipts": len(replay),
        "report": shown.json()["report"],
        "report_key_fields": key_fields(shown.json()["report"]),
        "all_replayed_accuracy": offline,
        "drift_alarms": alarms,
        "median_job_seconds": round(statistics.median(job_seconds), 4),
        "median_shadow_seconds": round(statistics.median(shadow_seconds), 4),
        "training_seconds": round(trained_at - started, 1),
        "seconds": round(time.monotonic() - started, 1),
    }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(figures, indent=2))
    report = figures["report"]
    print(f"{'':24}{'live':>10}{'shadow':>10}")
    print(f"{'straight through':24}{report['live_automation_rate']:>10.3f}"
          f"{report['shadow_automation_rate']:>10.3f}")  # fmt: skip
    for name, t in report["fields"].items():
        if name in FIELDS and t["reviewed"]:
            live_right, shadow_right = t["live_accuracy"], t["shadow_accuracy"]
            print(f"{name + ' (reviewed)':24}{live_right:>10.3f}{shadow_right:>10.3f}")
    keys = figures["report_key_fields"]
    print(f"{'4 fields (reviewed)':24}{keys['live_accuracy']:>10.3f}"
          f"{keys['shadow_accuracy']:>10.3f}")  # fmt: skip
    print(f"{'4 fields (every one)':24}{offline['live']['overall']:>10.3f}"
          f"{offline['shadow']['overall']:>10.3f}")  # fmt: skip
    print(f"agreement {report['agreement']}, reviewed {report['reviewed_documents']} of "
          f"{report['documents']}; shadow {figures['median_shadow_seconds']} s of "
          f"{figures['median_job_seconds']} s per job (medians)")  # fmt: skip
    print(f"drift alarms on receipts neither model saw: {len(alarms)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
