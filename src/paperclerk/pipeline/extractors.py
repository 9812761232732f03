"""Which extractor handles which document type."""

from __future__ import annotations

from paperclerk.extract.base import FieldExtractor
from paperclerk.model import DocType


def extractor_for(doc_type: DocType, receipt_model: str | None = None) -> FieldExtractor | None:
    """Return the extractor for a document type, or None when the type has no schema yet.

    Receipts use the live trained model (`receipt_model` names another one, or 'rules').
    """
    if doc_type == DocType.RECEIPT:
        from paperclerk.learning.loader import receipt_extractor

        return receipt_extractor(receipt_model)
    if doc_type == DocType.IDENTITY_DOCUMENT:
        from paperclerk.extract.identity import MrzIdentityExtractor

        return MrzIdentityExtractor()
    if doc_type == DocType.INVOICE:
        from paperclerk.extract.invoice import RuleInvoiceExtractor

        return RuleInvoiceExtractor()
    if doc_type == DocType.PAYSLIP:
        from paperclerk.extract.payslip import PayslipExtractor

        return PayslipExtractor()
    if doc_type == DocType.BANK_STATEMENT:
        from paperclerk.extract.bank_statement import BankStatementExtractor

        return BankStatementExtractor()
    if doc_type == DocType.UTILITY_BILL:
        from paperclerk.extract.utility_bill import UtilityBillExtractor

        return UtilityBillExtractor()
    return None
