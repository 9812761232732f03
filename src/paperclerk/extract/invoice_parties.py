"""Who sells and who buys: vendor and customer names and addresses on an invoice.

The vendor is rarely labelled, so several kinds of evidence are combined: a seller label
(``Sold by``, ``Sprzedawca``), a company legal form (``GmbH``, ``B.V.``, ``Inc.``), a line
that spells the domain of the document's web site or e-mail, and the first line of the
page.  Names inside the customer block (under ``Bill to``, ``Rechnungsadresse``...) count
against the vendor.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from paperclerk.extract.common import DocIndex, LabelHit, Span, drop, norm, same_row
from paperclerk.extract.layout import Candidate, merge_repeated
from paperclerk.model import Line, union_all

LEGAL_FORM = re.compile(
    r"(?:\b(?:GmbH(?:\s*&\s*Co\.?\s*KG)?|AG|KG|OHG|UG|KGaA|Inc\.?|LLC|LLP|PLC|Ltd\.?|"
    r"SARL|SAS|SA|EURL|S\.A\.S?\.?|S\.?A\.?R\.?L\.?|B\.\s?V\.?|BV|N\.\s?V\.?|NV|S\.r\.l\.?|"
    r"Srl|S\.p\.A\.?|SpA|S\.L\.|Sp\.\s*z\s*o\.\s*o\.?|Oy|A/S|ApS|Pte\.?\s*Ltd\.?|"
    r"Sdn\.?\s*Bhd\.?|Bhd\.?)"
    r"|\b(?:Pvt\.?\s*Ltd\.?|PVT\.?\s*LTD\.?|Private\s+Limited|PRIVATE\s+LIMITED|Limited|"
    r"LIMITED|Incorporated|INC|Corporation|CORPORATION|Corp\.?|CORP\.?|Company|COMPANY|GMBH|"
    r"LTD\.?|(?i:spółka\s+akcyjna|spółka\s+z\s+o\.\s*o\.)))(?=$|[\s,.;:)])"
)
_NAME_WORD = re.compile(r"^(?:[A-Z0-9ÄÖÜÉÈÀŁŚŻ][\w'’.,&\-]*|&|\+|-|und|and|et|en|de|van|der)$")
_CONNECTORS = {"&", "+", "-", "und", "and", "et", "en", "de", "van", "der"}
_TITLES = {"invoice", "rechnung", "facture", "factuur", "factura", "faktura", "fattura",
           "receipt", "taxinvoice", "bill", "statement", "quittung", "paymentreceipt"}  # fmt: skip
_CONTACT = re.compile(r"(@|www\.|https?:|\btel\b|\bfax\b|phone|\+\d)", re.IGNORECASE)
_DOMAIN = re.compile(r"(?:www\.|@|https?://(?:www\.)?)([a-z0-9\-]{3,})\.[a-z]{2,}", re.IGNORECASE)
_SEPARATOR = re.compile(r"\s[-–|•●·]\s|[:;,]\s*")
_GENERIC_DOMAINS = {"gmail", "yahoo", "hotmail", "outlook", "example", "fake", "gmx", "web"}


def company_name(text: str) -> str | None:
    """Cut a company name ending in a legal form out of a line (``Free SAS au capital``)."""
    m = LEGAL_FORM.search(text)
    if not m:
        return None
    segment = _SEPARATOR.split(text[: m.start()])[-1].split()
    if 1 <= len(segment) <= 4 and segment[0][:1].isupper() and all(w.isalpha() for w in segment):
        return " ".join([*segment, m.group(0)])  # "Au bon moulin SARL - 1242 chemin ..."
    words = text[: m.start()].split()
    name: list[str] = []
    for w in reversed(words):
        if not _NAME_WORD.match(w) or len(name) >= 6:
            break
        name.insert(0, w)
    while name and name[0].lower() in _CONNECTORS:
        name.pop(0)
    if sum(c.isalpha() for c in " ".join(name)) < 2:
        return None
    return " ".join([*name, m.group(0)]).strip(" ,")


def _column_below(
    index: DocIndex, page_no: int, line: Line, x0: float, max_lines: int
) -> list[Span]:
    """Consecutive lines under ``line`` that start at about ``x0``, up to the next label."""
    page = next(p for p in index.pages if p.index == page_no)
    height = max(line.box.height, 1.0)
    last = line.box
    spans: list[Span] = []
    for other in sorted(page.lines, key=lambda ln: ln.box.cy):
        if len(spans) >= max_lines or drop(last, other.box) <= 0.45:
            continue
        if other.id == line.id or abs(other.box.x0 - x0) > 2 * height:
            continue
        if drop(last, other.box) > 2.2:
            break
        if index.starts_with_label(other):
            break
        spans.append(Span(page_no, index.line_words(other)))
        last = other.box
    return spans


def _block(index: DocIndex, hit: LabelHit, max_lines: int = 6) -> list[Span]:
    """Text right of a label, then the lines under it in the same column."""
    spans = [s for s in index.right_of(hit) if s.text.strip(" :")]
    return spans + _column_below(index, hit.page, hit.line, hit.box.x0, max_lines - len(spans))


def _name_and_address(spans: list[Span], score: float) -> tuple[Candidate | None, Candidate | None]:
    """First span is the name (``ATTN:`` dropped), the following ones the address."""
    if not spans:
        return None, None
    first = spans[0]
    name = re.sub(
        r"^(?:attn|z\.?\s*hd\.?|t\.a\.v\.?|c/o)[:.]?\s*",
        "",
        first.text.strip(" :"),
        flags=re.IGNORECASE,
    )
    ids, box = first.evidence()
    name_c = Candidate(name, first.text, score, first.page, ids, box)
    return name_c, _address(spans[1:], score * 0.9, max_lines=4)


def _address(spans: list[Span], score: float, max_lines: int) -> Candidate | None:
    """Return address lines as one candidate, joined with commas; contact lines left out."""
    rest = [s for s in spans if not _CONTACT.search(s.text)][:max_lines]
    if not rest:
        return None
    words = [w for s in rest for w in s.words]
    text = ", ".join(s.text.strip(" ,") for s in rest)
    box = union_all([w.box for w in words])
    return Candidate(text, text, score, rest[0].page, [w.id for w in words], box)


def customers(
    index: DocIndex, hits: list[LabelHit]
) -> tuple[list[Candidate], list[Candidate], set[str]]:
    """Return customer name and address candidates and the word ids of customer blocks."""
    names: list[Candidate] = []
    addresses: list[Candidate] = []
    block_words: set[str] = set()
    for hit in hits:
        for field, weight in hit.label.fields:
            if field != "customer_name":
                continue
            spans = _block(index, hit)
            block_words |= {w.id for s in spans for w in s.words}
            found = name_row(index, hit)
            row = named_row(index, hit, found)
            if row is not None:
                row.score *= weight * hit.score
                names.append(row)
                block_words |= set(row.word_ids)
            address = named_address(index, hit, found)
            if address is not None:
                address.score *= weight * hit.score
                addresses.append(address)
                block_words |= set(address.word_ids)
            while len(spans) > 1 and _not_a_name(spans[0].text):
                spans = spans[1:]  # "Client : C-1234" then the name on the next line
            name, addr = _name_and_address(spans, weight * hit.score * 0.9)
            if name is not None and not is_party_name(str(name.value)):
                name = None
            names += [name] if name else []
            addresses += [addr] if addr else []
    return names, addresses, block_words


def _not_a_name(text: str) -> bool:
    """Whether a span under a buyer heading is an id, not the name that follows it.

    A customer number (``C-1234``, ``Nr. 991``) or an empty label line is skipped;
    anything with more letters than digits is kept.
    """
    t = text.strip(" :")
    letters = sum(c.isalpha() for c in t)
    digits = sum(c.isdigit() for c in t)
    return letters < 2 or (digits >= 3 and digits >= letters)


_NAME_ROW = re.compile(
    r"^(?:name|firma|firmenname|nom|raison sociale|naam|bedrijfsnaam|company(?: name)?|"
    r"nombre|razón social|nazwa|ragione sociale|denominazione)\s*:\s*(.*)$",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"\b(?:par|by|per|bitte|please|gemäß|according|to be|zu)\b|[.!?]$")


_STREET = re.compile(
    r"(?:stra(?:ss|ß)e|str\.|straat|laan|weg|gasse|allee|platz|plein|gade|vej|väg|gatan)\b"
    r"|\b(?:rue|avenue|av\.|road|rd\.|street|st\.|lane|chemin|boulevard|place|drive|via|calle)\b",
    re.IGNORECASE,
)
_HOUSE_NUMBER = re.compile(r"(?:^|\s)\d{1,4}[a-zA-Z]?(?:$|[\s,])")


def street_line(text: str) -> bool:
    """Whether a short line is a street and house number (`Dorwiristraße 94`, `12 rue Anriri`).

    Compound street names count (`Koberlaan 83`); such a line is an address, never a name.
    """
    words = text.split()
    found = _STREET.search(text) is not None and _HOUSE_NUMBER.search(text) is not None
    return 2 <= len(words) <= 5 and found and LEGAL_FORM.search(text) is None


def is_party_name(text: str) -> bool:
    """Whether a text can be a party name.

    Not an e-mail, a label, a sentence, a number or a street with its house number.
    """
    t = text.strip()
    letters = sum(c.isalpha() for c in t)
    if letters < 2 or "@" in t or t.endswith(":") or re.match(r"^\(?\w{1,4}\)?\s*:", t):
        return False
    if street_line(t):
        return False
    if _NAME_ROW.match(t + ":") or len(t.split()) > 8:
        return False
    lower_words = [w for w in t.split() if w[:1].islower() and w.lower() not in _CONNECTORS]
    return not (_SENTENCE.search(t) and len(lower_words) >= 2)


NameRow = tuple[Line, str]
"""A ``Name:`` row of a party block, and the name written on it after the label ("" if none)."""


def name_row(index: DocIndex, hit: LabelHit, max_rows: int = 8) -> NameRow | None:
    """Return the ``Name:`` row of the block under a party heading, and the name it holds."""
    page = next(p for p in index.pages if p.index == hit.page)
    height = max(hit.line.box.height, 1.0)
    below = sorted(
        (ln for ln in page.lines if 0.45 < drop(hit.line.box, ln.box) <= max_rows * 2.2),
        key=lambda ln: (ln.box.cy, ln.box.x0),
    )
    for line in below:
        if abs(line.box.x0 - hit.box.x0) > 2 * height:
            continue
        if any(
            f in ("customer_name", "vendor_name")
            for h in index.hits_by_line.get(line.id, [])
            if h.start == 0
            for f, _ in h.label.fields
        ):
            return None  # the next party's block
        m = _NAME_ROW.match(line.text.strip())
        if m is not None:
            return line, m.group(1).strip()
    return None


def _right_of_row(page_lines: list[Line], line: Line) -> list[Line]:
    """Return the lines on the same row as ``line`` and right of it, left to right."""
    row = [
        ln for ln in page_lines
        if ln.id != line.id and same_row(line.box, ln.box) and ln.box.x0 > line.box.x1
    ]  # fmt: skip
    return sorted(row, key=lambda r: r.box.x0)


def named_row(index: DocIndex, hit: LabelHit, found: NameRow | None) -> Candidate | None:
    """Return the value of a ``Name:`` row (`name_row`) in the block under a party heading."""
    if found is None:
        return None
    line, inline = found
    page = next(p for p in index.pages if p.index == hit.page)
    spans = [Span(hit.page, index.line_words(line))] if inline else []
    spans += [Span(hit.page, index.line_words(ln)) for ln in _right_of_row(page.lines, line)]
    if not spans:
        return None
    first = spans[0]
    text = inline or first.text.strip(" ,")
    if not is_party_name(text):
        return None
    ids, box = first.evidence()
    return Candidate(text, first.text, 0.95, hit.page, ids, box)


_ADDRESS_ROW = re.compile(
    r"^(?:anschrift|adresse|address|addr\.|adres|dirección|direccion|indirizzo)\s*:?\s*$",
    re.IGNORECASE,
)


def named_address(
    index: DocIndex, hit: LabelHit, found: NameRow | None, max_lines: int = 5
) -> Candidate | None:
    """Return the address in a party block of labelled rows (``Name:``, ``Anschrift:`` ...).

    The values stand in a column right of their labels: the address is the value column's
    lines of an address row (``Anschrift:``) or under the name with no label of their own,
    down to the next label after them (``Steuernummer:``) or a gap. Rows of other labels
    before the address (``Ansprechpartner:``) are passed over.
    """
    if found is None or found[1]:
        return None
    line, _ = found
    page = next(p for p in index.pages if p.index == hit.page)
    right = _right_of_row(page.lines, line)
    if not right:
        return None
    value_x0 = right[0].box.x0
    height = max(line.box.height, 1.0)
    last = right[0].box
    spans: list[Span] = []
    collecting = True  # value lines under the name's, with no label of their own
    for other in sorted(page.lines, key=lambda ln: (ln.box.cy, ln.box.x0)):
        if drop(line.box, other.box) <= 0.45:
            continue  # the name's row or above
        if drop(last, other.box) > 3.5 or len(spans) == max_lines:
            break
        if abs(other.box.x0 - line.box.x0) <= 2 * height:
            collecting = bool(_ADDRESS_ROW.match(other.text.strip()))
            if spans and not collecting:
                break  # the label of the row after the address
            last = other.box
            continue
        if abs(other.box.x0 - value_x0) > 2 * height:
            continue
        if collecting:
            spans.append(Span(hit.page, index.line_words(other)))
        last = other.box
    return _address(spans, 0.9, max_lines)


def _line_candidate(page: int, line: Line, text: str, score: float) -> Candidate:
    return Candidate(text, line.text, score, page, list(line.word_ids), line.box)


def vendors(index: DocIndex, hits: list[LabelHit], customer_words: set[str]) -> list[Candidate]:
    """Vendor name candidates from seller labels, legal forms, web domains and the letterhead."""
    found: list[Candidate] = []
    for hit in hits:
        for field, weight in hit.label.fields:
            if field == "vendor_name":
                row = named_row(index, hit, name_row(index, hit))
                if row is not None:
                    row.score *= weight * hit.score
                    found.append(row)
                    continue
                spans = [s for s in index.right_of(hit) + index.below(hit, 1) if s.text.strip()]
                text = spans[0].text.strip(" :,") if spans else ""
                if not text or not (text[0].isupper() or text[0].isdigit()):
                    continue  # prose ("the issuer encapsulated..."), not a labelled name
                if not is_party_name(text):
                    continue  # a label ("Nummer:"), an e-mail or a sentence
                after = hit.words[hit.end].text if hit.end < len(hit.words) else ""
                colon = hit.words[hit.end - 1].text.endswith(":") or after.startswith(":")
                prose = hit.start > 0 and not colon
                text = company_name(text) or " ".join(text.split()[:6])
                ids, box = spans[0].evidence()
                score = weight * hit.score * (0.6 if prose else 1.0)
                found.append(Candidate(text, spans[0].text, score, hit.page, ids, box))
    all_text = "\n".join(
        ln.text for _, ln in index.lines() if not customer_words & set(ln.word_ids)
    )  # the buyer's e-mail names the buyer's domain
    domains = {d.lower().replace("-", "") for d in _DOMAIN.findall(all_text)} - _GENERIC_DOMAINS
    first_seen = False
    for page_no, line in index.lines():
        page = next(p for p in index.pages if p.index == page_no)
        rel_y = line.box.cy / max(page.height, 1)
        in_customer = bool(customer_words & set(line.word_ids))
        penalty = 0.45 if in_customer else 0.0
        name = company_name(line.text)
        if name:
            bonus = 0.15 if rel_y < 0.25 else (0.05 if rel_y > 0.85 else 0.0)
            found.append(_line_candidate(page_no, line, name, 0.55 + bonus - penalty))
        letters = re.sub(r"[^a-z0-9]", "", norm(line.text))
        if letters and any(fuzz.ratio(letters, d) >= 88 for d in domains):
            found.append(_line_candidate(page_no, line, line.text.strip(" ,"), 0.6 - penalty))
        top = page_no == index.pages[0].index and rel_y < 0.3
        if not first_seen and top and _letterhead(index, line):
            first_seen = True
            found.append(_line_candidate(page_no, line, line.text.strip(" ,"), 0.3 - penalty))
    return _merge(found)


def _letterhead(index: DocIndex, line: Line) -> bool:
    """Whether a line looks like a name at the top of the page (not a label, title or number)."""
    text = line.text.strip()
    if index.hits_by_line.get(line.id) or norm(text).replace(" ", "") in _TITLES:
        return False
    letters = sum(c.isalpha() for c in text)
    return letters >= 3 and letters > 0.6 * len(text.replace(" ", "")) and len(text.split()) <= 6


def _merge(found: list[Candidate]) -> list[Candidate]:
    """Merge candidates naming the same company; repeated evidence raises the score."""
    return merge_repeated(found, lambda c: norm(str(c.value)), step=0.08, cap=0.2)


_SENDER_REST = re.compile(r"^\s*[-–|·•,]\s*(.{6,80})$")


def vendor_address(index: DocIndex, vendor: Candidate) -> Candidate | None:
    """Return the rest of a sender line (``ACME GmbH - Main St 1 - Berlin``) or lines below.

    Lines that start with the vendor name are tried, the one the name was read from first.
    """
    name = norm(str(vendor.value))
    lines = [(p, ln) for p, ln in index.lines() if norm(ln.text).startswith(name)]
    lines.sort(key=lambda t: not set(vendor.word_ids) <= set(t[1].word_ids))
    for page_no, line in lines:
        text = str(vendor.value)
        rest = _SENDER_REST.match(line.text.split(text, 1)[1]) if text in line.text else None
        if rest and any(c.isdigit() for c in rest.group(1)):
            addr = rest.group(1).strip()
            return Candidate(addr, addr, vendor.score * 0.8, page_no, line.word_ids, line.box)
        spans = []
        for span in _column_below(index, page_no, line, line.box.x0, 4):
            if _CONTACT.search(span.text) or company_name(span.text) or ":" in span.text:
                break
            spans.append(span)
        if spans and any(c.isdigit() for s in spans for c in s.text):
            words = [w for s in spans for w in s.words]
            addr = ", ".join(s.text.strip(" ,") for s in spans)
            box = union_all([w.box for w in words])
            return Candidate(addr, addr, vendor.score * 0.8, page_no, [w.id for w in words], box)
    return None
