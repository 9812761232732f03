"""Unlabelled address blocks on an invoice's first page, sorted into seller and buyer.

Many invoices print the buyer's address with no heading at all, in the address window of
the letter (top left in DIN 5008, top right in French letters), and the seller's in the
letterhead or beside it.  The address blocks of page one (a name, street lines, a postcode
line; see ``proof_common.address_blocks``) are sorted into the two parties:

* the seller's block sits at the very top of the page, or carries the sender's contact
  details (telephone, e-mail, web site) on or right under its lines, or sits under a
  seller heading;
* of the other blocks in the upper half of the page the first is the buyer's.

Blocks inside a form (``Anschrift: ...`` rows with labels on their left) and blocks under a
buyer heading are left to the labelled readers.  The words of the buyer's block and of the
lines right under it are returned too: a VAT id or IBAN printed there is the buyer's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from paperclerk.extract.common import DocIndex, drop, same_row
from paperclerk.extract.invoice_parties import is_party_name
from paperclerk.extract.layout import Candidate
from paperclerk.extract.proof_common import AddressBlock, address_blocks
from paperclerk.model import Line, Page, union_all

TOP_BAND = 0.08
"""A block starting above this share of the page height is part of the letterhead."""
UPPER_HALF = 0.5
"""The buyer's address block starts above this share of the page height."""
WINDOW_GAP_LINES = 4.0
"""Address windows are often set with wide line spacing: tops up to this many lines apart."""
_CONTACT = re.compile(r"(@|www\.|https?:|\b(?:tel|fax|phone|telefon|téléphone)\b)", re.IGNORECASE)
_SALUTATION = re.compile(
    r"^(?:herrn?|frau|firma|monsieur|madame|m\.|mme\.?|mr\.?|mrs\.?|ms\.?|dhr\.?|mevr\.?|"
    r"de heer|mevrouw|attn\.?:?|z\.?\s?hd\.?)$",
    re.IGNORECASE,
)


_HEADING_WORD = re.compile(
    r"\b(?:details?|address|adresse|anschrift|adres|information|informationen|contact|"
    r"kontakt|livraison|lieferung|delivery|shipping|facturation|billing)\b",
    re.IGNORECASE,
)


@dataclass
class WindowParties:
    """Party names and the buyer's address from unlabelled address blocks; the buyer's words."""

    customers: list[Candidate] = field(default_factory=list)
    addresses: list[Candidate] = field(default_factory=list)
    vendors: list[Candidate] = field(default_factory=list)
    buyer_words: set[str] = field(default_factory=set)


def _page(index: DocIndex, page_no: int) -> Page:
    return next(p for p in index.pages if p.index == page_no)


def _lines_below(index: DocIndex, block: AddressBlock, n: int) -> list[Line]:
    """Up to ``n`` lines right under a block, in its column."""
    page = _page(index, block.page)
    prev = block.address[-1]
    height = max(prev.box.height, 1.0)
    x0 = prev.box.x0
    out: list[Line] = []
    for line in sorted(page.lines, key=lambda ln: ln.box.y0):
        if len(out) >= n:
            break
        if drop(prev.box, line.box) <= 0.45 or abs(line.box.x0 - x0) > 2 * height:
            continue
        if line.box.y0 - prev.box.y1 > 2.5 * height:
            break
        out.append(line)
        prev = line
    return out


def _in_form(index: DocIndex, block: AddressBlock) -> bool:
    """Whether a block's lines are values of a form: a label sits on their left."""
    page = _page(index, block.page)
    for line in [block.name, *block.address]:
        for other in page.lines:
            left = other.box.x1 <= line.box.x0 and same_row(other.box, line.box)
            if left and (index.hits_by_line.get(other.id) or other.text.rstrip().endswith(":")):
                return True
    return False


def _heading(index: DocIndex, block: AddressBlock) -> str | None:
    """Return the party field of a heading right above a block (``Bill to``, ``Seller``)."""
    page = _page(index, block.page)
    height = max(block.name.box.height, 1.0)
    for line in page.lines:
        d = drop(line.box, block.name.box)
        if not 0.45 < d <= 2.6 or abs(line.box.x0 - block.name.box.x0) > 3 * height:
            continue
        for hit in index.hits_by_line.get(line.id, []):
            for name, _ in hit.label.fields:
                if name in ("customer_name", "vendor_name"):
                    return name
    return None


