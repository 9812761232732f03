"""Utility bills: provider, customer name and address, issue date, amount due, due date.

The customer is the addressee of the bill's address block (or a labelled name), the
address the lines under that name; the provider is the most prominent line at the top of
the first page unless a label names it. Dates and amounts are read next to their labels
in English, German, French and Dutch (`proof_labels.UTILITY_BILL`).
"""

from __future__ import annotations

from paperclerk.extract.base import Extraction
from paperclerk.extract.common import DocIndex, LabelHit
from paperclerk.extract.invoice_parties import LEGAL_FORM
from paperclerk.extract.layout import Candidate, candidate_from_lines
from paperclerk.extract.payslip import read_single_date
from paperclerk.extract.proof_common import (
    Reader,
    address_blocks,
    currency_candidates,
    header_names,
    join_legal_form,
    person_like,
    read_money,
    read_name,
    to_fields,
)
from paperclerk.extract.proof_labels import UTILITY_BILL
from paperclerk.extract.proof_rules import ProofRules
from paperclerk.model import DocType, Page

VERSION = "rule-utility-bill-1"


def read_address(index: DocIndex, hit: LabelHit, weight: float, dayfirst: bool) -> list[Candidate]:
    """Read an address right of the label, else the lines under it up to a postcode line."""
    right = [s for s in index.right_of(hit) if s.text.strip(" :")]
    below = index.below(hit, max_lines=3)
    spans = right + below if right else below
    if not spans:
        return []
    text = ", ".join(s.text.strip(" ,:") for s in spans)
    ids = [w.id for s in spans for w in s.words]
    box = spans[0].evidence()[1]
    return [Candidate(text, text, min(1.0, weight * hit.score), spans[0].page, ids, box)]


READERS: dict[str, Reader] = {
    "provider": read_name,
    "customer_name": read_name,
    "customer_address": read_address,
    "issue_date": read_single_date,
    "amount_due": read_money,
    "due_date": read_single_date,
}


class UtilityBillExtractor(ProofRules):
    """Extracts the utility bill schema from OCR'd or born-digital pages without training."""

    doc_type: DocType = DocType.UTILITY_BILL

    table = UTILITY_BILL
    readers = READERS
    rule_version = VERSION

    def extract(self, pages: list[Page]) -> Extraction:
        """Return the utility bill fields found on the pages."""
        index, _, cands = self.labelled(pages)
        issuers = header_names(pages, self._labels)
        cands["provider"].extend(issuers)
        issuer = max(issuers, key=lambda c: c.score).value if issuers else None
        for n, block in enumerate(address_blocks(pages)):
            name = join_legal_form(block.name.text.strip(" ,"))
            if name == issuer:
                continue  # the provider's own address under its name
            if LEGAL_FORM.search(name) or not person_like(name, loose=True):
                cands["provider"].append(candidate_from_lines(name, [block.name], block.page, 0.4))
                continue
            score = (0.75 if person_like(name) else 0.6) - 0.05 * n
            cands["customer_name"].append(
                candidate_from_lines(name, [block.name], block.page, score)
            )
            cands["customer_address"].append(
                candidate_from_lines(block.address_text, block.address, block.page, score)
            )
        cands["currency"].extend(currency_candidates(index))
        return Extraction(fields=to_fields(cands))
