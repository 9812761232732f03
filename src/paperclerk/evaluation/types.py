"""`paperclerk eval types`: document-type accuracy and unread auto-approvals on a folder.

The folder holds one sub-folder per expected type, named as the JSON contract names the
type (`receipt/`, `invoice/`, `identity_document/`, `payslip/`, `bank_statement/`,
`utility_bill/`, `other/`); every file inside (at any depth, hidden files aside) goes
through the whole pipeline without a type hint. The ingest recognises files by their bytes,
so a file it cannot read (wrong format, broken, encrypted) is listed under `errors` with
its error code and counts as wrong. Its predicted type is `error` in the confusion matrix.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sklearn.metrics import precision_recall_fscore_support

from paperclerk.engines.base import OcrEngine
from paperclerk.errors import PaperclerkError
from paperclerk.model import DocType, Document
from paperclerk.model.decision import DecisionOutcome

TYPE_NAMES = tuple(t.value for t in DocType)
ERROR_LABEL = "error"


class UnknownTypeFolderError(ValueError):
    """A sub-folder of the evaluation folder is not named after a document type."""


def find_documents(root: Path) -> list[tuple[Path, DocType]]:
    """Return every (file, expected type) under the type sub-folders of `root`, sorted.

    Raises `UnknownTypeFolderError` naming the folders that are not document types, and
    `FileNotFoundError` when `root` is not a folder. Files directly in `root` are ignored.
    """
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder")
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    unknown = [p.name for p in folders if p.name not in TYPE_NAMES]
    if unknown:
        raise UnknownTypeFolderError(
            f"{root}: sub-folders {', '.join(unknown)} are not document types; "
            f"name each sub-folder after the type of its documents: {', '.join(TYPE_NAMES)}"
        )
    found: list[tuple[Path, DocType]] = []
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            hidden = any(part.startswith(".") for part in path.relative_to(folder).parts)
            if path.is_file() and not hidden:
                found.append((path, DocType(folder.name)))
    return found


def unreadable(doc: Document, extractor_missing: bool) -> bool:
    """Whether a document was auto-approved although nothing could have been checked.

    That is: approved automatically while its predicted type has no extractor, or while
    no field was extracted (none, or none with a value).
    """
    if doc.decision is None or doc.decision.outcome != DecisionOutcome.AUTO_APPROVED:
        return False
    nothing_read = not any(f.value is not None for f in doc.fields.values())
    return extractor_missing or nothing_read


def _per_class(truth: list[str], predicted: list[str]) -> dict[str, dict[str, float]]:
    """Return precision, recall and support of every type that is expected or predicted."""
    classes = sorted((set(truth) | set(predicted)) - {ERROR_LABEL})
    if not classes:
        return {}
    p, r, _, s = precision_recall_fscore_support(
        truth, predicted, labels=classes, zero_division=0.0
    )
    return {
        c: {
            "precision": round(float(p[i]), 4),
            "recall": round(float(r[i]), 4),
            "support": int(s[i]),
        }
        for i, c in enumerate(classes)
    }


def _confusion(truth: list[str], predicted: list[str]) -> dict[str, dict[str, int]]:
    """Return {true type: {predicted type: count}} over the documents, zeros left out."""
    matrix: dict[str, dict[str, int]] = {}
    for t, p in zip(truth, predicted, strict=True):
        row = matrix.setdefault(t, {})
        row[p] = row.get(p, 0) + 1
    return {t: dict(sorted(row.items())) for t, row in sorted(matrix.items())}


def automation_by_type(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per expected type: documents, how many were auto-approved, and the top review reasons."""
    out: dict[str, dict[str, Any]] = {}
    for expected in sorted({d["expected"] for d in documents}):
        rows = [d for d in documents if d["expected"] == expected]
        auto = sum(1 for d in rows if d["outcome"] == "auto_approved")
        reasons = Counter(
            r for d in rows if d["outcome"] != "auto_approved" for r in _reason_kinds(d["reasons"])
        )
        out[expected] = {
            "documents": len(rows),
            "auto_approved": auto,
            "automation_rate": round(auto / len(rows), 4),
            "top_review_reasons": dict(reasons.most_common(5)),
        }
    return out


def _reason_kinds(reasons: list[str]) -> list[str]:
    """Reasons without their figures, so that 'total not sure enough (0.81 < 0.93)' counts once."""
    return list(dict.fromkeys(r.split(" (")[0] for r in reasons))


def evaluate_types(
    root: Path,
    *,
    engine: OcrEngine | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the pipeline on every document under `root` and measure its document types.

    Returns the JSON of `paperclerk eval types`: `accuracy`, `per_class` ({type:
    {precision, recall, support}}), `confusion_matrix` ({true: {predicted: count}}),
    `auto_approved_unreadable`, `automation_by_type` (per expected type: documents,
    auto-approved, rate, top review reasons), `documents` (path, expected, predicted, confidence,
    outcome, reasons per file), `errors` (files the ingest refused, with their error code;
    they count as wrong) and `seconds_per_doc`.
    """
    from paperclerk.pipeline.extractors import extractor_for
    from paperclerk.pipeline.run import process_path

    files = find_documents(root)
    truth: list[str] = []
    predicted: list[str] = []
    documents: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    missing_extractor: dict[DocType, bool] = {}
    auto_unreadable = 0
    start = time.perf_counter()
    for path, expected in files:
        rel = str(path.relative_to(root))
        if on_progress is not None:
            on_progress(rel)
        truth.append(expected.value)
        try:
            doc = process_path(path, engine=engine)
        except PaperclerkError as exc:
            predicted.append(ERROR_LABEL)
            errors.append(
                {"path": rel, "expected": expected.value, "code": exc.code, "message": exc.message}
            )
            continue
        predicted.append(doc.doc_type.value)
        if doc.doc_type not in missing_extractor:
            missing_extractor[doc.doc_type] = extractor_for(doc.doc_type) is None
        auto_unreadable += unreadable(doc, missing_extractor[doc.doc_type])
        documents.append(
            {
                "path": rel,
                "expected": expected.value,
                "predicted": doc.doc_type.value,
                "confidence": doc.doc_type_confidence,
                "outcome": doc.decision.outcome.value if doc.decision else None,
                "reasons": list(doc.decision.reasons) if doc.decision else [],
            }
        )
    elapsed = time.perf_counter() - start
    right = sum(t == p for t, p in zip(truth, predicted, strict=True))
    return {
        "accuracy": round(right / len(truth), 4) if truth else 0.0,
        "per_class": _per_class(truth, predicted),
        "confusion_matrix": _confusion(truth, predicted),
        "auto_approved_unreadable": auto_unreadable,
        "automation_by_type": automation_by_type(documents),
        "documents": documents,
        "errors": errors,
        "seconds_per_doc": round(elapsed / len(files), 3) if files else 0.0,
    }
