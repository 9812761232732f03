"""Seconds per payables check of one invoice as the workspace's invoices grow.

Fills a scratch database (through the real migrations) with N stored invoices of one
workspace — a real e-invoice's result with its number, total, date and order changed —
then times, median of `--runs`, for one more invoice:

- `indexed`: `payables.checks.check_result` (supplier match, changed IBAN, duplicate by
  number or by total and date) plus `payables.po_match.invoiced_before` (what earlier
  invoices billed on the order it names), which read the `invoice_keys` index and only
  the candidates' results;
- `scan`: the former way, in this process — every stored invoice result of the workspace
  read and compared in Python (the baseline; what the checks did before the index).

`ratio` is indexed over scan (below 1: faster). Both find the same duplicate.

    .venv/bin/python benchmarks/invoice_checks.py                 # N = 100, 1000, 5000
    .venv/bin/python benchmarks/invoice_checks.py --sizes 100 20000 --json /tmp/x.json

Prints a table and writes benchmarks/results/invoice_checks.json.
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from paperclerk.einvoice.document import document_from_xml
from paperclerk.model import Document
from paperclerk.payables.checks import check_result
from paperclerk.payables.po_match import invoiced_before
from paperclerk.storage.columns import utcnow
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.invoice_keys import keys_of
from paperclerk.storage.migrate import upgrade
from paperclerk.storage.tables import DocumentRow, InvoiceKeyRow, Workspace

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "invoice_checks.json"
WS = "w" * 32
INVOICE = b"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:ID>INV-0</cbc:ID><cbc:IssueDate>2024-05-02</cbc:IssueDate>
 <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
 <cac:OrderReference><cbc:ID>PO-0</cbc:ID></cac:OrderReference>
 <cac:AccountingSupplierParty><cac:Party><cac:PartyName><cbc:Name>Acme GmbH</cbc:Name>
 </cac:PartyName><cac:PartyTaxScheme><cbc:CompanyID>DE136695976</cbc:CompanyID>
 <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme></cac:Party>
 </cac:AccountingSupplierParty>
 <cac:LegalMonetaryTotal><cbc:TaxInclusiveAmount currencyID="EUR">119.00</cbc:TaxInclusiveAmount>
 <cbc:PayableAmount currencyID="EUR">119.00</cbc:PayableAmount></cac:LegalMonetaryTotal>
 <cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:InvoicedQuantity unitCode="C62">1</cbc:InvoicedQuantity>
 <cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount>
 <cac:Item><cbc:Name>Consulting</cbc:Name></cac:Item>
 <cac:Price><cbc:PriceAmount currencyID="EUR">100.00</cbc:PriceAmount></cac:Price>
 </cac:InvoiceLine></Invoice>"""


def _variant(base: dict[str, Any], i: int) -> dict[str, Any]:
    result = copy.deepcopy(base)
    fields = result["fields"]
    fields["invoice_number"]["value"] = f"INV-{i}"
    fields["total"]["value"] = f"{100 + i % 977}.{i % 100:02d}"
    fields["invoice_date"]["value"] = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"
    fields["purchase_order"]["value"] = f"PO-{i % 500}"
    return result


def _fill(url: str, n: int, base: dict[str, Any]) -> None:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with sessions() as session, session.begin():
        session.add(Workspace(id=WS, name="bench"))
    now = utcnow()
    with sessions() as session, session.begin():
        docs, keys = [], []
        for i in range(n):
            result = _variant(base, i)
            doc_id = f"{i:032d}"
            docs.append(
                {
                    "id": doc_id,
                    "workspace_id": WS,
                    "sha256": "0" * 64,
                    "size_bytes": 1,
                    "doc_type": "invoice",
                    "result": result,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            k = keys_of(result)
            keys.append(
                {
                    "document_id": doc_id,
                    "workspace_id": WS,
                    "invoice_number": k.invoice_number,
                    "total": k.total,
                    "invoice_date": k.invoice_date,
                    "purchase_order": k.purchase_order,
                    "rejected": False,
                    "created_at": now,
                }
            )
        session.execute(insert(DocumentRow), docs)
        session.execute(insert(InvoiceKeyRow), keys)
    engine.dispose()


def _scan(session: Any, doc: Document) -> str | None:
    """The baseline: read every stored invoice of the workspace, compare in Python."""
    number = doc.value("invoice_number")
    found = None
    for doc_id, result in session.execute(
        select(DocumentRow.id, DocumentRow.result).where(
            DocumentRow.workspace_id == WS, DocumentRow.doc_type == "invoice"
        )
    ):
        other = Document.model_validate(result)
        if other.value("invoice_number") == number and found is None:
            found = doc_id
    return found


def _median(fn: Callable[[], object], runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    """Time the indexed checks against the full scan for each workspace size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args()
    base_doc = document_from_xml(
        INVOICE, sha256="0" * 64, media_type="application/xml", size_bytes=len(INVOICE)
    )
    base = base_doc.model_dump(mode="json")
    query = Document.model_validate(_variant(base, 7))  # a duplicate of stored invoice 7
    rows = []
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.db"
            upgrade(url)
            _fill(url, n, base)
            engine = make_engine(url)
            sessions = make_session_factory(engine)
            with sessions() as session:
                check = check_result(session, WS, "new", query)
                dup = next(f for f in check.findings if f.rule_id.endswith("duplicate_invoice"))
                assert not dup.passed and f"{7:032d}" in dup.message, dup.message
                assert _scan(session, query) == f"{7:032d}"

                def indexed(session: Any = session) -> None:
                    check_result(session, WS, "new", query)
                    invoiced_before(session, WS, "new", "PO-7", [])

                fast = _median(indexed, args.runs)
                slow = _median(lambda session=session: _scan(session, query), args.runs)
            engine.dispose()
        rows.append(
            {
                "invoices": n,
                "indexed_s": fast,
                "scan_s": slow,
                "ratio": fast / slow if slow else None,
            }
        )
    print(f"{'invoices':>9} {'indexed s':>10} {'scan s':>9} {'ratio':>7}")
    for r in rows:
        print(f"{r['invoices']:>9} {r['indexed_s']:>10.4f} {r['scan_s']:>9.4f} {r['ratio']:>7.3f}")
    out = {"machine": platform.platform(), "runs": args.runs, "rows": rows}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=1), encoding="utf-8")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
