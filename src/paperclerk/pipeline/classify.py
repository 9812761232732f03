"""Document-type classification: the trained default model, with keyword rules as fallback.

`classify_pages` uses the model that ships in `learning/default_models/` (trained by
`learning.doctype_training.train_default_doctype`): its reading side `doctype.npz`, read with
numpy (`learning.doctype_inference`), loaded lazily once per process. The scikit-learn
`doctype.joblib` beside it is for training and evaluation only.
Where that file is missing or unreadable, the keyword rules of `classify_pages_rules` decide.
Where the model is unsure, it abstains by the floors of `learning.doctype_floors`.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from paperclerk.learning.doctype_floors import abstain
from paperclerk.model import DocType, Page

if TYPE_CHECKING:
    from paperclerk.learning.doctype_inference import DocTypeModel

log = logging.getLogger(__name__)

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
        (r"\bFACTU(RE|UR|RA)\b|FACTUURNUMMER|\bNUM[EÉ]RO\s*DE\s*FACTURE", 2.5),
        (r"\bDUE\s*DATE\b|F[AÄ]LLIG|[EÉ]CH[EÉ]ANCE|VERVALDATUM", 2.0),
        (r"\bMONTANT\s*(TTC|HT)\b|\bTOTAL\s*(TTC|HT)\b|\bTOTAAL\b|GESAMTBETRAG", 1.0),
        (r"UST-?ID|\bBTW-?NUMMER\b|\bKVK\b|TVA\s*INTRACOMMUNAUTAIRE", 1.0),
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
RULES_VERSION = "rule-classify-1"
MODEL_FILE = "doctype.npz"

_lock = threading.Lock()
_loaded = False
_model: DocTypeModel | None = None


def default_model_path() -> Path:
    """Return where the packaged document-type model lives (it may be absent)."""
    return Path(str(resources.files("paperclerk.learning") / "default_models" / MODEL_FILE))


def default_model() -> DocTypeModel | None:
    """Return the packaged model, loading it on first use; None when it cannot be used.

    Loaded lazily, and only once per process; it needs numpy only. A missing file means
    rules; an unreadable one is logged, then rules.
    """
    global _loaded, _model
    with _lock:
        if not _loaded:
            _loaded = True
            path = default_model_path()
            if path.is_file():
                from paperclerk.learning.doctype_inference import DocTypeModel

                try:
                    _model = DocTypeModel(path)
                except Exception as exc:  # a broken model file must not stop the pipeline
                    log.warning("cannot load %s (%s); classifying with rules", path, exc)
        return _model


def classifier_version() -> str:
    """Return the version of what `classify_pages` uses, for `Document.model_versions`."""
    model = default_model()
    return model.version if model is not None else RULES_VERSION


def classify_pages(pages: list[Page]) -> tuple[DocType, float, dict[str, float]]:
    """Return the document type, its confidence and the probability of every type.

    Uses the trained default model, abstaining (`learning.doctype_floors.abstain`) where it
    is unsure; without a model, the keyword rules.
    """
    model = default_model()
    if model is None:
        return classify_pages_rules(pages)
    return abstain(*model.predict(pages))


def classify_pages_rules(pages: list[Page]) -> tuple[DocType, float, dict[str, float]]:
    """Return the document type, its confidence and the score of every type, by keywords.

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
