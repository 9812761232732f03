"""Rule-based receipt extractor: merchant, date, time, amounts, ids and line items."""

from __future__ import annotations

import re
from typing import Literal

from paperclerk.extract.base import Extraction
from paperclerk.extract.layout import Candidate, Row, best_field, candidate_from_lines, rows_of
from paperclerk.extract.receipt_amounts import (
    NOT_TAX,
    SUBTOTAL,
    TAX,
    drop_implausible_tax,
    keyword_amount_candidates,
    total_candidates,
)
from paperclerk.extract.receipt_header import address_candidate, company_candidates
from paperclerk.extract.receipt_items import extract_items
from paperclerk.model import DocType, ExtractedField, Page
from paperclerk.parsers import detect_currency, find_dates, find_phones, find_times, find_vat_ids

DATE_KEY = re.compile(r"(DATE|TARIKH|DATUM|FECHA|DATA\b|DTE)", re.IGNORECASE)
RECEIPT_NO = re.compile(
    r"(RECEIPT|RCPT|INVOICE|INV|BILL|DOC|TRANS|TXN|CHECK|SLIP|ORDER|BON|BELEG|TICKET)"
    r"\s*(NO|NUMBER|#|ID)?\.?\s*[:#]?\s*([A-Z0-9][A-Z0-9/\-]{2,})",
    re.IGNORECASE,
)
PAYMENT = [
    ("card", re.compile(r"(VISA|MASTER\s*CARD|MASTERCARD|AMEX|DEBIT|CREDIT\s*CARD|CARD)", re.I)),
    (
        "ewallet",
        re.compile(r"(E-?WALLET|GRAB\s*PAY|BOOST|TOUCH\s*N\s*GO|PAYPAL|APPLE\s*PAY)", re.I),
    ),
    ("cash", re.compile(r"\bCASH\b", re.IGNORECASE)),
]


