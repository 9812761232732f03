"""Process many files with several worker processes, one OCR thread each.

On a small CPU, two single-threaded OCR processes read more pages per second than one
process with two threads: much of a page's OCR is not parallel inside onnxruntime. Workers
are started with `spawn` (never fork after onnxruntime is loaded) and load the engine and
models once.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperclerk.errors import PaperclerkError
from paperclerk.model import DocType, Document

if TYPE_CHECKING:
    from paperclerk.engines.registry import Engine


@dataclass
class WorkerSetup:
    """What each worker process loads once: engine, threads and receipt model."""

    engine: Engine | str = "rapid"
    threads: int = 1
    receipt_model: str | None = None
    registry: Path | None = None


@dataclass
class Outcome:
    """The result of one file: a document or a typed error, and the seconds it took."""

    path: Path
    document: Document | None
    error: dict[str, Any] | None
    seconds: float


_setup = WorkerSetup()


def _init(setup: WorkerSetup) -> None:
    global _setup
    _setup = setup
    os.environ["OMP_NUM_THREADS"] = str(setup.threads)
    from paperclerk.engines.registry import get_engine

    get_engine(setup.engine, setup.threads)


def _run(path: Path, doc_type_hint: DocType | None) -> Outcome:
    from paperclerk.engines.registry import get_engine
    from paperclerk.learning.loader import receipt_extractor
    from paperclerk.pipeline.run import process_path

    start = time.perf_counter()
    try:
        extractor = receipt_extractor(_setup.receipt_model, _setup.registry)
        doc = process_path(
            path,
            engine=get_engine(_setup.engine, _setup.threads),
            doc_type_hint=doc_type_hint,
            extractor=extractor,
        )
        return Outcome(path, doc, None, time.perf_counter() - start)
    except PaperclerkError as exc:
        return Outcome(path, None, exc.to_dict(), time.perf_counter() - start)


def default_workers() -> int:
    """One worker per core, at most 4 (each holds its own OCR models, ~0.6 GB)."""
    return max(1, min(4, os.cpu_count() or 1))


def process_many(
    paths: list[Path],
    setup: WorkerSetup,
    workers: int,
    doc_type_hint: DocType | None = None,
) -> Iterator[Outcome]:
    """Process files in worker processes; yield outcomes in input order."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_init, initargs=(setup,)
    ) as pool:
        yield from pool.map(_run, paths, [doc_type_hint] * len(paths))
