"""The document: the JSON contract of the whole system."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from pydantic import BaseModel, Field

from paperclerk.model.decision import Decision, Finding
from paperclerk.model.fields import ExtractedField, LineItem, TaxDetail
from paperclerk.model.page import Page

SCHEMA_VERSION = "1"


class DocType(StrEnum):
    """Document types the classifier knows."""

    RECEIPT = "receipt"
    INVOICE = "invoice"
    IDENTITY_DOCUMENT = "identity_document"
    PAYSLIP = "payslip"
    BANK_STATEMENT = "bank_statement"
    UTILITY_BILL = "utility_bill"
    OTHER = "other"
    CUSTOM = "custom"
    """A type a user defined (`Document.custom_type` names it), read by its trained model."""


CUSTOM_HINT_PREFIX = "custom:"
"""How a hint for a user-defined type is stored and queued: `custom:<type name>`."""


def type_hint(doc_type: DocType | None, custom_type: str | None = None) -> str | None:
    """Return a document type hint as it is stored with a queued document.

    A built-in type is its value; a user-defined type is `custom:<name>`, so one text
    column holds both and a user type can never be taken for a built-in one.
    """
    if custom_type is not None:
        return CUSTOM_HINT_PREFIX + custom_type
    return DocType(doc_type).value if doc_type is not None else None


def read_type_hint(value: str | None) -> tuple[DocType | None, str | None]:
    """Return the type and the user type's name of a stored hint (`type_hint`'s inverse).

    Raise ValueError on a value that is neither a built-in type nor `custom:<name>`.
    """
    if not value:
        return None, None
    if value.startswith(CUSTOM_HINT_PREFIX) and len(value) > len(CUSTOM_HINT_PREFIX):
        return DocType.CUSTOM, value[len(CUSTOM_HINT_PREFIX) :]
    doc_type = DocType(value)
    if doc_type == DocType.CUSTOM:
        raise ValueError("a hint for a user-defined type names the type: custom:<name>")
    return doc_type, None


class Source(StrEnum):
    """How the document arrived: the `source` of a result and of a stored document row.

    Mailbox attachments are `email`, as the README documents and as the IMAP intake has
    always stored them; the older spelling `mail` is still read as `email`.
    """

    API = "api"
    CLI = "cli"
    FOLDER = "folder"
    EMAIL = "email"

    @classmethod
    def _missing_(cls, value: object) -> Source | None:
        """Read the aliases of older data (`mail` for `email`); None for anything else."""
        return _SOURCE_ALIASES.get(value) if isinstance(value, str) else None


_SOURCE_ALIASES = {"mail": Source.EMAIL}
"""Spellings of a source that older data may hold, and the member each one means."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Document(BaseModel):
    """A processed document: pages with words, its type, fields, line items and decision."""

    schema_version: str = SCHEMA_VERSION
    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    workspace: str = "default"
    source: Source = Source.CLI
    filename: str | None = None
    sha256: str
    media_type: str
    size_bytes: int = Field(ge=0)
    pages: list[Page] = Field(default_factory=list)
    doc_type: DocType = DocType.OTHER
    custom_type: str | None = Field(
        None, description="The user-defined type's name when `doc_type` is `custom`."
    )
    doc_type_confidence: float = Field(0.0, ge=0.0, le=1.0)
    fields: dict[str, ExtractedField] = Field(default_factory=dict)
    line_items: list[LineItem] = Field(default_factory=list)
    tax_details: list[TaxDetail] = Field(default_factory=list)
    extra: dict[str, ExtractedField] = Field(default_factory=dict)
    findings: list[Finding] = Field(default_factory=list)
    decision: Decision | None = None
    model_versions: dict[str, str] = Field(
        default_factory=dict, description="Stage name → engine/model version that produced it."
    )
    timings: dict[str, float] = Field(
        default_factory=dict, description="Seconds spent per pipeline stage."
    )
    created_at: dt.datetime = Field(default_factory=_now)

    def value(self, name: str) -> object:
        """Return the typed value of a field, or None when it was not found."""
        f = self.fields.get(name)
        return f.value if f else None
