"""Score the invoice extractor on DocILE documents (PDF + KILE/LIR annotations).

Usage: .venv/bin/python scripts/eval_docile.py ../shared/data/invoices/docile_sample [--json F]

DocILE (Rossum, MIT) annotates business documents of many layouts with key fields
(``field_extractions``) and line items (``line_item_extractions``).  The fields that map onto
the invoice schema are compared the way ``paperclerk eval invoices --visual`` compares
e-invoices: names after folding case and spacing, amounts to the cent, identifiers without
spaces, dates as calendar days (the annotation's text read with the document's day order),
and the number of line items.  Each document is read from its PDF (text layer, else OCR).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

from paperclerk.ingest import load_path
from paperclerk.model import DocType
from paperclerk.parsers import find_dates, parse_amount
from paperclerk.pipeline.run import process_ingested

FIELDS = {
    "document_id": "invoice_number",
    "date_issue": "invoice_date",
    "date_due": "due_date",
    "vendor_name": "vendor_name",
    "customer_billing_name": "customer_name",
    "amount_total_net": "subtotal",
    "amount_total_tax": "total_tax",
    "amount_total_gross": "total",
    "amount_due": "amount_due",
    "currency_code_amount_due": "currency",
}
"""DocILE field type → invoice field compared."""


def expected_values(annotation: dict[str, Any]) -> dict[str, Any]:
    """Return the first annotated text of each mapped field, and the number of line items."""
    out: dict[str, Any] = {}
    for field in annotation.get("field_extractions", []):
        kind = field.get("fieldtype")
        if kind in FIELDS and kind not in out and field.get("text"):
            out[kind] = field["text"]
    items = {f.get("line_item_id") for f in annotation.get("line_item_extractions", [])}
    out["lines"] = len(items - {None})
    return out


def matches(kind: str, expected: str, predicted: Any) -> bool:
    """Compare one field as the e-invoice evaluation does."""
    if predicted is None:
        return False
    if kind.startswith("date"):
        for dayfirst in (True, False):
            dates = find_dates(expected, dayfirst)
            if dates and str(dates[0].value) == str(predicted):
                return True
        return False
    if kind.startswith("amount"):
        value = parse_amount(expected)
        return value is not None and Decimal(str(predicted)).quantize(
            Decimal("0.01")
        ) == value.quantize(Decimal("0.01"))
    if kind.endswith("name"):
        fold = unicodedata.normalize("NFKC", expected).casefold().split()
        return fold == unicodedata.normalize("NFKC", str(predicted)).casefold().split()
    return re.sub(r"\s", "", str(predicted)).upper() == re.sub(r"\s", "", expected).upper()


def main() -> int:
    """Read every annotated PDF of a DocILE folder and print per-field and micro scores."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    correct: dict[str, int] = {}
    total: dict[str, int] = {}
    misses: list[dict[str, Any]] = []
    for ann_path in sorted((args.root / "annotations").glob("*.json")):
        pdf = args.root / "pdfs" / f"{ann_path.stem}.pdf"
        if not pdf.exists():
            continue
        expected = expected_values(json.loads(ann_path.read_text(encoding="utf-8")))
        doc = process_ingested(
            load_path(pdf),
            filename=pdf.name,
            doc_type_hint=DocType.INVOICE,
            use_e_invoice=False,
        )
        for kind, field_name in [*FIELDS.items(), ("lines", "lines")]:
            if kind not in expected:
                continue
            predicted = len(doc.line_items) if kind == "lines" else doc.value(field_name)
            ok = (
                predicted == expected[kind]
                if kind == "lines"
                else matches(kind, expected[kind], predicted)
            )
            total[kind] = total.get(kind, 0) + 1
            correct[kind] = correct.get(kind, 0) + ok
            if not ok:
                misses.append(
                    {"doc": ann_path.stem, "field": kind, "expected": expected[kind],
                     "predicted": str(predicted)}
                )  # fmt: skip
    for kind in total:
        print(f"{kind:28s} {correct[kind]:3d} / {total[kind]:3d}")
    n, ok = sum(total.values()), sum(correct.values())
    print(f"{'micro accuracy':28s} {ok / n if n else 0.0:.3f} ({ok}/{n})")
    for miss in misses:
        print("miss", miss)
    if args.json:
        args.json.write_text(json.dumps({"correct": correct, "total": total, "misses": misses}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
