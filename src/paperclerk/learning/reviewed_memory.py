"""The counterparty memory a running service learns into, shared by the web and the workers.

A reviewer's confirmation must help the very next document of that supplier, which a worker
process (maybe on another machine sharing the data folder) reads. So the memory lives in one
file, `<data_dir>/learning/memory.json`: it starts as a copy of the live model's memory, the
review flow adds each confirmed document to it under a file lock and replaces it atomically,
and workers reload it whenever the file changes.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from paperclerk.datasets.dataset import TrainingExample
from paperclerk.extract.base import Extraction
from paperclerk.learning.memory import CounterpartyMemory
from paperclerk.learning.receipt_extractor import TrainedReceiptExtractor
from paperclerk.model import DocType, Page

MEMORY_FILE = Path("learning") / "memory.json"


class ReviewedMemory:
    """The memory file of one data folder: read it (cached by mtime), or learn into it."""

    def __init__(self, data_dir: Path, base: Path | None = None) -> None:
        self.path = data_dir / MEMORY_FILE
        self.base = base
        self._cached: tuple[int, CounterpartyMemory] | None = None
        self._lock = threading.Lock()

    def current(self) -> CounterpartyMemory | None:
        """Return the memory as the file now holds it (None while nobody confirmed anything)."""
        try:
            stamp = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return None
        with self._lock:
            if self._cached is None or self._cached[0] != stamp:
                self._cached = (stamp, CounterpartyMemory.load(self.path))
            return self._cached[1]

    def snapshot(self) -> CounterpartyMemory:
        """Return the memory as it stands: the file, else the live model's (`base`), else empty.

        What the review flow would learn into next, for pages that show what is known.
        """
        return self.current() or self._starting_point()

    def remember(self, example: TrainingExample) -> CounterpartyMemory:
        """Add one confirmed document to the memory file and return the updated memory.

        The first confirmation starts from the live model's memory (`base`), so what
        training taught is kept. Writers are serialised by an exclusive lock on a lock file,
        and the new file replaces the old one atomically, so a reader never sees half of it.
        """

        def learn(memory: CounterpartyMemory) -> bool:
            memory.learn(example)
            return True

        memory, _ = self._update(learn)
        return memory

    def remove(self, index: int, field: str, value: str) -> bool:
        """Remove one learnt value (`Counterparty.forget`) of entry `index`; say if it was there.

        Written like `remember` (file lock, atomic replace); nothing is written when the
        entry or the value is not there. Entries keep their places (an emptied one stays
        as a gap), so the numbers that pages link to stay valid.
        """

        def forget(memory: CounterpartyMemory) -> bool:
            if not 0 <= index < len(memory.entries):
                return False
            return memory.entries[index].forget(field, value)

        _, removed = self._update(forget)
        return removed

    def _starting_point(self) -> CounterpartyMemory:
        """Return the live model's memory (`base`) or an empty one, before any confirmation."""
        if self.base is not None and self.base.exists():
            return CounterpartyMemory.load(self.base)
        return CounterpartyMemory()

    def _update(
        self, change: Callable[[CounterpartyMemory], bool]
    ) -> tuple[CounterpartyMemory, bool]:
        """Apply `change` to the memory under the lock; write the file if it says it changed."""
        with self._exclusive():
            if self.path.exists():
                memory = CounterpartyMemory.load(self.path)
            else:
                memory = self._starting_point()
            changed = change(memory)
            if changed:
                tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
                memory.save(tmp)
                os.replace(tmp, self.path)
        return memory, changed

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.path.with_suffix(".lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


class ReviewedReceiptExtractor:
    """The live trained receipt extractor, reading with the service's reviewed memory.

    `trained` returns the extractor of the model live now (so a model promoted by a
    background retraining is used from the next document on). Until the first review
    confirmation it is exactly that extractor; afterwards it uses the memory file,
    reloaded whenever a confirmation changed it.
    """

    doc_type = DocType.RECEIPT

    def __init__(
        self, trained: Callable[[], TrainedReceiptExtractor], memory: ReviewedMemory
    ) -> None:
        self.trained = trained
        self.memory = memory

    def _current(self) -> TrainedReceiptExtractor:
        live = self.trained()
        reviewed = self.memory.current()
        if reviewed is None:
            return live
        return TrainedReceiptExtractor(live.model, reviewed)

    @property
    def version(self) -> str:
        """The model id and the size of the memory in use."""
        return self._current().version

    def thresholds_for(self, max_field_error: float) -> dict[str, float]:
        """Return the live model's thresholds for an error bound (see TrainedReceiptExtractor)."""
        return self.trained().thresholds_for(max_field_error)

    def extract(self, pages: list[Page]) -> Extraction:
        """Extract the receipt fields with the newest reviewed memory."""
        return self._current().extract(pages)
