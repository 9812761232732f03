"""`paperclerk eval duplicates`: precision and recall of duplicate detection on re-photographs.

From the receipt images in a folder, a labelled set is built: a share of the receipts is
re-photographed once or twice (`rephotograph`: table, crop, perspective, rotation incl.
90° turns, light, scale, blur, noise, JPEG), the rest stay single, and everything is
shuffled. Each image then goes through the real detection path — ingest, fingerprint,
`find_duplicates` against everything submitted before it, store — on a fresh SQLite
database. A predicted pair is (image, earlier image it was matched to); a true pair is two
images of the same receipt. Precision and recall are over pairs. `--seed` fixes it all.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paperclerk.evaluation.parallel import WorkerSetup, process_many
from paperclerk.evaluation.rephotograph import rephotograph
from paperclerk.ingest import load_bytes
from paperclerk.loyalty import candidates
from paperclerk.loyalty.duplicates import find_duplicates
from paperclerk.loyalty.fingerprints import fingerprint
from paperclerk.model import DocType, Document
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.migrate import upgrade
from paperclerk.storage.workspaces import create_workspace

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff"}
DUPLICATED_SHARE = 0.5  # share of receipts that get re-photographed


@dataclass(frozen=True)
class Item:
    """One image of the labelled set: which receipt it shows and its bytes."""

    receipt: str
    name: str
    data: bytes


@dataclass
class DuplicateReport:
    """Pair counts and the figures derived from them."""

    images: int = 0
    receipts: int = 0
    true_pairs: int = 0
    predicted_pairs: int = 0
    correct_pairs: int = 0
    errors: list[str] = field(default_factory=list)
    false_pairs: list[tuple[str, str]] = field(default_factory=list)
    missed_pairs: list[tuple[str, str]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        """Share of predicted pairs that are true (1.0 when nothing was predicted)."""
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        """Share of true pairs that were found."""
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    def to_json(self) -> dict[str, Any]:
        """Return the figures as JSON (keys `precision`, `recall`, `pairs`)."""
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "pairs": {
                "true": self.true_pairs,
                "predicted": self.predicted_pairs,
                "correct": self.correct_pairs,
            },
            "images": self.images,
            "receipts": self.receipts,
            "errors": self.errors,
            "false_pairs": [list(p) for p in self.false_pairs[:50]],
            "missed_pairs": [list(p) for p in self.missed_pairs[:50]],
        }


def receipt_images(root: Path) -> list[Path]:
    """Return the receipt images of a folder (or of its `img/` sub-folder), sorted."""
    folder = root / "img" if (root / "img").is_dir() else root
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def build_set(paths: list[Path], seed: int) -> list[Item]:
    """Build the shuffled, labelled set: originals plus re-photographs of half of them."""
    rng = random.Random(seed)
    items: list[Item] = []
    for path in paths:
        data = path.read_bytes()
        items.append(Item(path.stem, path.name, data))
        if rng.random() < DUPLICATED_SHARE:
            image = load_bytes(data).pages[0].image
            for n in range(rng.choice([1, 1, 2])):
                items.append(
                    Item(path.stem, f"{path.stem}~photo{n + 1}.jpg", rephotograph(image, rng))
                )
    rng.shuffle(items)
    return items


def read_all(
    items: list[Item],
    workers: int,
    on_progress: Callable[[str], None] | None = None,
    receipt_model: str | None = None,
) -> list[Document | None]:
    """OCR every image with the receipt pipeline, in worker processes; None where it failed."""
    docs: list[Document | None] = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for n, item in enumerate(items):
            path = Path(tmp) / f"{n:05d}.img"
            path.write_bytes(item.data)
            paths.append(path)
        for item, outcome in zip(
            items,
            process_many(paths, WorkerSetup(receipt_model=receipt_model), workers, DocType.RECEIPT),
            strict=True,
        ):
            docs.append(outcome.document)
            if on_progress is not None:
                on_progress(f"read {item.name}")
    return docs


def evaluate_duplicates(
    items: list[Item],
    on_progress: Callable[[str], None] | None = None,
    documents: list[Document | None] | None = None,
) -> DuplicateReport:
    """Submit every image in turn through the detection path and count pairs.

    With `documents` (the OCR of each item, from `read_all`) the content layers take part
    as they do in the service; without, only the file and picture layers do.
    """
    report = DuplicateReport(images=len(items), receipts=len({i.receipt for i in items}))
    by_receipt: dict[str, int] = {}
    for item in items:
        by_receipt[item.receipt] = by_receipt.get(item.receipt, 0) + 1
    report.true_pairs = sum(n * (n - 1) // 2 for n in by_receipt.values())
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'eval.db'}"
        upgrade(url)
        engine = make_engine(url)
        try:
            factory = make_session_factory(engine)
            with factory.begin() as session:
                workspace = create_workspace(session, "eval-duplicates").id
            seen: dict[int, Item] = {}
            found: set[tuple[str, str]] = set()
            for n, item in enumerate(items):
                doc = documents[n] if documents is not None else None
                _submit(factory, workspace, item, doc, seen, report, found)
                if on_progress is not None:
                    on_progress(item.name)
        finally:
            engine.dispose()
    names: dict[str, list[str]] = {}
    for item in items:
        names.setdefault(item.receipt, []).append(item.name)
    for group in names.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if (a, b) not in found and (b, a) not in found:
                    report.missed_pairs.append((a, b))
    return report


def _submit(
    factory: Any,
    workspace: str,
    item: Item,
    doc: Document | None,
    seen: dict[int, Item],
    report: DuplicateReport,
    found: set[tuple[str, str]],
) -> None:
    try:
        fp = fingerprint(load_bytes(item.data), doc)
    except Exception as exc:  # a bad image counts against recall, never stops the run
        report.errors.append(f"{item.name}: {type(exc).__name__}: {exc}")
        return
    with factory.begin() as session:
        for match in find_duplicates(session, workspace, fp):
            earlier = seen[match.submission_id]
            report.predicted_pairs += 1
            found.add((item.name, earlier.name))
            if earlier.receipt == item.receipt:
                report.correct_pairs += 1
            else:
                report.false_pairs.append((item.name, earlier.name))
        row = candidates.record(session, workspace, "eval", item.receipt, fp, "approved")
        seen[row.id] = item
