"""Evaluation of proof documents: DIR/<id>.png|jpg|pdf beside DIR/<id>.gt.json.

The truth file holds ``{"doc_type": "payslip" | "bank_statement" | "utility_bill",
"fields": {name: value}, "transactions": [{"date", "amount"}], "continuity_broken": bool}``
with ISO dates and plain amounts (``"-12.30"``). Each document is read with its type given
(field accuracy measures the extractor, not the classifier); the classifier's own type is
recorded beside it. Amounts compare to the cent, dates as calendar days, IBANs without
spaces, currencies upper-cased, names and addresses after folding case, accents aside,
spacing and punctuation.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from statistics import median
from typing import Any

from paperclerk.engines.base import OcrEngine
from paperclerk.errors import PaperclerkError
from paperclerk.model import DocType, Document
from paperclerk.pipeline.classify import classify_pages
from paperclerk.pipeline.run import process_path

SUFFIXES = (".png", ".jpg", ".jpeg", ".pdf", ".tif", ".tiff", ".webp")
PROOF_TYPES = (DocType.PAYSLIP, DocType.BANK_STATEMENT, DocType.UTILITY_BILL)
CONTINUITY = "bank_statement.balance_continuity"
AMOUNT_FIELDS = frozenset(
    {"gross_pay", "net_pay", "opening_balance", "closing_balance", "amount_due"}
)
DATE_FIELDS = frozenset({"period_start", "period_end", "pay_date", "issue_date", "due_date"})


@dataclass
class ProofRecord:
    """One labelled document: its file and what it prints."""

    path: Path
    doc_type: DocType
    fields: dict[str, str]
    transactions: list[tuple[str, str]] = field(default_factory=list)
    continuity_broken: bool = False


def load_proof_set(root: Path) -> list[ProofRecord]:
    """Read every `<id>.gt.json` under root with the document beside it, sorted by name.

    A truth file without a document, or with a type that is not a proof type, is an error.
    """
    records: list[ProofRecord] = []
    for gt in sorted(root.glob("*.gt.json")):
        stem = gt.name[: -len(".gt.json")]
        doc = next(
            (gt.with_name(stem + s) for s in SUFFIXES if gt.with_name(stem + s).exists()), None
        )
        if doc is None:
            raise ValueError(f"{gt.name}: no document {stem}.png/.jpg/.pdf beside it")
        data = json.loads(gt.read_text(encoding="utf-8"))
        doc_type = DocType(data["doc_type"])
        if doc_type not in PROOF_TYPES:
            raise ValueError(f"{gt.name}: {doc_type} is not a proof document type")
        records.append(
            ProofRecord(
                path=doc,
                doc_type=doc_type,
                fields={k: str(v) for k, v in data.get("fields", {}).items() if v is not None},
                transactions=[(t["date"], t["amount"]) for t in data.get("transactions", [])],
                continuity_broken=bool(data.get("continuity_broken", False)),
            )
        )
    return records


def fold_text(text: str) -> str:
    """Fold a name or address: NFKC, accents and case dropped, punctuation as spaces."""
    t = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    t = "".join(c for c in t if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", t).split())


def _decimal(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


def field_matches(name: str, expected: str, got: object) -> bool:
    """Whether a read value equals the truth, compared the way the field's kind demands."""
    if got is None or got == "":
        return False
    if name in AMOUNT_FIELDS:
        a, b = _decimal(expected), _decimal(got)
        return a is not None and a == b
    if name in DATE_FIELDS:
        text = got.isoformat() if isinstance(got, dt.date) else str(got)
        return text[:10] == expected[:10]
    if name == "iban":
        return re.sub(r"\s", "", str(got)).upper() == re.sub(r"\s", "", expected).upper()
    if name == "currency":
        return str(got).strip().upper() == expected.strip().upper()
    return fold_text(str(got)) == fold_text(expected)


def read_transactions(doc: Document) -> list[tuple[str, str]]:
    """Return the (ISO day, amount to the cent) pairs of a statement's line items."""
    out: list[tuple[str, str]] = []
    for item in doc.line_items:
        day, amount = item.fields.get("date"), item.fields.get("amount")
        if amount is None:
            continue
        when = day.value.isoformat() if day and isinstance(day.value, dt.date) else ""
        value = _decimal(amount.value)
        out.append((when, str(value) if value is not None else str(amount.value)))
    return out


