"""`GET /v1/documents/{id}/export`: UBL, CSV and journal of an invoice; scoped and typed errors."""

from __future__ import annotations

import copy
import csv
import io
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from paperclerk.einvoice.validation import validate_en16931
from paperclerk.model.decision import Severity
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.tables import DocumentRow
from tests.service.test_api import Api, api  # noqa: F401 - the fixture
from tests.unit.test_einvoice_read import SYNTHETIC_UBL


def _processed(api: Api) -> str:  # noqa: F811
    r = api.client.post(
        "/v1/documents",
        files={"file": ("invoice.xml", SYNTHETIC_UBL, "application/xml")},
        headers=api.headers(),
    )
    assert r.status_code == 202, r.text
    assert api.drain() == 1
    return str(r.json()["id"])


def _export(api: Api, doc_id: str, fmt: str, key: str | None = None) -> Any:  # noqa: F811
    return api.client.get(
        f"/v1/documents/{doc_id}/export", params={"format": fmt}, headers=api.headers(key)
    )


def _errors(xml: bytes) -> set[str]:
    return {f.rule_id for f in validate_en16931(xml) if f.severity == Severity.ERROR}


def _edit_result(api: Api, doc_id: str, change: Any) -> None:  # noqa: F811
    """Change the stored result as a review decision does (`review.decisions._store`)."""
    with make_session_factory(make_engine(api.url)).begin() as session:
        assert isinstance(session, Session)
        row = session.get(DocumentRow, doc_id)
        assert row is not None and row.result is not None
        result = copy.deepcopy(row.result)
        change(result)
        row.result = result


def test_an_invoice_exports_as_valid_ubl(api: Api) -> None:  # noqa: F811
    doc_id = _processed(api)
    r = _export(api, doc_id, "ubl")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/xml")
    assert r.headers["content-disposition"] == f'attachment; filename="{doc_id}-ubl.xml"'
    # the synthetic source lacks the buyer's address (BR-10): the export says so too, no more
    assert "en16931.BR-10" in _errors(r.content) <= _errors(SYNTHETIC_UBL)
    assert b"<cbc:ID>INV-42</cbc:ID>" in r.content


def test_csv_and_journal_exports(api: Api) -> None:  # noqa: F811
    doc_id = _processed(api)
    r = _export(api, doc_id, "csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].endswith('-lines.csv"')
    rows = list(csv.reader(io.StringIO(r.text, newline="")))
    assert rows[0][0] == "document_id" and rows[1][0] == doc_id and rows[1][1] == "INV-42"
    r = _export(api, doc_id, "journal")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    entries = r.json()["entries"]
    signed = [Decimal(e["amount"]) * (1 if e["side"] == "debit" else -1) for e in entries]
    assert sum(signed) == 0 and entries[-1]["account"] in ("accounts_payable", "invoice_difference")


def test_a_reviewed_result_is_exported_with_its_corrections(api: Api) -> None:  # noqa: F811
    doc_id = _processed(api)

    def correct(result: dict[str, Any]) -> None:
        result["fields"]["invoice_number"]["value"] = "INV-42-CORRECTED"
        result["fields"]["invoice_number"]["source"] = "human"

    _edit_result(api, doc_id, correct)
    assert b"INV-42-CORRECTED" in _export(api, doc_id, "ubl").content


def test_another_workspaces_document_is_not_found(api: Api) -> None:  # noqa: F811
    doc_id = _processed(api)
    r = _export(api, doc_id, "ubl", key=api.key_b)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert _export(api, "f" * 32, "csv").status_code == 404


def test_a_document_without_result_is_not_ready(api: Api) -> None:  # noqa: F811
    r = api.client.post(
        "/v1/documents",
        files={"file": ("invoice.xml", SYNTHETIC_UBL, "application/xml")},
        headers=api.headers(),
    )
    r = _export(api, r.json()["id"], "ubl")
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_ready"


def test_other_document_types_are_not_an_invoice(api: Api) -> None:  # noqa: F811
    doc_id = _processed(api)
    _edit_result(api, doc_id, lambda result: result.update(doc_type="receipt"))
    r = _export(api, doc_id, "journal")
    assert r.status_code == 422 and r.json()["error"]["code"] == "not_an_invoice"


def test_an_unknown_format_is_a_422(api: Api) -> None:  # noqa: F811
    doc_id = _processed(api)
    assert _export(api, doc_id, "pdf").status_code == 422
