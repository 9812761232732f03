"""Memory of one worker reading receipts: resident and peak, with and without releasing.

Each variant runs in a fresh child process (this script re-invoked with the hidden
``--child`` flag) that loads the pipeline, reads `--limit` receipts one after the other
with `paperclerk.pipeline.run.process_path`, and reports its resident memory (VmRSS) after
the first document and after the last, and its peak (VmHWM). The variants:

* ``plain``: nothing between documents;
* ``release``: `paperclerk.worker.runner.release_memory` after each document, as the
  worker does after each job.

The receipts are the validation side of the fixed split of ``../shared/data/sroie``.
The issue's bar is at most 600 MB per worker.

Usage::

    .venv/bin/python benchmarks/worker_memory.py [--limit 40] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_IMAGES = REPO_ROOT.parent / "shared" / "data" / "sroie" / "img"
DEFAULT_JSON = REPO_ROOT / "benchmarks" / "results" / "worker_memory.json"


def status_mb() -> dict[str, float]:
    """Return this process's VmRSS and VmHWM in MB (Linux `/proc/self/status`)."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = round(int(value.split()[0]) / 1024, 1)
    return out


def child(images: Path, limit: int, release: bool) -> dict[str, Any]:
    """Read the receipts in this process and return its memory figures."""
    from paperclerk.datasets.dataset import in_validation
    from paperclerk.pipeline.run import process_path
    from paperclerk.worker.runner import release_memory

    files = sorted(p for p in images.glob("*.jpg") if in_validation(p.stem))[:limit]
    first: dict[str, float] = {}
    for n, path in enumerate(files):
        process_path(path)
        if release:
            release_memory()
        if n == 0:
            first = status_mb()
    last = status_mb()
    return {
        "documents": len(files),
        "rss_after_first_mb": first.get("VmRSS"),
        "rss_after_last_mb": last.get("VmRSS"),
        "peak_mb": last.get("VmHWM"),
    }


def main(argv: list[str] | None = None) -> int:
    """Run both variants in child processes, print a table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=Path, default=DEFAULT_IMAGES)
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    parser.add_argument("--child", choices=("plain", "release"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.images, args.limit, args.child == "release")))
        return 0
    if not args.images.is_dir():
        print(f"no receipts in {args.images} (../shared/data/sroie/img)", file=sys.stderr)
        return 2
    figures: dict[str, Any] = {}
    print(f"{'variant':<10} {'docs':>5} {'RSS first':>10} {'RSS last':>9} {'peak':>7}  (MB)")
    for variant in ("plain", "release"):
        command = [sys.executable, __file__, "--child", variant, "--limit", str(args.limit),
                   "--images", str(args.images)]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        row = json.loads(done.stdout.strip().splitlines()[-1])
        figures[variant] = row
        print(
            f"{variant:<10} {row['documents']:>5} {row['rss_after_first_mb']:>10} "
            f"{row['rss_after_last_mb']:>9} {row['peak_mb']:>7}"
        )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"written {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
