"""Merchant name and address from the header of a receipt."""

from __future__ import annotations

import re

from paperclerk.extract.layout import Candidate, candidate_from_lines
from paperclerk.model import Line, Page

COMPANY_WORDS = re.compile(
    r"\b(SDN\.?\s*BHD|S/B|BHD|BERHAD|ENTERPRISE|ENTERPRISES|TRADING|RESTAURANT|RESTORAN|"
    r"STORE|STORES|MART|MARKET|SUPERMARKET|HYPERMARKET|SHOP|HARDWARE|STATIONERY|BOOKS?|"
    r"BAKERY|CAFE|KEDAI|PERNIAGAAN|SYARIKAT|CO\.|CORPORATION|CORP|LTD|LIMITED|"
    r"PLT|LLC|INC|GMBH|AG|SARL|SAS|BV|NV|SRL|SPA|OY|AB|TRADERS|MARKETING|INDUSTRIES|"
    r"HOLDINGS|GROUP|FOOD|FOODS|PHARMACY|ELECTRICAL|MACHINERY|SERVICES|CENTRE|CENTER|"
    r"OUTLET|BOUTIQUE|KITCHEN|BISTRO|HOTEL|STATION|PETROL|TEA|COFFEE)\b",
    re.IGNORECASE,
)
NOT_COMPANY = re.compile(
    r"(TAX\s*INVOICE|INVOICE|RECEIPT|RECEIPT|CASH\s*BILL|WELCOME|THANK|TEL\b|FAX|GST|"
    r"REG\.?\s*NO|CO\.?\s*NO|COMPANY\s*NO|DATE|CASHIER|TABLE|ORDER|@|WWW\.|HTTP|"
    r"SIMPLIFIED|OFFICIAL|ABN|VAT|MEMBER|CHECK|BILL|HOURS|\bHRS\b|OPEN\b|:\s*$|SLIP|SALES|"
    r"GOODS|RETURN|SERVED|POS\b)",
    re.IGNORECASE,
)
REG_NO = re.compile(
    r"^\(?\s*(CO\.?\s*(REG\.?)?\s*(NO\.?)?\s*:?)?\s*[A-Z]{0,3}\d{4,}[\s\-]*[A-Z]?\s*\)?\.?$",
    re.IGNORECASE,
)
TRAILING_REG = re.compile(
    r"\s*(\((CO\.?\s*)?(REG\.?\s*)?(NO\.?\s*)?:?\s*[A-Z]{0,3}\s*\d[\d\s\-]{3,}[A-Z]?\)|"
    r"\b(CO\.?\s*)?(REG\.?\s*)?NO\.?\s*:?\s*\d[\d\-]{4,}[A-Z]?)\s*$",
    re.IGNORECASE,
)
STOP_ADDRESS = re.compile(
    r"(\bTEL\b|\bTEL[:.]|TELEPHONE|PHONE|\bFAX\b|H/P|HP\s*:|\bGST\b|\bSST\b|TAX\s*INVOICE|"
    r"INVOICE|RECEIPT|E-?MAIL|@|WWW\.|HTTP|\bDATE\b|CASHIER|\bBILL\b|SERVED|WHATSAPP|CHECK|"
    r"\bCHIT\b|\bHRS\b|HOURS|\bQTY\b|\bITEM|"
    r"\bVAT\b|\bABN\b|OPEN\s+DAILY|BUSINESS\s+HOURS|\bID\s*:|REG\.?\s*NO|CO\.?\s*REG)",
    re.IGNORECASE,
)
ADDRESS_HINT = re.compile(
    r"(\bJALAN\b|\bJLN\b|\bTAMAN\b|\bTMN\b|\bLOT\b|\bNO\.?\s*\d|\bBATU\b|\bKAMPUNG\b|\bKG\b|"
    r"\bBANDAR\b|\bSEKSYEN\b|\bPERSIARAN\b|\bLORONG\b|\bSTREET\b|\bST\b|\bROAD\b|\bRD\b|"
    r"\bAVENUE\b|\bAVE\b|\bFLOOR\b|\bBLOCK\b|\bBLK\b|\bSUITE\b|\bSTRASSE\b|STR\.|\bRUE\b|"
    r"\bPLAZA\b|\bMALL\b|\bKUALA\b|\bSELANGOR\b|\bJOHOR\b|\bPERAK\b|\bPENANG\b|\bPAHANG\b|"
    r"\bKEDAH\b|\bMELAKA\b|\bSABAH\b|\bSARAWAK\b|\bLUMPUR\b|\bDARUL\b|\bEHSAN\b|\b\d{5}\b|,)",
    re.IGNORECASE,
)


