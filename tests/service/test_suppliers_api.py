"""Suppliers through the API on SQLite and PostgreSQL: import, matching and payables checks.

Invoice results are stored directly (as a worker would) so no OCR runs; the check route
then matches them to the imported suppliers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.model import DocType, Document, ExtractedField
from paperclerk.payables.checks import check_invoice
from paperclerk.queue.jobs import finish_document
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.migrate import alembic_config, current_revision, upgrade
from paperclerk.storage.workspaces import create_api_key, create_workspace
from paperclerk.web.app import create_app
from tests.service.helpers import submit

CSV = (
    "supplier_number,name,vat_id,iban,address,postcode,city,country\n"
    "S1,Muster Bürobedarf GmbH,DE136695976,DE89370400440532013000,Hauptstr. 1,10115,Berlin,DE\n"
    "S2,Bad Ltd,DE000000000,,,,,\n"
    "S3,Papier Schmidt KG,,GB82WEST12345698765432,,80331,München,DE\n"
)
NEW_IBAN = "NL91ABNA0417164300"


@dataclass
class Api:
    client: TestClient
    factory: sessionmaker[Session]
    workspace_a: str
    key_a: str
    key_b: str

    def headers(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.key_a}"}


@pytest.fixture
def api(db_url: str, tmp_path: Path) -> Iterator[Api]:
    app = create_app(db_url, tmp_path / "data")
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    with factory.begin() as session:
        a = create_workspace(session, "a").id
        b = create_workspace(session, "b").id
        key_a, key_b = create_api_key(session, a).key, create_api_key(session, b).key
    with TestClient(app) as client:
        yield Api(client, factory, a, key_a, key_b)
    engine.dispose()


def invoice(**values: Any) -> Document:
    """An invoice result with the given header fields (no pages: nothing to OCR)."""
    return Document(
        sha256="b" * 64,
        media_type="application/xml",
        size_bytes=10,
        doc_type=DocType.INVOICE,
        doc_type_confidence=1.0,
        fields={
            name: ExtractedField(name=name, value=value, raw_text=str(value), confidence=1.0)
            for name, value in values.items()
        },
    )


def stored_invoice(api: Api, **values: Any) -> str:
    """Create a document and store an invoice result for it; return its id."""
    row, job = submit(api.factory, api.workspace_a)
    doc = invoice(**values)
    doc.id, doc.workspace = row.id, api.workspace_a
    with api.factory.begin() as session:
        assert finish_document(session, row.id, doc, job.id)
    return row.id


def import_csv(api: Api) -> dict[str, Any]:
    r = api.client.post(
        "/v1/suppliers/import",
        content=CSV.encode(),
        headers={**api.headers(), "Content-Type": "text/csv"},
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def findings(api: Api, document_id: str) -> dict[str, dict[str, Any]]:
    r = api.client.get(f"/v1/documents/{document_id}/supplier-check", headers=api.headers())
    assert r.status_code == 200, r.text
    return {f["rule_id"]: f for f in r.json()["findings"]} | {"match": r.json()["match"]}


def test_csv_import_reports_rejected_rows_and_upserts(api: Api) -> None:
    body = import_csv(api)
    assert (body["created"], body["updated"]) == (2, 0)
    assert body["rejected"] == [
        {"line": 3, "supplier_number": "S2", "reasons": ["VAT id 'DE000000000' is not valid"]}
    ]
    again = api.client.post(
        "/v1/suppliers/import",
        files={"file": ("s.csv", CSV.encode(), "text/csv")},
        headers=api.headers(),
    ).json()
    assert (again["created"], again["updated"]) == (0, 2)
    page = api.client.get("/v1/suppliers", headers=api.headers(), params={"limit": 1}).json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    rest = api.client.get(
        "/v1/suppliers", headers=api.headers(), params={"cursor": page["next_cursor"]}
    ).json()
    assert rest["next_cursor"] is None
    ids = [s["id"] for s in page["items"] + rest["items"]]
    assert len(set(ids)) == 2
    one = api.client.get(f"/v1/suppliers/{ids[0]}", headers=api.headers())
    assert one.status_code == 200
    assert (
        api.client.get(f"/v1/suppliers/{ids[0]}", headers=api.headers(api.key_b)).status_code == 404
    )
    assert api.client.get("/v1/suppliers", headers=api.headers(api.key_b)).json()["items"] == []


def test_json_upsert_normalises_and_rejects_per_item(api: Api) -> None:
    r = api.client.post(
        "/v1/suppliers",
        json=[
            {"supplier_number": "J1", "name": "Json AG", "vat_id": "de 136 695 976",
             "ibans": ["de89 3704 0044 0532 0130 00"]},
            {"supplier_number": "J2", "name": "Bad", "ibans": ["DE00"]},
            {"name": "no number"},
        ],
        headers=api.headers(),
    )  # fmt: skip
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["created"] == 1
    assert [x["line"] for x in body["rejected"]] == [1, 2]
    stored = api.client.get("/v1/suppliers", headers=api.headers()).json()["items"][0]
    assert stored["vat_id"] == "DE136695976"
    assert stored["ibans"] == ["DE89370400440532013000"]


def test_a_changed_iban_raises_the_bank_details_alarm(api: Api) -> None:
    import_csv(api)
    doc_id = stored_invoice(
        api,
        vendor_name="Muster Bürobedarf GmbH",
        vendor_tax_id="DE 136 695 976",
        vendor_iban=NEW_IBAN,
        invoice_number="R-1",
        invoice_date=dt.date(2027, 1, 5),
        total=Decimal("119.00"),
    )
    got = findings(api, doc_id)
    assert got["match"]["supplier_number"] == "S1" and got["match"]["method"] == "vat_id"
    alarm = got["payables.bank_details_changed"]
    assert alarm["passed"] is False and alarm["severity"] == "error"
    assert NEW_IBAN in alarm["message"] and "Muster Bürobedarf GmbH" in alarm["message"]
    assert "3000" in alarm["message"] and "DE89370400440532013000" not in alarm["message"]
    assert got["payables.unknown_supplier"]["passed"] is True
    assert got["payables.duplicate_invoice"]["passed"] is True
    other = api.client.get(f"/v1/documents/{doc_id}/supplier-check", headers=api.headers(api.key_b))
    assert other.status_code == 404


def test_known_iban_passes_and_unknown_supplier_warns(api: Api) -> None:
    import_csv(api)
    ok = stored_invoice(api, vendor_name="Someone", vendor_iban="GB82 WEST 1234 5698 7654 32")
    got = findings(api, ok)
    assert got["match"]["method"] == "iban"
    assert got["payables.bank_details_changed"]["passed"] is True
    stranger = stored_invoice(api, vendor_name="Globex Corporation", vendor_iban=NEW_IBAN)
    got = findings(api, stranger)
    assert got["match"] is None
    unknown = got["payables.unknown_supplier"]
    assert unknown["passed"] is False and unknown["severity"] == "warning"


def test_duplicate_invoices_name_the_other_document(api: Api) -> None:
    import_csv(api)
    first = stored_invoice(
        api, vendor_tax_id="DE136695976", invoice_number="R 42", total=Decimal("10.00"),
        invoice_date=dt.date(2027, 1, 5),
    )  # fmt: skip
    second = stored_invoice(
        api, vendor_name="Muster Bürobedarf", vendor_address="Hauptstr. 1, 10115 Berlin",
        invoice_number="r42", total=Decimal("12.00"),
    )  # fmt: skip
    got = findings(api, second)
    assert got["match"]["method"] == "name+postcode"
    dup = got["payables.duplicate_invoice"]
    assert dup["passed"] is False and first in dup["message"]
    # Unknown vendors: same VAT id, total and date is a duplicate too.
    a = stored_invoice(
        api, vendor_tax_id="FR40303265045", total=Decimal("5.00"),
        invoice_date=dt.date(2027, 2, 1), invoice_number="A-1",
    )  # fmt: skip
    b = stored_invoice(
        api, vendor_tax_id="FR 403 032 650 45", total=Decimal("5.00"),
        invoice_date=dt.date(2027, 2, 1), invoice_number="A-2",
    )  # fmt: skip
    with api.factory() as session:
        found = {f.rule_id: f for f in check_invoice(session, api.workspace_a, b)}
    assert not found["payables.duplicate_invoice"].passed
    assert a in found["payables.duplicate_invoice"].message


def test_the_check_waits_for_a_result(api: Api) -> None:
    row, _ = submit(api.factory, api.workspace_a)
    r = api.client.get(f"/v1/documents/{row.id}/supplier-check", headers=api.headers())
    assert r.status_code == 409


def test_migration_0011_up_and_down(db_url: str) -> None:
    upgrade(db_url, "0010")
    engine: Engine = make_engine(db_url)
    try:
        assert "suppliers" not in inspect(engine).get_table_names()
        upgrade(db_url, "0011")
        assert current_revision(engine) == "0011"
        assert "suppliers" in inspect(engine).get_table_names()
        with engine.connect() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0010")
            conn.commit()
        engine.dispose()
        assert current_revision(engine) == "0010"
        assert "suppliers" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
