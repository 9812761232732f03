"""Which extractor handles which document type."""

from __future__ import annotations

from paperclerk.extract.base import FieldExtractor
from paperclerk.model import DocType


def extractor_for(doc_type: DocType) -> FieldExtractor | None:
    """Return the extractor for a document type, or None when the type has no schema yet."""
    if doc_type == DocType.RECEIPT:
        from paperclerk.extract.receipt import RuleReceiptExtractor

        return RuleReceiptExtractor()
    if doc_type == DocType.INVOICE:
        from paperclerk.extract.invoice import RuleInvoiceExtractor

        return RuleInvoiceExtractor()
    return None