LEGAL_FORM = re.compile(
    r"\b(SDN\.?\s*BHD\.?|S/B|BHD\.?|BERHAD|LTD\.?|LIMITED|PLT|LLC|INC\.?|GMBH|PTE\.?\s*LTD)",
    re.IGNORECASE,
)
CONTINUATION_START = re.compile(
    r"^\(?(SDN|BHD|S/B|CO\.|ENTERPRISE|TRADING|HARDWARE|STATIONERY|ELECTRICAL|MARKETING|"
    r"RESTAURANTS?|\(M\)|LTD|LIMITED|PLT|GMBH|INC)",
    re.IGNORECASE,
)


def clean_company(text: str) -> str:
    """Strip registration numbers and counters printed around the merchant name."""
    text = re.sub(r"^#\s*\d+\s+", "", text)
    matches = list(LEGAL_FORM.finditer(text))
    legal = matches[-1] if matches else None
    if legal is not None and re.search(r"\d", text[legal.end() :]):
        text = text[: legal.end()]
    cleaned = TRAILING_REG.sub("", text).strip(" ,")
    return cleaned or text


def _letters_ratio(text: str) -> float:
    letters = sum(ch.isalpha() for ch in text)
    return letters / max(len(text.replace(" ", "")), 1)


def _plain_name_line(line: Line) -> bool:
    text = line.text
    return (
        _letters_ratio(text) >= 0.7
        and not NOT_COMPANY.search(text)
        and not STOP_ADDRESS.search(text)
        and not re.search(r"\d{3,}", text)
    )


def _name_is_open(text: str) -> bool:
    """Whether a name line visibly continues on the next line."""
    return text.endswith(("&", " AND", "-")) or text.count("(") > text.count(")")


def merge_name_lines(lines: list[Line], pos: int) -> list[Line]:
    """Extend a merchant-name line with the lines before or after when the name wraps."""
    merged = [lines[pos]]
    first_text = lines[pos].text.strip()
    if pos > 0 and (CONTINUATION_START.match(first_text) or first_text.startswith("(")):
        prev = lines[pos - 1]
        if _plain_name_line(prev) and not LEGAL_FORM.search(prev.text):
            merged.insert(0, prev)
    nxt_pos = pos + 1
    while nxt_pos < len(lines) and len(merged) < 3:
        text = " ".join(ln.text for ln in merged).strip()
        nxt = lines[nxt_pos]
        wraps = _name_is_open(text) or (
            not LEGAL_FORM.search(text) and LEGAL_FORM.search(nxt.text) is not None
        )
        if not (wraps and _plain_name_line(nxt)):
            break
        if ADDRESS_HINT.search(nxt.text.replace(",", "")):
            break
        merged.append(nxt)
        nxt_pos += 1
    return merged


LEGAL_FIXES = [
    (re.compile(r"\b[5$]/[B8]\b|\bS/8\b"), "S/B"),
    (
        re.compile(r"\b(SON|S0N|SN|SDM)\.?(\s*)(BHD)\b|\b(SDN)\.?(\s*)(EHD|8HD|BH0|BND)\b"),
        "SDN BHD",
    ),
]


