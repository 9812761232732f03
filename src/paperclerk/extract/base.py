"""The interface every field extractor implements, rule-based or trained."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from paperclerk.model import DocType, ExtractedField, Finding, LineItem, Page, TaxDetail


@dataclass
class Extraction:
    """Fields, line items and tax lines extracted from the pages of one document.

    `findings` are what the reading itself verified (an MRZ's check digits, characters
    it repaired); the pipeline adds them to the business rules' findings.
    """

    fields: dict[str, ExtractedField] = field(default_factory=dict)
    line_items: list[LineItem] = field(default_factory=list)
    tax_details: list[TaxDetail] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


class FieldExtractor(Protocol):
    """Extracts the schema of one document type from OCR'd pages."""

    doc_type: DocType

    @property
    def version(self) -> str:
        """Extractor name and version, recorded in each document."""
        ...

    def extract(self, pages: list[Page]) -> Extraction:
        """Return the fields of the schema found on the pages, with provenance."""
        ...

    def thresholds_for(self, max_field_error: float) -> dict[str, float]:
        """Return per-field confidence thresholds that keep the field error within the bound.

        The decision gates fields on these. An extractor whose confidences are not
        calibrated returns an empty mapping: no field of it can pass on confidence alone
        (only thresholds fixed in the decision policy apply).
        """
        ...