def _is_seller(index: DocIndex, block: AddressBlock, heading: str | None) -> bool:
    """Whether a block is the seller's: letterhead position, contact details or a heading."""
    page = _page(index, block.page)
    if heading == "customer_name":
        return False  # under "Bill to" or "Delivery address": its contact details are the buyer's
    if heading == "vendor_name" or block.name.box.y0 < TOP_BAND * max(page.height, 1):
        return True
    near = [block.name, *block.address, *_lines_below(index, block, 2)]
    return any(_CONTACT.search(line.text) for line in near)


def _company_above(index: DocIndex, block: AddressBlock) -> Line:
    """Return the block's first line: a company line right above a contact person's name.

    An address block is found from its street upwards, so its name line is the one above
    the street; a buyer's block often opens with the company and then the person
    (``Ma jolie boutique`` / ``Alexandre Payet`` / street). One line closely above in the
    same column that reads as a name, not a label, is taken as the block's name.
    """
    page = _page(index, block.page)
    name = block.name
    height = max(name.box.height, 1.0)
    above = [
        ln for ln in page.lines
        if 0.45 < drop(ln.box, name.box) <= 1.6 and abs(ln.box.x0 - name.box.x0) <= height
    ]  # fmt: skip
    if len(above) != 1 or index.hits_by_line.get(above[0].id) or _CONTACT.search(above[0].text):
        return name
    text = above[0].text.strip(" ,")
    if _SALUTATION.match(text) or _HEADING_WORD.search(text) or not is_party_name(text):
        return name
    return above[0]


def _name(block: AddressBlock) -> str | None:
    """Return the party name of a block: its name line, a salutation alone skipped."""
    text = block.name.text.strip(" ,")
    if _SALUTATION.match(text) and block.address:
        text = block.address[0].text.strip(" ,")
    if _HEADING_WORD.search(text):
        return None  # "Hotel Details", "Adresse de livraison": a heading, not a name
    return text if is_party_name(text) else None


def _address(block: AddressBlock) -> Candidate | None:
    """Return a buyer block's address: its lines under the name, contact lines left out."""
    lines = [ln for ln in block.address if not _CONTACT.search(ln.text)]
    if not lines:
        return None
    text = ", ".join(ln.text.strip(" ,") for ln in lines)
    ids = [i for ln in lines for i in ln.word_ids]
    return Candidate(text, text, 0.5, block.page, ids, union_all([ln.box for ln in lines]))


def window_parties(index: DocIndex, labelled_buyer: bool) -> WindowParties:
    """Sort the unlabelled address blocks of page one into seller and buyer candidates.

    With a buyer already read under a heading (``labelled_buyer``) no block is taken for
    the buyer's: the heading is the better evidence.
    """
    out = WindowParties()
    if not index.pages:
        return out
    first = index.pages[0]
    buyer_found = False
    blocks = address_blocks([first], gap_lines=WINDOW_GAP_LINES)
    for block in sorted(blocks, key=lambda b: (b.name.box.y0, b.name.box.x0)):
        if _in_form(index, block) or index.starts_with_label(block.name):
            continue
        block = AddressBlock(block.page, _company_above(index, block), block.address)
        heading = _heading(index, block)
        name = _name(block)
        if name is None:
            continue
        ids = list(block.name.word_ids)
        cand = Candidate(name, block.name.text, 0.5, block.page, ids, block.name.box)
        if _is_seller(index, block, heading):
            out.vendors.append(cand)
            continue
        if heading == "customer_name" or buyer_found or labelled_buyer:
            continue
        if block.name.box.y0 > UPPER_HALF * max(first.height, 1):
            continue
        buyer_found = True
        cand.score = 0.55
        out.customers.append(cand)
        address = _address(block)
        if address is not None:
            out.addresses.append(address)
        lines = [block.name, *block.address, *_lines_below(index, block, 3)]
        out.buyer_words |= {i for line in lines for i in line.word_ids}
    return out
