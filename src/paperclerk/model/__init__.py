"""The pydantic data model: documents, pages, words, fields, findings and decisions."""

from paperclerk.model.decision import Decision, DecisionOutcome, Finding, Severity
from paperclerk.model.document import (
    CUSTOM_HINT_PREFIX,
    SCHEMA_VERSION,
    DocType,
    Document,
    Source,
    read_type_hint,
    type_hint,
)
from paperclerk.model.fields import (
    VAT_CATEGORIES,
    Alternative,
    ExtractedField,
    FieldSource,
    FieldValue,
    LineItem,
    Provenance,
    TaxDetail,
)
from paperclerk.model.geometry import Box, NormBox, union_all
from paperclerk.model.page import Line, Page, Word

__all__ = [
    "CUSTOM_HINT_PREFIX",
    "SCHEMA_VERSION",
    "VAT_CATEGORIES",
    "Alternative",
    "Box",
    "Decision",
    "DecisionOutcome",
    "DocType",
    "Document",
    "ExtractedField",
    "FieldSource",
    "FieldValue",
    "Finding",
    "Line",
    "LineItem",
    "NormBox",
    "Page",
    "Provenance",
    "Severity",
    "Source",
    "TaxDetail",
    "Word",
    "read_type_hint",
    "type_hint",
    "union_all",
]
