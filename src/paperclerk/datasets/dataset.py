"""Training data in the project's own model: pages with words plus the confirmed fields."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import BaseModel, Field

from paperclerk.model import DocType, Page

VALIDATION_SHARE = 0.25

# One document-type training example: a document's pages and its type.
DocTypeExample = tuple[list[Page], DocType]


def in_validation(example_id: str, share: float = VALIDATION_SHARE) -> bool:
    """Whether an example id falls on the validation side of the fixed split.

    The split depends only on the id, so it stays fixed as examples are added: an example
    never moves between the two sides.
    """
    bucket = int(hashlib.sha256(example_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return bucket < share


class TrainingExample(BaseModel):
    """One document as a model learns from it: its words and the values a person confirmed.

    `fields` holds each confirmed value in its JSON form (money as a decimal string, dates as
    ISO 8601, text as printed). `field_boxes` holds, where known, the word ids each value was
    read from. A value of None means a person confirmed that the field is absent.
    `corrected` names the fields a person changed (not just confirmed), each with the
    value it had before (None: it was absent); the counterparty memory lets a correction
    outrank earlier confirmations.
    """

    id: str
    doc_type: DocType
    pages: list[Page]
    fields: dict[str, str | None]
    field_words: dict[str, list[str]] = Field(default_factory=dict)
    source: str = Field(description="Where it came from: 'sroie', 'invoice2data', 'review'…")
    document_sha256: str | None = None
    corrected: dict[str, str | None] = Field(default_factory=dict)

    def content_key(self) -> str:
        """Hash of what a model can learn from this example (words and fields, not ids)."""
        words = [(w.text, round(w.box.x0), round(w.box.y0)) for p in self.pages for w in p.words]
        payload = json.dumps(
            [self.doc_type.value, words, sorted(self.fields.items(), key=lambda kv: kv[0])],
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


class Dataset:
    """An ordered collection of training examples with a content hash."""

    def __init__(self, examples: Iterable[TrainingExample] = ()) -> None:
        self.examples: list[TrainingExample] = list(examples)

    def __len__(self) -> int:
        return len(self.examples)

    def __iter__(self) -> Iterator[TrainingExample]:
        return iter(self.examples)

    def content_hash(self) -> str:
        """Return a sha256 over the examples' content, independent of their order."""
        digest = hashlib.sha256()
        for key in sorted(ex.content_key() for ex in self.examples):
            digest.update(key.encode())
        return digest.hexdigest()

    def of_type(self, doc_type: DocType) -> Dataset:
        """Return the examples of one document type."""
        return Dataset(ex for ex in self.examples if ex.doc_type == doc_type)

    def split(self, validation_share: float = VALIDATION_SHARE) -> tuple[Dataset, Dataset]:
        """Split into (train, validation) by a hash of each example id (see `in_validation`)."""
        train: list[TrainingExample] = []
        valid: list[TrainingExample] = []
        for ex in self.examples:
            (valid if in_validation(ex.id, validation_share) else train).append(ex)
        return Dataset(train), Dataset(valid)

    def save(self, path: Path) -> None:
        """Write the examples as JSON lines."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as fh:
            for ex in self.examples:
                fh.write(ex.model_dump_json() + "\n")

    @classmethod
    def load(cls, path: Path) -> Dataset:
        """Read examples written by `save` (or appended by the review flow)."""
        with path.open(encoding="utf-8") as fh:
            return cls(TrainingExample.model_validate_json(line) for line in fh if line.strip())
