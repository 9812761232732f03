"""What the rule extractors of payslips, bank statements and utility bills share.

Each is a label table, a reader per field and a version name; `ProofRules` turns those
into the `FieldExtractor` surface (a version, no calibrated thresholds) and reads every
labelled value of the pages (`labelled`), to which each extractor adds its own evidence.
"""

from __future__ import annotations

from typing import ClassVar

from paperclerk.extract.invoice import guess_dayfirst
from paperclerk.extract.layout import Candidate
from paperclerk.extract.proof_common import ProofIndex, Reader, collect
from paperclerk.extract.proof_labels import labels_of
from paperclerk.model import DocType, Page


class ProofRules:
    """A rule extractor over a label table: set `doc_type`, `table`, `readers`, `rule_version`."""

    doc_type: DocType
    table: ClassVar[dict[str, list[tuple[str, float]]]]
    readers: ClassVar[dict[str, Reader]]
    rule_version: ClassVar[str]

    def __init__(self) -> None:
        self._labels = labels_of(self.table)

    @property
    def version(self) -> str:
        """Extractor name and version, recorded in each document."""
        return self.rule_version

    def thresholds_for(self, max_field_error: float) -> dict[str, float]:
        """Return no thresholds: the rules' confidences are not calibrated."""
        return {}

    def labelled(self, pages: list[Page]) -> tuple[ProofIndex, bool, dict[str, list[Candidate]]]:
        """Return the pages' index, whether dates put the day first, and labelled values."""
        index = ProofIndex(pages)
        dayfirst = guess_dayfirst(index)
        return index, dayfirst, collect(index, self._labels, self.readers, dayfirst)
