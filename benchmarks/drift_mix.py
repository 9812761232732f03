"""Drift monitor, document-type mix: quiet on a steady mix, an alarm soon after a type rises.

Usage: python benchmarks/drift_mix.py [--steady 2000] [--seeds 10] --json FILE

Runs the real monitor (`monitoring.drift.monitor`, packaged policy) on a SQLite database
with documents that carry only a type (no model reference, so only the type share can
alarm). Steady phase: `--steady` documents per seed with a fixed share of invoices among
receipts (1 %, 5 %, 20 %, 50 %); any alarm is a false one. Shift phase: 600 documents at
one share, then up to 400 at a higher one; writes after how many shifted documents the
`type_share` alarm came (null: not within 400).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from paperclerk.model import Box, DocType, Document, Page, Word
from paperclerk.monitoring.drift import monitor
from paperclerk.pipeline.policy import packaged_policy
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.migrate import upgrade
from paperclerk.storage.repositories import create_document
from paperclerk.storage.workspaces import create_workspace

STEADY_SHARES = (0.01, 0.05, 0.2, 0.5)
SHIFTS = ((0.2, 0.4), (0.2, 0.6), (0.0, 0.2), (0.05, 0.3))


def document(doc_type: DocType) -> Document:
    box = Box(x0=0, y0=0, x1=10, y1=10)
    word = Word(id="w0", text="X", box=box, norm_box=box.normalised(100, 100), confidence=0.95,
                line_id="l0")  # fmt: skip
    return Document(sha256="0" * 64, media_type="image/png", size_bytes=1, doc_type=doc_type,
                    pages=[Page(index=0, width=100, height=100, words=[word])])  # fmt: skip


class Replay:
    """A fresh workspace on one database; `feed` monitors documents of the given types."""

    def __init__(self, url: str, name: str) -> None:
        self.factory = make_session_factory(make_engine(url))
        with self.factory.begin() as s:
            self.workspace = create_workspace(s, name).id
        self.policy = packaged_policy()
        self.count = 0

    def feed(self, doc_type: DocType) -> bool:
        """Monitor one document; return whether it raised a type-share alarm."""
        self.count += 1
        sha = f"{self.workspace}{self.count:08d}".ljust(64, "0")
        with self.factory.begin() as s:
            row, _ = create_document(s, self.workspace, sha256=sha, size_bytes=1)
            raised = monitor(s, self.workspace, row.id, document(doc_type),
                             self.policy.for_type(doc_type), None)  # fmt: skip
        return any(a.signal == "type_share" for a in raised)


def pick(rng: random.Random, share: float) -> DocType:
    return DocType.INVOICE if rng.random() < share else DocType.RECEIPT


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steady", type=int, default=2000)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--json", required=True, help="where to write the figures")
    args = parser.parse_args()
    started = time.monotonic()
    steady: list[dict[str, Any]] = []
    shifts: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'mix.db'}"
        upgrade(url)
        for share in STEADY_SHARES:
            alarms = 0
            for seed in range(args.seeds):
                rng, replay = random.Random(seed), Replay(url, f"steady-{share}-{seed}")
                alarms += sum(replay.feed(pick(rng, share)) for _ in range(args.steady))
            steady.append({"share": share, "documents": args.steady * args.seeds,
                           "false_alarms": alarms})  # fmt: skip
            print(f"steady {share:.0%}: {alarms} false alarms", file=sys.stderr)
        for before, after in SHIFTS:
            found: list[int | None] = []
            for seed in range(args.seeds):
                rng, replay = random.Random(100 + seed), Replay(url, f"shift-{after}-{seed}")
                early = sum(replay.feed(pick(rng, before)) for _ in range(600))
                at = next((i + 1 for i in range(400) if replay.feed(pick(rng, after))), None)
                found.append(None if early else at)
            hits = [n for n in found if n is not None]
            shifts.append({
                "share_before": before, "share_after": after, "runs": args.seeds,
                "alarmed": len(hits), "median_docs_to_alarm": statistics.median(hits) if hits
                else None, "docs_to_alarm": found,
            })  # fmt: skip
            print(f"shift {before:.0%} -> {after:.0%}: {len(hits)}/{args.seeds} alarmed",
                  file=sys.stderr)  # fmt: skip
    figures = {
        "benchmark": "drift_mix",
        "policy": packaged_policy().for_type(DocType.INVOICE).drift.model_dump(),
        "steady": steady,
        "shifts": shifts,
        "seconds": round(time.monotonic() - started, 1),
    }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(figures, indent=2))
    print(f"{'invoice share':>20}{'documents':>12}{'alarmed':>10}{'median docs':>13}")
    for row in steady:
        print(f"{row['share']:>20.0%}{row['documents']:>12}{row['false_alarms']:>10}{'':>13}")
    for row in shifts:
        label = f"{row['share_before']:.0%} -> {row['share_after']:.0%}"
        median = row["median_docs_to_alarm"]
        print(f"{label:>20}{'':>12}{row['alarmed']:>7}/{row['runs']:<2}"
              f"{'' if median is None else median:>13}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
