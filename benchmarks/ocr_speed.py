"""OCR speed and memory benchmark: RapidOCR (the default engine) against Tesseract.

Every engine reads the SAME receipt images in the same run. Each engine runs in its own
child process (this script re-invoked with the hidden ``--worker ENGINE`` flag), one after
the other, so that its peak RSS is its own and the engines never compete for the CPU.

Per engine the worker measures:

* ``load_seconds``: creating the engine with ``get_engine(name)`` (model loading);
* ``warmup_seconds``: one untimed warm-up read of the first image;
* ``ocr``: seconds per page of ``engine.read(image)`` only (``cv2.imread`` is not timed):
  median, p95, mean and pages per second (1 / mean);
* ``peak_rss_mb``: peak resident memory of the OCR work, taken right after the OCR loop;
* ``pipeline``: seconds per document of ``paperclerk.pipeline.run.process_path`` (ingest,
  pre-processing, OCR, classification, extraction, validation) on the same files, after one
  untimed warm-up document; ``null`` when the pipeline cannot be imported.

Usage::

    .venv/bin/python benchmarks/ocr_speed.py [--images DIR] [--limit N]
        [--engines rapid,tesseract] [--json PATH] [--threads N] [--no-pipeline]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_IMAGES = REPO_ROOT.parent / "shared" / "data" / "sroie" / "img"
FALLBACK_IMAGES = (
    REPO_ROOT / "examples" / "receipt-scan.png",
    REPO_ROOT / "examples" / "receipt-photo.jpg",
)
DEFAULT_JSON = REPO_ROOT / "benchmarks" / "results" / "ocr_speed.json"
DEFAULT_ENGINE = "rapid"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp"}


# --------------------------------------------------------------------------- statistics


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (0..100) with linear interpolation, like numpy's default."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summarise(samples: list[float]) -> dict[str, Any]:
    """Median, p95 and mean seconds of a list of per-page timings."""
    mean = sum(samples) / len(samples)
    return {
        "median_s": round(percentile(samples, 50), 4),
        "p95_s": round(percentile(samples, 95), 4),
        "mean_s": round(mean, 4),
        "n": len(samples),
        "samples_s": [round(s, 4) for s in samples],
    }


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and its waited-for children (tesseract)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def peak_rss_mb() -> dict[str, float]:
    """Peak RSS so far of this process and (see ChildPeakWatcher) of its children, in MB.

    ``ru_maxrss`` is in KB on Linux (bytes on macOS).
    """
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / scale
    return {"self": round(own, 1), "children": round(children, 1)}


class ChildPeakWatcher:
    """Polls the peak RSS (VmHWM) of this process's child processes, e.g. ``tesseract``.

    ``RUSAGE_CHILDREN`` is no good for this: Linux carries the parent's RSS at fork time
    into the child's ``ru_maxrss``, so a small child of a big parent reads as big. VmHWM
    belongs to the memory map created at exec and is the child's own peak. Each child is
    polled every `interval` seconds until it exits; the largest value seen is kept.
    """

    def __init__(self, interval: float = 0.02) -> None:
        pid = os.getpid()
        self._children_file = Path(f"/proc/{pid}/task/{pid}/children")
        self.available = self._children_file.is_file()
        self.peak_kb = 0
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                pids = self._children_file.read_text().split()
            except OSError:
                continue
            for child in pids:
                try:
                    status = Path(f"/proc/{child}/status").read_text()
                except OSError:
                    continue  # exited in between
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        self.peak_kb = max(self.peak_kb, int(line.split()[1]))
                        break

    def __enter__(self) -> ChildPeakWatcher:
        if self.available:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.available:
            self._stop.set()
            self._thread.join()

    @property
    def peak_mb(self) -> float | None:
        """Largest child peak seen in MB; None where /proc cannot be polled."""
        return round(self.peak_kb / 1024, 1) if self.available else None


# --------------------------------------------------------------------------- worker


def run_worker(
    engine_name: str, images: list[Path], threads: int, pipeline: bool
) -> dict[str, Any]:
    """Measure one engine in this (fresh) process and return its results."""
    import cv2

    from paperclerk.engines.registry import get_engine

    rss_before_load = peak_rss_mb()
    start = time.perf_counter()
    engine = get_engine(engine_name, threads)
    load_seconds = time.perf_counter() - start
    version = engine.version

    first = cv2.imread(str(images[0]), cv2.IMREAD_COLOR)
    if first is None:
        raise RuntimeError(f"cannot read image {images[0]}")
    start = time.perf_counter()
    engine.read(first)
    warmup_seconds = time.perf_counter() - start
    del first

    ocr_samples: list[float] = []
    cpu_samples: list[float] = []
    words: list[int] = []
    skipped: list[str] = []
    with ChildPeakWatcher() as watcher:
        for i, path in enumerate(images, 1):
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None:
                skipped.append(path.name)
                continue
            cpu_start = cpu_seconds()
            start = time.perf_counter()
            result = engine.read(image)
            ocr_samples.append(time.perf_counter() - start)
            cpu_samples.append(cpu_seconds() - cpu_start)
            words.append(len(result))
            del image, result
            if i % 10 == 0:
                print(f"  [{engine_name}] ocr {i}/{len(images)}", file=sys.stderr, flush=True)
    if not ocr_samples:
        raise RuntimeError("no image could be read")
    rss_ocr = peak_rss_mb()
    child_peak = watcher.peak_mb
    if child_peak is None and rss_ocr["children"] > rss_ocr["self"]:
        child_peak = rss_ocr["children"]  # no /proc: rusage is right only above the parent

    out: dict[str, Any] = {
        "version": version,
        "load_seconds": round(load_seconds, 3),
        "warmup_seconds": round(warmup_seconds, 3),
        "ocr": {
            **summarise(ocr_samples),
            "pages_per_second": round(len(ocr_samples) / sum(ocr_samples), 3),
            "cpu_s_per_page_mean": round(sum(cpu_samples) / len(cpu_samples), 4),
            "words_per_page_mean": round(sum(words) / len(words), 1),
        },
        "pipeline": None,
        "pipeline_note": None,
        "peak_rss_mb": round(rss_ocr["self"] + (child_peak or 0.0), 1),
        "rss_mb": {
            "self_before_load": rss_before_load["self"],
            "self_after_ocr": rss_ocr["self"],
            "child_process_peak": child_peak,
            "rusage_children_after_ocr": rss_ocr["children"],
        },
        "threads_requested": threads,  # 0 = engine default (rapid: all cores; tesseract: OpenMP)
        "skipped_images": skipped,
    }
    if not pipeline:
        out["pipeline_note"] = "skipped (--no-pipeline)"
        return out

    try:
        from paperclerk.pipeline.run import process_path
    except Exception as exc:
        out["pipeline_note"] = f"pipeline import failed: {type(exc).__name__}: {exc}"
        return out

    readable = [p for p in images if p.name not in skipped]
    try:
        process_path(readable[0], engine=engine)  # warm-up: lazy imports, first-call costs
    except Exception as exc:
        out["pipeline_note"] = f"pipeline warm-up failed: {type(exc).__name__}: {exc}"
        return out
    pipe_samples: list[float] = []
    errors: list[str] = []
    for i, path in enumerate(readable, 1):
        start = time.perf_counter()
        try:
            process_path(path, engine=engine)
        except Exception as exc:
            errors.append(f"{path.name}: {type(exc).__name__}: {exc}")
            continue
        pipe_samples.append(time.perf_counter() - start)
        if i % 10 == 0:
            print(f"  [{engine_name}] pipeline {i}/{len(readable)}", file=sys.stderr, flush=True)
    if pipe_samples:
        out["pipeline"] = summarise(pipe_samples)
    if errors:
        out["pipeline_note"] = f"{len(errors)} document(s) failed, first: {errors[0]}"
    rss_pipe = peak_rss_mb()
    out["rss_mb"]["self_after_pipeline"] = rss_pipe["self"]
    out["rss_mb"]["rusage_children_after_pipeline"] = rss_pipe["children"]
    return out


def spawn_worker(
    engine_name: str, images: list[Path], threads: int, pipeline: bool
) -> dict[str, Any]:
    """Run one engine in a fresh Python process and read back its JSON result."""
    with tempfile.TemporaryDirectory(prefix="ocr_speed_") as tmp:
        image_list = Path(tmp) / "images.txt"
        result_path = Path(tmp) / "result.json"
        image_list.write_text("\n".join(str(p) for p in images), encoding="utf-8")
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            engine_name,
            "--worker-images",
            str(image_list),
            "--worker-out",
            str(result_path),
            "--threads",
            str(threads),
        ]
        if not pipeline:
            cmd.append("--no-pipeline")
        proc = subprocess.run(cmd, cwd=REPO_ROOT, check=False)
        if result_path.is_file():
            result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
            return result
        return {"error": f"worker exited with code {proc.returncode} and wrote no result"}


def worker_main(args: argparse.Namespace) -> int:
    """Entry point of the hidden ``--worker`` mode: measure and write JSON."""
    images = [Path(line) for line in Path(args.worker_images).read_text().splitlines() if line]
    try:
        result = run_worker(args.worker, images, args.threads, not args.no_pipeline)
    except Exception as exc:
        result = {"error": f"{type(exc).__name__}: {exc}"}
    Path(args.worker_out).write_text(json.dumps(result), encoding="utf-8")
    return 0 if "error" not in result else 1


# --------------------------------------------------------------------------- parent


def find_images(folder: Path | None, limit: int) -> tuple[list[Path], str]:
    """Return the first `limit` images sorted by name, and a label of where they came from."""
    if folder is None:
        folder = DEFAULT_IMAGES
        if not folder.is_dir():
            files = [p for p in FALLBACK_IMAGES if p.is_file()]
            return files[:limit], str(REPO_ROOT / "examples")
    if not folder.is_dir():
        raise SystemExit(f"image folder not found: {folder}")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    return files[:limit], str(folder)


def machine_info() -> dict[str, Any]:
    """Describe the machine the numbers were taken on."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 1
    info: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "cpu_usable": usable,
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
    }
    if hasattr(os, "getloadavg"):
        info["loadavg_at_start"] = [round(x, 2) for x in os.getloadavg()]
    return info