def fix_legal_form(text: str) -> str:
    """Repair OCR errors in Malaysian legal forms ('5/B' → 'S/B', 'SDN EHD' → 'SDN BHD')."""
    for pattern, repl in LEGAL_FIXES:
        text = pattern.sub(repl, text)
    return text


def _address_follows(lines: list[Line], pos: int) -> bool:
    for ln in lines[pos + 1 : pos + 4]:
        if REG_NO.match(ln.text.strip()) or _is_reg_or_id(ln.text):
            continue
        return bool(ADDRESS_HINT.search(ln.text)) and not STOP_ADDRESS.search(ln.text)
    return False


def header_lines(page: Page, limit: int = 14) -> list[Line]:
    """Return the top lines of the first page in reading order, where merchants print themselves."""
    return page.lines[:limit]


def company_candidates(page: Page) -> list[Candidate]:
    """Score header lines as the merchant name: suffixes, position, size and letters count."""
    lines = header_lines(page)
    if not lines:
        return []
    heights = sorted(ln.box.height for ln in page.lines)
    median_h = heights[len(heights) // 2] or 1.0
    out: list[Candidate] = []
    for pos, line in enumerate(lines):
        text = line.text.strip()
        if len(text) < 3 or _letters_ratio(clean_company(text)) < 0.5 or REG_NO.match(text):
            continue
        score = 0.25 - 0.02 * pos
        if COMPANY_WORDS.search(text):
            score += 0.45
        if NOT_COMPANY.search(text):
            score -= 0.35
        if ADDRESS_HINT.search(text) and not COMPANY_WORDS.search(text):
            score -= 0.2
        if text.upper() == text:
            score += 0.05
        if pos > 0 and re.search(r"(OWNED|OPERATED|MANAGED)\s*BY", lines[pos - 1].text, re.I):
            score -= 0.2
        score += min(0.1, 0.1 * (line.box.height / median_h - 1))
        if len(text) < 5:
            score -= 0.1
        merged = merge_name_lines(lines, pos)
        if _address_follows(lines, lines.index(merged[-1])):
            score += 0.12
        raw = " ".join(ln.text for ln in merged)
        value = fix_legal_form(clean_company(raw))
        out.append(
            candidate_from_lines(value, merged, page.index, max(0.01, min(0.97, score)), raw)
        )
    return out


LEADING_REG = re.compile(r"^\((CO\.?\s*)?(REG\.?\s*)?(NO\.?\s*)?[\s:.]*[\dA-Z!.\-]{5,}\)\s*", re.I)


def _is_reg_or_id(text: str) -> bool:
    return bool(REG_NO.match(text.strip())) or bool(
        re.search(r"(GST|SST|CO\.?\s*REG|REG\.?\s*NO|COMPANY\s*NO|VAT|ABN)", text, re.IGNORECASE)
    )


def address_candidate(page: Page, company_line_id: str | None) -> Candidate | None:
    """Take the run of address-like lines below the merchant name, up to phone/tax/title lines."""
    lines = header_lines(page, 18)
    start = 0
    if company_line_id is not None:
        for i, ln in enumerate(lines):
            if ln.id == company_line_id:
                start = i + 1
                break
    taken: list[Line] = []
    hints = 0
    skipped = 0
    for ln in lines[start:]:
        text = ln.text.strip()
        if not taken:
            if (
                ADDRESS_HINT.search(text)
                and not STOP_ADDRESS.search(text)
                and not _is_reg_or_id(text)
            ):
                taken.append(ln)
                hints += 1
                continue
            skipped += 1
            if skipped > 4:
                break
            continue
        if STOP_ADDRESS.search(text) or _is_reg_or_id(text) or _letters_ratio(text) < 0.3:
            break
        taken.append(ln)
        hints += bool(ADDRESS_HINT.search(text))
        if len(taken) >= 6:
            break
    if not taken:
        return None
    score = min(0.9, 0.35 + 0.12 * hints - 0.05 * skipped)
    value = LEADING_REG.sub("", " ".join(ln.text for ln in taken))
    return candidate_from_lines(value, taken, page.index, score)