class RuleReceiptExtractor:
    """Extracts the receipt schema with keyword, layout and typed-value rules.

    `name_case="upper"` (the default) returns merchant name and address in upper case, the
    way receipts print them and ERP master data stores them, so that a line printed in mixed
    case by one till matches the same merchant from another; `raw_text` keeps what was read.
    """

    doc_type = DocType.RECEIPT

    def __init__(self, name_case: Literal["upper", "as_printed"] = "upper") -> None:
        self.name_case = name_case

    @property
    def version(self) -> str:
        """Return the extractor version."""
        return "rule-receipt-1"

    def thresholds_for(self, max_field_error: float) -> dict[str, float]:
        """Return no thresholds: the rules' confidences are not calibrated."""
        return {}

    def extract(self, pages: list[Page]) -> Extraction:
        """Return receipt fields and line items found on the pages."""
        out = Extraction()
        if not pages or not any(p.lines for p in pages):
            return out
        first = pages[0]
        rows = [row for p in pages for row in rows_of(p)]
        fields: dict[str, ExtractedField | None] = {}

        companies = company_candidates(first)
        fields["merchant_name"] = best_field("merchant_name", companies)
        company_line = None
        if fields["merchant_name"] and fields["merchant_name"].provenance:
            ids = set(fields["merchant_name"].provenance.word_ids)
            hits = [ln.id for ln in first.lines if ids & set(ln.word_ids)]
            company_line = hits[-1] if hits else None
        addr = address_candidate(first, company_line)
        fields["merchant_address"] = best_field("merchant_address", [addr] if addr else [])
        fields["transaction_date"] = best_field("transaction_date", self._dates(rows))
        fields["transaction_time"] = best_field("transaction_time", self._times(rows))
        fields["total"] = best_field("total", total_candidates(rows))
        fields["subtotal"] = best_field("subtotal", keyword_amount_candidates(rows, SUBTOTAL))
        fields["total_tax"] = best_field("total_tax", keyword_amount_candidates(rows, TAX, NOT_TAX))
        fields["currency"] = best_field("currency", self._currency(rows))
        fields["merchant_phone"] = best_field("merchant_phone", self._phones(rows[:20]))
        fields["merchant_tax_id"] = best_field("merchant_tax_id", self._tax_ids(rows[:25]))
        fields["receipt_number"] = best_field("receipt_number", self._receipt_no(rows))
        fields["payment_method"] = best_field("payment_method", self._payment(rows))
        if self.name_case == "upper":
            for name in ("merchant_name", "merchant_address"):
                f = fields[name]
                if f is not None and isinstance(f.value, str):
                    f.value = f.value.upper()
                    for alt in f.alternatives:
                        alt.value = str(alt.value).upper()
        out.fields = {k: v for k, v in fields.items() if v is not None}
        drop_implausible_tax(out.fields)
        header_end = self._header_end(rows)
        out.line_items = extract_items(rows, header_end)
        return out

    @staticmethod
    def _header_end(rows: list[Row]) -> int:
        for i, row in enumerate(rows):
            if re.search(r"(QTY|DESCRIPTION|ITEM|PRICE|AMOUNT|AMT)", row.text, re.I):
                return i + 1
        for i, row in enumerate(rows):
            if find_dates(row.text):
                return i + 1
        return min(len(rows), 8)

    @staticmethod
    def _dates(rows: list[Row]) -> list[Candidate]:
        out: list[Candidate] = []
        for i, row in enumerate(rows):
            for m in find_dates(row.text):
                score = 0.6 + (0.25 if DATE_KEY.search(row.text) else 0) - 0.01 * min(i, 20)
                if re.search(r"(EXP|VALID|DUE|BEST\s*BEFORE)", row.text, re.I):
                    score -= 0.3
                out.append(candidate_from_lines(m.value, row.lines, row.page, score, m.raw))
        return out

    @staticmethod
    def _times(rows: list[Row]) -> list[Candidate]:
        out: list[Candidate] = []
        for i, row in enumerate(rows):
            for m in find_times(row.text):
                score = 0.6 + (0.2 if re.search(r"TIME|MASA|ZEIT|HEURE", row.text, re.I) else 0)
                out.append(
                    candidate_from_lines(m.value, row.lines, row.page, score - 0.005 * i, m.raw)
                )
        return out

    @staticmethod
    def _currency(rows: list[Row]) -> list[Candidate]:
        counts: dict[str, tuple[int, Row]] = {}
        for row in rows:
            code = detect_currency(row.text)
            if code:
                n, first = counts.get(code, (0, row))
                counts[code] = (n + 1, first)
        return [
            candidate_from_lines(code, row.lines, row.page, min(0.95, 0.5 + 0.1 * n), code)
            for code, (n, row) in counts.items()
        ]

    @staticmethod
    def _phones(rows: list[Row]) -> list[Candidate]:
        out: list[Candidate] = []
        for i, row in enumerate(rows):
            for phone in find_phones(row.text):
                score = 0.7 if re.search(r"TEL|PHONE|\bT\b|HP", row.text, re.I) else 0.45
                out.append(
                    candidate_from_lines(phone, row.lines, row.page, score - 0.01 * i, phone)
                )
        return out

    @staticmethod
    def _tax_ids(rows: list[Row]) -> list[Candidate]:
        out: list[Candidate] = []
        for i, row in enumerate(rows):
            for tax_id in find_vat_ids(row.text):
                out.append(
                    candidate_from_lines(tax_id, row.lines, row.page, 0.7 - 0.01 * i, tax_id)
                )
        return out

    @staticmethod
    def _receipt_no(rows: list[Row]) -> list[Candidate]:
        out: list[Candidate] = []
        for i, row in enumerate(rows):
            m = RECEIPT_NO.search(row.text)
            if m and re.search(r"\d", m.group(3)):
                out.append(
                    candidate_from_lines(
                        m.group(3), row.lines, row.page, 0.6 - 0.01 * i, m.group(3)
                    )
                )
        return out

    @staticmethod
    def _payment(rows: list[Row]) -> list[Candidate]:
        out: list[Candidate] = []
        for method, pattern in PAYMENT:
            for row in rows:
                if pattern.search(row.text):
                    out.append(candidate_from_lines(method, row.lines, row.page, 0.55, row.text))
                    break
        return out
