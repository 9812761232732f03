"""Tell which e-invoice syntax an XML root is, and read any e-invoice XML into its terms."""

from __future__ import annotations

from lxml import etree

from paperclerk.einvoice.cii import read_cii
from paperclerk.einvoice.safe_xml import parse_xml
from paperclerk.einvoice.terms import EInvoiceData, Syntax
from paperclerk.einvoice.ubl import read_ubl
from paperclerk.errors import UnsupportedMediaTypeError

UBL_INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CII_NS = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
ZUGFERD1_NS = "urn:ferd:CrossIndustryDocument:invoice:1p0"

_ROOTS: dict[tuple[str, str], Syntax] = {
    (UBL_INVOICE_NS, "Invoice"): Syntax.UBL_INVOICE,
    (UBL_CREDIT_NOTE_NS, "CreditNote"): Syntax.UBL_CREDIT_NOTE,
    (CII_NS, "CrossIndustryInvoice"): Syntax.CII,
    (ZUGFERD1_NS, "CrossIndustryDocument"): Syntax.ZUGFERD1,
}


def detect_syntax(root: etree._Element) -> Syntax | None:
    """Return the e-invoice syntax of a parsed root element, or None for other XML."""
    qname = etree.QName(root)
    return _ROOTS.get((qname.namespace or "", qname.localname))


def read_e_invoice(data: bytes) -> EInvoiceData:
    """Parse e-invoice XML bytes safely and return its business terms.

    Raises UnsafeXmlError (DOCTYPE/entities, too large), CorruptInputError (not XML) or
    UnsupportedMediaTypeError (XML that is not a UBL, CII or ZUGFeRD 1.0 invoice).
    """
    root = parse_xml(data)
    syntax = detect_syntax(root)
    if syntax is None:
        qname = etree.QName(root)
        raise UnsupportedMediaTypeError(
            f"The XML is not an e-invoice: its root is {qname.localname!r} in namespace "
            f"{qname.namespace or '(none)'!r}; expected a UBL 2.1 Invoice or CreditNote, "
            "a CII CrossIndustryInvoice or a ZUGFeRD 1.0 CrossIndustryDocument."
        )
    if syntax in (Syntax.UBL_INVOICE, Syntax.UBL_CREDIT_NOTE):
        return read_ubl(root, syntax)
    return read_cii(root, syntax)