def compute_ratios(engines: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Each engine's median divided by the default engine's median (``x rapid``)."""
    ratios: dict[str, Any] = {"baseline": DEFAULT_ENGINE, "ocr_median": {}, "pipeline_median": {}}
    base = engines.get(DEFAULT_ENGINE, {})
    for kind, key in (("ocr", "ocr_median"), ("pipeline", "pipeline_median")):
        base_stats = base.get(kind)
        for name, res in engines.items():
            stats = res.get(kind)
            if base_stats and stats and base_stats["median_s"] > 0:
                ratios[key][name] = round(stats["median_s"] / base_stats["median_s"], 2)
            else:
                ratios[key][name] = None
    return ratios


def render(report: dict[str, Any]) -> None:
    """Print the results as a Rich table on stdout."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:
        console = Console(width=170)

    def num(value: float | None, fmt: str = "{:.3f}") -> str:
        return "-" if value is None else fmt.format(value)

    def ratio(value: float | None) -> str:
        return "-" if value is None else f"x{value:.2f}"

    imgs = report["images"]
    machine = report["machine"]
    table = Table(
        title=f"OCR speed: {imgs['count']} images from {imgs['folder']}",
        caption=(
            f"{machine['cpu_usable']} CPU(s), {machine['platform']}, Python {machine['python']}"
            "; seconds per page; x = median / rapid median"
        ),
    )
    for column in ("engine", "version", "load s"):
        table.add_column(column)
    for column in ("OCR med", "OCR p95", "OCR mean", "pages/s", "x rapid"):
        table.add_column(column, justify="right")
    for column in ("pipe med", "pipe p95", "pipe mean", "x rapid", "peak RSS MB"):
        table.add_column(column, justify="right")
    ratios = report["ratios"]
    notes: list[str] = []
    for name, res in report["engines"].items():
        if "error" in res:
            table.add_row(name, "[red]failed[/red]", *["-"] * 11)
            notes.append(f"{name}: {res['error']}")
            continue
        ocr, pipe = res["ocr"], res["pipeline"] or {}
        table.add_row(
            name,
            res["version"],
            num(res["load_seconds"], "{:.2f}"),
            num(ocr["median_s"]),
            num(ocr["p95_s"]),
            num(ocr["mean_s"]),
            num(ocr["pages_per_second"], "{:.2f}"),
            ratio(ratios["ocr_median"].get(name)),
            num(pipe.get("median_s")),
            num(pipe.get("p95_s")),
            num(pipe.get("mean_s")),
            ratio(ratios["pipeline_median"].get(name)),
            num(res["peak_rss_mb"], "{:.0f}"),
        )
        if res.get("pipeline_note"):
            notes.append(f"{name}: {res['pipeline_note']}")
        if res.get("skipped_images"):
            notes.append(f"{name}: unreadable images skipped: {len(res['skipped_images'])}")
    console.print(table)
    for note in notes:
        console.print(f"[yellow]note[/yellow] {note}", soft_wrap=True)
    console.print(f"JSON written to {report['json_path']}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line (the ``--worker*`` flags are internal)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--images",
        type=Path,
        default=None,
        help=f"folder of images (default {DEFAULT_IMAGES}, else the receipts in examples/)",
    )
    parser.add_argument(
        "--limit", type=int, default=40, help="first N images sorted by name (default 40)"
    )
    parser.add_argument(
        "--engines",
        default="rapid,tesseract",
        help="comma-separated engine names (default rapid,tesseract)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=DEFAULT_JSON,
        help="where to write the JSON results (default %(default)s)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="threads passed to get_engine; 0 = engine default (all cores)",
    )
    parser.add_argument(
        "--no-pipeline", action="store_true", help="time the OCR engines only, not process_path"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--worker-images", help=argparse.SUPPRESS)
    parser.add_argument("--worker-out", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run every engine in its own child process and report the results."""
    args = parse_args(argv)
    if args.worker:
        return worker_main(args)
    if args.limit < 1:
        raise SystemExit("--limit must be at least 1")

    images, folder = find_images(args.images, args.limit)
    if not images:
        raise SystemExit(f"no images found in {folder}")
    names = [n.strip() for n in args.engines.split(",") if n.strip()]
    machine = machine_info()

    engines: dict[str, dict[str, Any]] = {}
    for name in names:
        print(f"running {name} on {len(images)} image(s) ...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        engines[name] = spawn_worker(name, images, args.threads, not args.no_pipeline)
        print(f"  {name} done in {time.perf_counter() - start:.1f}s", file=sys.stderr, flush=True)

    json_path: Path = args.json
    report: dict[str, Any] = {
        "machine": machine,
        "images": {
            "count": len(images),
            "folder": folder,
            "first": images[0].name,
            "last": images[-1].name,
        },
        "engines": engines,
        "ratios": compute_ratios(engines),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
    }
    if hasattr(os, "getloadavg"):
        machine["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    render({**report, "json_path": str(json_path)})
    return 0 if all("error" not in r for r in engines.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
