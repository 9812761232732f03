"""Learning from corrections: a confirmed document becomes a training example at once."""

from __future__ import annotations

import json
from pathlib import Path

from paperclerk.learning.dataset import Dataset, TrainingExample
from paperclerk.learning.memory import CounterpartyMemory
from paperclerk.model import Document

EXAMPLES_FILE = "corrections.jsonl"
MEMORY_FILE = "memory.json"
STATE_FILE = "feedback.json"


class FeedbackStore:
    """Confirmed documents and the live counterparty memory, kept in one folder.

    `confirm` appends the example and updates the memory in the same call, so the very next
    document of that supplier is read with it. `retrain_due` tells a scheduler when enough
    new examples have come in for a full retraining (`paperclerk train … --corrections`).
    """

    def __init__(self, folder: Path, base_memory: CounterpartyMemory | None = None) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / MEMORY_FILE
        if path.exists():
            self.memory = CounterpartyMemory.load(path)
        else:
            self.memory = base_memory or CounterpartyMemory()

    @property
    def examples_path(self) -> Path:
        """The JSON-lines file of confirmed examples."""
        return self.folder / EXAMPLES_FILE

    def confirm(self, doc: Document, fields: dict[str, str | None]) -> TrainingExample:
        """Store a person's confirmed values for a document and remember its counterparty."""
        example = TrainingExample(
            id=f"review/{doc.id}",
            doc_type=doc.doc_type,
            pages=doc.pages,
            fields=fields,
            source="review",
            document_sha256=doc.sha256,
        )
        with self.examples_path.open("a", encoding="utf-8") as fh:
            fh.write(example.model_dump_json() + "\n")
        self.memory.learn(example)
        self.memory.save(self.folder / MEMORY_FILE)
        state = self._state()
        state["since_training"] = state.get("since_training", 0) + 1
        self._save_state(state)
        return example

    def examples(self) -> Dataset:
        """Every confirmed example so far."""
        return Dataset.load(self.examples_path) if self.examples_path.exists() else Dataset()

    def retrain_due(self, every: int) -> bool:
        """Whether `every` or more examples arrived since the last training."""
        return self._state().get("since_training", 0) >= every

    def mark_trained(self) -> None:
        """Reset the counter after a retraining has run."""
        state = self._state()
        state["since_training"] = 0
        self._save_state(state)

    def _state(self) -> dict[str, int]:
        path = self.folder / STATE_FILE
        if not path.exists():
            return {}
        return {str(k): int(v) for k, v in json.loads(path.read_text()).items()}

    def _save_state(self, state: dict[str, int]) -> None:
        (self.folder / STATE_FILE).write_text(json.dumps(state))
