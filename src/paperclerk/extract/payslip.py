"""Payslips: employer, employee, pay period, pay date, gross and net pay, currency.

Values are read next to their labels in English, German, French and Dutch
(`proof_labels.PAYSLIP`); the employer, when no label names it, is the most prominent line
at the top of the first page or the addressee of an address block with a legal form; the
employee, when unlabelled, the person an address block is addressed to. Net pay above
gross pay cannot be right, so both lose confidence then.
"""

from __future__ import annotations

from decimal import Decimal

from paperclerk.extract.base import Extraction
from paperclerk.extract.common import DocIndex, Label, LabelHit
from paperclerk.extract.invoice_parties import LEGAL_FORM
from paperclerk.extract.layout import Candidate, candidate_from_lines
from paperclerk.extract.proof_common import (
    Reader,
    address_blocks,
    currency_candidates,
    header_names,
    join_legal_form,
    person_like,
    read_money,
    read_name,
    read_period,
    split_period,
    to_fields,
)
from paperclerk.extract.proof_labels import PAYSLIP
from paperclerk.extract.proof_rules import ProofRules
from paperclerk.model import DocType, ExtractedField, Page
from paperclerk.parsers import find_dates

VERSION = "rule-payslip-1"


def read_single_date(
    index: DocIndex, hit: LabelHit, weight: float, dayfirst: bool
) -> list[Candidate]:
    """Read one date next to the label; a period (two dates, or a month) is not a date."""
    places = [(index.right_of(hit), 1.0)] + [([s], 0.8) for s in index.below(hit)[:1]]
    for spans, place in places:
        for span in spans:
            dates = find_dates(span.text, dayfirst)
            if len(dates) != 1:
                continue
            d = dates[0]
            ids, box = span.evidence(d.start, d.end)
            score = min(1.0, weight * hit.score * place)
            return [Candidate(d.value, d.raw, score, span.page, ids, box)]
    return []


READERS: dict[str, Reader] = {
    "employer": read_name,
    "employee": read_name,
    "period": read_period,
    "pay_date": read_single_date,
    "gross_pay": read_money,
    "net_pay": read_money,
}


def _party_candidates(
    pages: list[Page], labels: list[Label]
) -> tuple[list[Candidate], list[Candidate]]:
    """Employer and employee candidates from the page top and from address blocks."""
    employer = [
        Candidate(c.value, c.raw_text, c.score * 0.8, c.page, c.word_ids, c.box)
        for c in header_names(pages, labels)
    ]
    employee: list[Candidate] = []
    issuer = max(employer, key=lambda c: c.score).value if employer else None
    for block in address_blocks(pages):
        text = join_legal_form(block.name.text.strip(" ,"))
        if text == issuer or LEGAL_FORM.search(text):
            employer.append(candidate_from_lines(text, [block.name], block.page, 0.7))
        elif person_like(text, loose=True):
            score = 0.6 if person_like(text) else 0.5
            employee.append(candidate_from_lines(text, [block.name], block.page, score))
        elif not any(c.isdigit() for c in text):
            employer.append(candidate_from_lines(text, [block.name], block.page, 0.55))
    return employer, employee


def _check_amounts(fields: dict[str, ExtractedField]) -> None:
    """Lower gross and net pay when net exceeds gross: one of them was misread."""
    gross, net = fields.get("gross_pay"), fields.get("net_pay")
    if gross is None or net is None:
        return
    values = (gross.value, net.value)
    if isinstance(values[0], Decimal) and isinstance(values[1], Decimal) and values[1] > values[0]:
        for name in ("gross_pay", "net_pay"):
            f = fields[name]
            fields[name] = f.model_copy(update={"confidence": round(f.confidence * 0.5, 4)})


class PayslipExtractor(ProofRules):
    """Extracts the payslip schema from OCR'd or born-digital pages without training."""

    doc_type: DocType = DocType.PAYSLIP

    table = PAYSLIP
    readers = READERS
    rule_version = VERSION

    def extract(self, pages: list[Page]) -> Extraction:
        """Return the payslip fields found on the pages."""
        index, _, cands = self.labelled(pages)
        employer, employee = _party_candidates(pages, self._labels)
        cands["employer"].extend(employer)
        taken = {c.value for c in cands.get("employer", []) if c.score >= 0.7}
        cands["employee"].extend(c for c in employee if c.value not in taken)
        cands["currency"].extend(currency_candidates(index))
        fields = split_period(to_fields(cands))
        _check_amounts(fields)
        return Extraction(fields=fields)