def transaction_counts(
    truth: list[tuple[str, str]], read: list[tuple[str, str]]
) -> tuple[int, int, int]:
    """Return (matched, read, true) counts; a transaction matches on day and amount."""
    norm_truth = Counter((d, str(_decimal(a))) for d, a in truth)
    matched = sum((norm_truth & Counter(read)).values())
    return matched, len(read), len(truth)


def f1(matched: int, read: int, true: int) -> float | None:
    """F1 of matched items; None when there is nothing to match."""
    if read + true == 0:
        return None
    return round(2 * matched / (read + true), 4)


def flagged(doc: Document) -> bool:
    """Whether the statement's balance continuity check failed."""
    return any(f.rule_id == CONTINUITY and not f.passed for f in doc.findings)


def evaluate_proof(
    records: list[ProofRecord],
    engine: OcrEngine | None = None,
    on_record: Callable[[ProofRecord], None] | None = None,
) -> dict[str, Any]:
    """Read every record with its type given; return per-type per-field accuracy and more."""
    per_field: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    tx = [0, 0, 0]
    broken, intact = [0, 0], [0, 0]
    type_right = 0
    seconds: list[float] = []
    details: list[dict[str, Any]] = []
    errors: list[str] = []
    for rec in records:
        start = time.perf_counter()
        try:
            doc = process_path(rec.path, engine=engine, doc_type_hint=rec.doc_type)
        except PaperclerkError as exc:
            errors.append(f"{rec.path.name}: {exc}")
            doc = None
        seconds.append(time.perf_counter() - start)
        classified = classify_pages(doc.pages)[0] if doc is not None else None
        type_right += classified == rec.doc_type
        misses: dict[str, Any] = {}
        statement: dict[str, Any] = {}
        for name, expected in rec.fields.items():
            f = doc.fields.get(name) if doc is not None else None
            got = f.value if f is not None else None
            ok = field_matches(name, expected, got)
            cell = per_field[rec.doc_type.value][name]
            cell[0] += ok
            cell[1] += 1
            if not ok:
                misses[name] = {"truth": expected, "read": None if got is None else str(got)}
        if rec.doc_type == DocType.BANK_STATEMENT:
            # A statement that could not be read still counts: its transactions as missed,
            # an edited one as not flagged.
            read = read_transactions(doc) if doc is not None else []
            m, r, t = transaction_counts(rec.transactions, read)
            tx[0], tx[1], tx[2] = tx[0] + m, tx[1] + r, tx[2] + t
            bucket = broken if rec.continuity_broken else intact
            was_flagged = doc is not None and flagged(doc)
            bucket[0] += was_flagged
            bucket[1] += 1
            statement = {
                "transactions": {"matched": m, "read": r, "true": t},
                "continuity_broken": rec.continuity_broken,
                "flagged": was_flagged,
            }
        details.append(
            {
                "file": rec.path.name,
                "doc_type": rec.doc_type.value,
                "classified": classified.value if classified else None,
                "misses": misses,
                **statement,
            }
        )
        if on_record is not None:
            on_record(rec)
    types: dict[str, Any] = {}
    right = total = 0
    for type_name, fields in sorted(per_field.items()):
        t_right = sum(c[0] for c in fields.values())
        t_total = sum(c[1] for c in fields.values())
        right, total = right + t_right, total + t_total
        types[type_name] = {
            "documents": sum(1 for r in records if r.doc_type.value == type_name),
            "fields_accuracy": round(t_right / t_total, 4) if t_total else None,
            "fields": {
                name: {"accuracy": round(c[0] / c[1], 4), "n": c[1]}
                for name, c in sorted(fields.items())
            },
        }
    return {
        "documents": len(records),
        "doc_type_accuracy": round(type_right / len(records), 4) if records else None,
        "fields_accuracy": round(right / total, 4) if total else None,
        "types": types,
        "transactions_f1": f1(*tx),
        "continuity_flag_rate": round(broken[0] / broken[1], 4) if broken[1] else None,
        "continuity_false_alarm_rate": round(intact[0] / intact[1], 4) if intact[1] else None,
        "seconds_per_doc": round(median(seconds), 3) if seconds else None,
        "errors": errors,
        "records": details,
    }
