"""Rule-based document-type classifier over the page text (replaced by a trained one later)."""

from __future__ import annotations

import math
import re

from paperclerk.model import DocType, Page

KEYWORDS: dict[DocType, list[tuple[str, float]]] = {
    DocType.RECEIPT: [
        (r"\bRECEIPT\b", 2.0),
        (r"\bCASH(IER)?\b", 1.5),
        (r"\bCHANGE\b", 1.5),
        (r"\bTOTAL\b", 0.5),
        (r"SIMPLIFIED\s*TAX\s*INVOICE", 2.5),
        (r"\bTHANK\s*YOU\b", 1.0),
        (r"\bQTY\b", 0.5),
        (r"\bGST\b", 0.7),
        (r"\bROUNDING\b", 1.5),
        (r"\bTENDER", 1.0),
        (r"\bKASSENBON\b|\bQUITTUNG\b|\bBON\b|\bTICKET\b", 1.5),
        (r"\bVISA\b|\bMASTERCARD\b", 0.5),
    ],
    DocType.INVOICE: [
        (r"\bINVOICE\b", 2.0),
        (r"RECHNUNG", 2.5),
        (r"\bFACTU(RE|UR|RA)\b", 2.5),
        (r"\bDUE\s*DATE\b|F[AÄ]LLIG", 2.0),
        (r"\bIBAN\b", 1.5),
        (r"\bBILL\s*TO\b", 2.0),
        (r"\bPAYMENT\s*TERMS\b|ZAHLUNGSBEDINGUNG", 1.5),
        (r"\bVAT\b|\bUST\b|\bTVA\b|\bBTW\b", 1.0),
        (r"\bP\.?O\.?\s*(NUMBER|NO)\b|PURCHASE\s*ORDER", 1.5),
        (r"\bNET\s*\d+\b", 1.0),
        (r"\bSUBTOTAL\b", 0.5),
        (r"\bCUSTOMER\b", 1.0),
        (r"\bBIC\b|\bSWIFT\b", 1.0),
    ],
    DocType.IDENTITY_DOCUMENT: [
        (r"[A-Z0-9<]{5,}<<[A-Z0-9<]{5,}", 4.0),
        (r"\bPASSPORT\b|\bPASSEPORT\b|REISEPASS", 3.0),
        (r"\bNATIONALITY\b|NATIONALIT", 2.0),
        (r"DATE\s*OF\s*BIRTH|\bBIRTH\b", 1.5),
        (r"IDENTITY\s*CARD|CARTE\s*D.IDENTIT|PERSONALAUSWEIS|\bID\s*CARD\b", 3.0),
        (r"\bSURNAME\b|\bGIVEN\s*NAMES?\b", 2.0),
        (r"\bSEX\b", 0.7),
        (r"\bVISA\b\s*$", 0.5),
    ],
    DocType.PAYSLIP: [
        (r"PAY\s*SLIP|PAYSLIP|SALARY|GEHALTSABRECHNUNG|BULLETIN\s*DE\s*PAIE", 3.0),
        (r"GROSS\s*PAY|NET\s*PAY|EARNINGS|DEDUCTIONS", 2.0),
        (r"\bEMPLOYEE\b|\bEPF\b|SOCSO", 1.5),
    ],
    DocType.BANK_STATEMENT: [
        (r"(BANK|ACCOUNT)\s*STATEMENT|KONTOAUSZUG|RELEV[EÉ]", 3.0),
        (r"OPENING\s*BALANCE|CLOSING\s*BALANCE", 2.5),
        (r"\bWITHDRAWAL|\bDEPOSIT", 1.0),
    ],
    DocType.UTILITY_BILL: [
        (r"\bELECTRICITY\b|\bKWH\b|\bWATER\b|\bGAS\b|\bMETER\b", 1.5),
        (r"ACCOUNT\s*NUMBER|BILLING\s*PERIOD|TARIFF", 1.5),
    ],
}
THRESHOLD = 2.0


def classify_pages(pages: list[Page]) -> tuple[DocType, float, dict[str, float]]:
    """Return the document type, its confidence and the score of every type.

    Scores add keyword weights (each keyword counted once); a softmax over them gives the
    confidence. Documents with no clear evidence are `other`.
    """
    text = "\n".join(p.text for p in pages[:3]).upper()
    scores: dict[str, float] = {}
    for doc_type, keywords in KEYWORDS.items():
        scores[doc_type.value] = sum(w for pat, w in keywords if re.search(pat, text, re.M))
    best = max(scores, key=lambda k: scores[k])
    if scores[best] < THRESHOLD:
        return DocType.OTHER, 0.5, scores
    z = sum(math.exp(s - scores[best]) for s in scores.values())
    return DocType(best), round(1.0 / z, 4), scores
