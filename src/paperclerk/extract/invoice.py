"""Rule-based invoice extractor: multilingual keyword anchors, typed parsers and cross-checks.

Every field is collected as a list of scored candidates (a value next to a label, a fallback
found elsewhere); arithmetic cross-checks (subtotal + tax = total) and repeated evidence move
scores; the best candidate becomes the field and the runners-up its alternatives.  Nothing
here knows any particular vendor.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal

from paperclerk.extract.base import Extraction
from paperclerk.extract.common import DocIndex, LabelHit, Span, amount_of, norm
from paperclerk.extract.invoice_columns import split_columns
from paperclerk.extract.invoice_items import line_items
from paperclerk.extract.invoice_labels import invoice_labels
from paperclerk.extract.invoice_parties import customers, vendor_address, vendors
from paperclerk.extract.invoice_tables import header_lines, tax_details
from paperclerk.extract.invoice_values import READERS, id_token
from paperclerk.extract.invoice_vat_category import with_categories
from paperclerk.extract.invoice_window import window_parties
from paperclerk.extract.layout import Candidate, best_field, merge_repeated
from paperclerk.model import DocType, ExtractedField, FieldValue, Line, Page
from paperclerk.parsers import (
    detect_currency,
    find_dates,
    find_ibans,
    find_vat_ids,
    find_vat_shaped,
)

VERSION = "rule-invoice-1"

FIELDS = (
    "vendor_name", "vendor_address", "vendor_tax_id", "vendor_iban", "customer_name",
    "customer_address", "invoice_number", "invoice_date", "due_date", "purchase_order",
    "currency", "subtotal", "total_tax", "total", "amount_due", "payment_terms",
)  # fmt: skip

_NUMERIC_DATE = re.compile(r"(?<![\d.])(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})(?![\d.])")
_CURRENCY_NAMES = {
    r"\bUS\s*Dollars?\b": "USD", r"\bEuros?\b": "EUR", r"\bRupees?\b": "INR",
    r"\bRinggit\b": "MYR", r"\bPounds? Sterling\b": "GBP", r"\bZ[łl]otych\b": "PLN",
    r"\bSwiss Francs?\b": "CHF",
}  # fmt: skip
_COUNTRY_CURRENCY = {
    "AT": "EUR", "BE": "EUR", "DE": "EUR", "ES": "EUR", "FI": "EUR", "FR": "EUR", "IE": "EUR",
    "IT": "EUR", "LU": "EUR", "NL": "EUR", "PT": "EUR", "GR": "EUR", "EL": "EUR", "SK": "EUR",
    "SI": "EUR", "EE": "EUR", "LV": "EUR", "LT": "EUR", "HR": "EUR", "GB": "GBP", "PL": "PLN",
    "CH": "CHF", "CZ": "CZK", "HU": "HUF", "SE": "SEK", "DK": "DKK",
}  # fmt: skip
_LABELLED_IBAN = re.compile(
    r"\bIBAN\b\s*[:.]?\s*([A-Z]{2}\d{2}(?:\s?[A-Z0-9]{1,4}){3,8})(?![A-Z0-9])", re.IGNORECASE
)
"""An IBAN-shaped value after an ``IBAN`` label, whatever its check digits say."""
_CUSTOMER_CUE = re.compile(
    r"\b(your|ihre?|uw|votre|su|vostro|customer|kunde|client|klant)\b", re.IGNORECASE
)


def guess_dayfirst(index: DocIndex) -> bool:
    """Vote on day/month order from numeric dates whose first or second number exceeds 12."""
    day, month = 0, 0
    for _, line in index.lines():
        for m in _NUMERIC_DATE.finditer(line.text):
            a, b = int(m.group(1)), int(m.group(2))
            day += a > 12 >= b
            month += b > 12 >= a
    return month <= day


def _line_cand(page: int, line: Line, value: FieldValue, score: float) -> Candidate:
    return Candidate(value, line.text, score, page, list(line.word_ids), line.box)


def _merge_same(cands: list[Candidate]) -> list[Candidate]:
    """Candidates with the same value reinforce each other (+0.05 each, at most +0.15)."""
    return merge_repeated(cands, lambda c: repr(c.value), step=0.05, cap=0.15)


# A title line "Rechnung Nr. 471 vom 05.03.2018", "Schlussrechnung (380) Nr. 9",
# "Invoice No. A-12 dated 3 May 2024", "Facture n° F12 du 01/02/2024": compounds included.
_TITLE_NUMBER = re.compile(
    r"\b\w*(?:rechnung|gutschrift|invoice|facture|factuur|avoir|creditnota|credit note|"
    r"korrektur)\w*\b[^:]{0,60}?\s(?:nr|no|n°|nº|number|nummer|numéro|#)\.?\s*:?\s*",
    re.IGNORECASE,
)
# another document named between the title and its number: the number is that one's
_OTHER_DOCUMENT = re.compile(
    r"\b(?:bestellung|auftrag|lieferung|lieferschein|vertrag|angebot|order|delivery|contract|"
    r"quote|quotation|commande|livraison|contrat|devis|bestelling|levering|opdracht|offerte|"
    r"associ\w*|vorherige\w*|ursprungs\w*|original|preceding|précédente)\b",
    re.IGNORECASE,
)
_DATE_CUE = re.compile(r"^\s*(?:vom|du|of|dated|van|del|from|le|date[d]?:?)\s*$", re.IGNORECASE)


def _title_number(index: DocIndex, cands: dict[str, list[Candidate]], dayfirst: bool) -> None:
    """Invoice number, and the date after it, from a title line that names both."""
    for page, line in index.lines():
        m = _TITLE_NUMBER.search(line.text)
        if m is None or _OTHER_DOCUMENT.search(m.group(0)):
            continue  # "Rechnung gemäß Bestellung Nr. X vom D": the order's number and date
        span = Span(page, index.line_words(line))
        rest = span.text[m.end() :]
        found = id_token(rest, dayfirst)
        if found is None or found[1] > 0:
            continue
        tok, start, end = found
        ids, box = span.evidence(m.end() + start, m.end() + end)
        cands["invoice_number"].append(Candidate(tok, tok, 0.9, page, ids, box))
        after = m.end() + end
        for d in find_dates(span.text[after:], dayfirst)[:1]:
            if _DATE_CUE.match(span.text[after : after + d.start]):
                ids, box = span.evidence(after + d.start, after + d.end)
                cands["invoice_date"].append(Candidate(d.value, d.raw, 0.95, page, ids, box))


# "Zahlbar innerhalb 30 Tagen netto bis 04.04.2018", "Payable by 4 May 2024",
# "à payer avant le 01/02/2024", "te betalen vóór 1-2-2024"
_PAY_BY = re.compile(
    r"\b(?:zahlbar|payable|pay|payer|te betalen|betalen|betaling|fällig|due|paiement)\b"
    r"[^.;]{0,60}?\b(?:bis(?: zum)?|by|until|before|avant le|jusqu'au|au plus tard le|"
    r"voor|vóór|uiterlijk|am|on)\s+$",
    re.IGNORECASE,
)


def _pay_by(index: DocIndex, cands: dict[str, list[Candidate]], dayfirst: bool) -> None:
    """Due date from a payment sentence: the first date announced by "bis", "by", "avant le"."""
    for page, line in index.lines():
        span = Span(page, index.line_words(line))
        for d in find_dates(span.text, dayfirst)[:2]:
            if _PAY_BY.search(span.text[: d.start]):
                ids, box = span.evidence(d.start, d.end)
                cands["due_date"].append(Candidate(d.value, d.raw, 0.7, page, ids, box))
                break


_TERM_DAYS = re.compile(
    r"(\d{1,3})\s*(?:days?|tage?n?|jours?|dagen|d[ií]as|dni|giorni)", re.IGNORECASE
)


def _due_from_terms(fields: dict[str, ExtractedField]) -> ExtractedField | None:
    """Derive the due date from "Net 30 days" style terms and the invoice date (less sure)."""
    terms, issued = fields.get("payment_terms"), fields.get("invoice_date")
    if terms is None or issued is None or not isinstance(issued.value, dt.date):
        return None
    m = _TERM_DAYS.search(str(terms.value))
    if not m:
        return None
    return ExtractedField(
        name="due_date",
        value=issued.value + dt.timedelta(days=int(m.group(1))),
        raw_text=str(terms.value),
        confidence=round(0.5 * min(terms.confidence, issued.confidence), 4),
        provenance=terms.provenance,
    )


def _due_from_total(
    fields: dict[str, ExtractedField], prepaid: list[Candidate]
) -> ExtractedField | None:
    """Derive the amount due from the grand total less any amount already paid.

    An invoice that prints no "amount due" line asks for its total (EN 16931: amount due =
    total - paid amount); a labelled prepayment is taken off.
    """
    total = fields.get("total")
    if total is None or not isinstance(total.value, Decimal):
        return None
    paid = max(prepaid, key=lambda c: c.score, default=None)
    value, confidence = total.value, 0.8 * total.confidence
    if paid is not None and isinstance(paid.value, Decimal) and 0 < paid.value < total.value:
        value, confidence = total.value - paid.value, 0.6 * total.confidence
    return ExtractedField(
        name="amount_due",
        value=value,
        raw_text=total.raw_text,
        confidence=round(confidence, 4),
        provenance=total.provenance,
    )


def _derived_amount(
    fields: dict[str, ExtractedField], name: str, known: str
) -> ExtractedField | None:
    """Return the net or VAT total a document leaves out, as the total less the other one.

    Grand total = net total + VAT total (EN 16931): a tax-exempt invoice often prints no
    VAT amount (it is the total less the net, zero), another no net total.
    """
    part, total = fields.get(known), fields.get("total")
    if part is None or total is None:
        return None
    if not isinstance(part.value, Decimal) or not isinstance(total.value, Decimal):
        return None
    if not 0 <= part.value <= total.value:
        return None
    return ExtractedField(
        name=name,
        value=total.value - part.value,
        raw_text="",
        confidence=round(0.5 * min(part.confidence, total.confidence), 4),
        provenance=total.provenance,
    )


class RuleInvoiceExtractor:
    """Extracts the invoice schema from OCR'd or born-digital pages without any training."""

    doc_type: DocType = DocType.INVOICE

    def __init__(self) -> None:
        self._labels = invoice_labels()

    @property
    def version(self) -> str:
        """Extractor name and version, recorded in each document."""
        return VERSION

    def thresholds_for(self, max_field_error: float) -> dict[str, float]:
        """Return no thresholds: the rules' confidences are not calibrated."""
        return {}

    def extract(self, pages: list[Page]) -> Extraction:
        """Return the invoice fields, line items and tax lines found on the pages.

        Lines that bridge two columns of the page are cut first (``split_columns``).
        """
        index = DocIndex([split_columns(p) for p in pages])
        hits = index.find_labels(self._labels)
        dayfirst = guess_dayfirst(index)
        cands: dict[str, list[Candidate]] = defaultdict(list)
        headers = header_lines(index)
        for hit in hits:
            if hit.line.id in headers:
                continue  # column titles of an item table, not labels of header fields
            for name, weight in hit.label.fields:
                reader = READERS.get(name)
                if reader is not None:
                    cands[name] += reader(index, hit, weight, dayfirst)
        self._dates(index, hits, cands, dayfirst)
        _title_number(index, cands, dayfirst)
        _pay_by(index, cands, dayfirst)
        cust_names, cust_addrs, cust_words = customers(index, hits)
        window = window_parties(index, any(c.score >= 0.5 for c in cust_names))
        cust_names += window.customers
        cust_words |= window.buyer_words
        self._ids(index, cands, window.buyer_words)
        cands["customer_name"] += cust_names
        cands["customer_address"] += cust_addrs + window.addresses
        customer_names = {norm(str(c.value)) for c in cust_names if c.score >= 0.5}
        cands["vendor_name"] += [
            c
            for c in vendors(index, hits, cust_words) + window.vendors
            if norm(str(c.value)) not in customer_names
        ]
        taxes = tax_details(index)
        if any(t.tax is not None for t in taxes):
            total_tax = sum((t.tax for t in taxes if t.tax is not None), Decimal(0))
            cands["total_tax"].append(Candidate(total_tax, "", 0.75, 0, [], None))
        self._amounts(index, cands)
        cands["currency"] += self._currency(index, cands)
        fields: dict[str, ExtractedField] = {}
        for name in FIELDS:
            field = best_field(name, _merge_same(cands.get(name, [])))
            if field is not None:
                fields[name] = field
        vendor = max(cands.get("vendor_name", []), key=lambda c: c.score, default=None)
        if vendor is not None and "vendor_address" not in fields:
            address = vendor_address(index, vendor)
            field = best_field("vendor_address", [address] if address else [])
            if field is not None:
                fields["vendor_address"] = field
        if "amount_due" not in fields:
            due_amount = _due_from_total(fields, cands.get("prepaid", []))
            if due_amount is not None:
                fields["amount_due"] = due_amount
        for name, known in (("total_tax", "subtotal"), ("subtotal", "total_tax")):
            derived = _derived_amount(fields, name, known) if name not in fields else None
            if derived is not None:
                fields[name] = derived
        if "due_date" not in fields:
            due = _due_from_terms(fields)
            if due is not None:
                fields["due_date"] = due
        wording = [line.text for _, line in index.lines()]
        taxes = with_categories(
            taxes, wording, amount_of(fields, "subtotal"), amount_of(fields, "total_tax")
        )
        return Extraction(
            fields=fields,
            line_items=line_items(index),
            tax_details=taxes,
        )

    @staticmethod
    def _dates(
        index: DocIndex, hits: list[LabelHit], cands: dict[str, list[Candidate]], dayfirst: bool
    ) -> None:
        """Fallbacks: a date on the invoice-number line, else the first date of page one."""
        for hit in hits:
            if any(f == "invoice_number" for f, _ in hit.label.fields):
                # only right of the label, up to the next one ("Bestellung vom" is another)
                for span in index.right_of(hit)[:1]:
                    for d in find_dates(span.text, dayfirst)[:1]:
                        ids, box = span.evidence(d.start, d.end)
                        cands["invoice_date"].append(
                            Candidate(d.value, d.raw, 0.5 * hit.score, hit.page, ids, box)
                        )
        first_page = index.pages[0].index if index.pages else 0
        for page, line in index.lines():
            found = find_dates(line.text, dayfirst)
            if page == first_page and found:
                cands["invoice_date"].append(_line_cand(page, line, found[0].value, 0.3))
                break

    @staticmethod
    def _ids(index: DocIndex, cands: dict[str, list[Candidate]], buyer_words: set[str]) -> None:
        """IBANs and VAT ids anywhere, less the buyer's.

        An IBAN whose check digits fail is read only after an ``IBAN`` label, less sure
        than a valid one (OCR had its second look at the line, `pages.second_look`): the
        invoice checks then report it instead of missing it.

        An id on a line that addresses the customer (``Your VAT no``, ``Uw BTW nummer``) or
        printed in or right under the buyer's address block (``buyer_words``) is the
        buyer's: it is dropped, wherever else it is printed too.
        """
        customer_lines = set(buyer_words)
        labelled = {c.value for c in cands["vendor_tax_id"]}
        for page, line in index.lines():
            penalty = 0.0
            if _CUSTOMER_CUE.search(line.text):
                penalty = 0.4
                customer_lines |= set(line.word_ids)
            for iban in find_ibans(line.text):
                cands["vendor_iban"].append(_line_cand(page, line, iban, 0.9 - penalty))
            for vat in find_vat_ids(line.text):
                cands["vendor_tax_id"].append(_line_cand(page, line, vat, 0.75 - penalty))
            for vat in find_vat_shaped(line.text):  # check digit wrong: the checks say so
                if vat not in labelled:  # read next to a label already: no extra evidence
                    cands["vendor_tax_id"].append(_line_cand(page, line, vat, 0.6 - penalty))
        for rows in index.rows.values():
            for row in rows:
                printed = _LABELLED_IBAN.search(row.text)
                if printed is None or find_ibans(row.text):
                    continue  # check digits wrong: read as printed, so the IBAN check says so
                iban = re.sub(r"\s", "", printed.group(1)).upper()
                ids = [i for line in row.lines for i in line.word_ids]
                score = 0.45 - (0.4 if _CUSTOMER_CUE.search(row.text) else 0.0)
                cands["vendor_iban"].append(
                    Candidate(iban, row.text, score, row.page, ids, row.box)
                )
        for name in ("vendor_tax_id", "vendor_iban"):
            theirs = {repr(c.value) for c in cands[name] if set(c.word_ids) & customer_lines}
            cands[name] = [c for c in cands[name] if repr(c.value) not in theirs]

    @staticmethod
    def _amounts(index: DocIndex, cands: dict[str, list[Candidate]]) -> None:
        """Cross-check totals: the largest labelled total wins ties; subtotal + tax = total."""
        if not cands["total"] and cands["amount_due"]:
            cands["total"] = [
                Candidate(c.value, c.raw_text, c.score * 0.8, c.page, c.word_ids, c.box)
                for c in cands["amount_due"]
            ]

        def money(name: str) -> list[tuple[Decimal, Candidate]]:
            return [(c.value, c) for c in cands[name] if isinstance(c.value, Decimal)]

        totals = money("total")
        if not totals:
            return
        top = max(v for v, _ in totals)
        for v, c in totals:
            if v == top:
                c.score = min(1.0, c.score + 0.1)
        for t, tc in totals:
            for s, sc in money("subtotal"):
                for x, xc in money("total_tax"):
                    if abs(s + x - t) <= Decimal("0.02"):
                        for c in (tc, sc, xc):
                            c.score = min(1.0, c.score + 0.1)

    @staticmethod
    def _currency(index: DocIndex, cands: dict[str, list[Candidate]]) -> list[Candidate]:
        """Currency from symbols and codes in the text, else from names, else from the country."""
        text = "\n".join(line.text for _, line in index.lines())
        page0 = index.pages[0].index if index.pages else 0
        out: list[Candidate] = []
        code = detect_currency(text)
        if code:
            out.append(Candidate(code, code, 0.85, page0, [], None))
        for pattern, name_code in _CURRENCY_NAMES.items():
            m = re.search(pattern, text, re.IGNORECASE)
            if m:
                out.append(Candidate(name_code, m.group(0), 0.6, page0, [], None))
        for c in cands.get("vendor_iban", []) + cands.get("vendor_tax_id", []):
            country = str(c.value)[:2]
            if country in _COUNTRY_CURRENCY:
                out.append(
                    Candidate(
                        _COUNTRY_CURRENCY[country], str(c.value), 0.35, c.page, c.word_ids, c.box
                    )
                )
        return out


__all__ = ["FIELDS", "VERSION", "RuleInvoiceExtractor", "guess_dayfirst"]
