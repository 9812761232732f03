"""`/v1/documents/{id}/coding`: GL account / cost centre per invoice line, learnt from history.

End to end through the API: invoices uploaded as UBL XML and processed by the worker; a
confirmed coding (PUT) is kept as history and written into the result; the next invoice
of the supplier with similar lines gets the same accounts suggested (worker cells and
GET), the journal export books to them, and a reviewer's approval teaches too.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from paperclerk.payables.coding_store import document_cost_centres
from paperclerk.queue.lease import claim
from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.tables import AuditEvent, DocumentRow, LineCodingRow
from paperclerk.worker.tasks import run_job
from tests.service.test_api import Api, api  # noqa: F401 - the fixture
from tests.service.ui_client import Ui, ui  # noqa: F401 - the fixture

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
  <cbc:ID>{number}</cbc:ID>
  <cbc:IssueDate>2024-05-02</cbc:IssueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cac:AccountingSupplierParty><cac:Party>
    <cac:PostalAddress><cbc:CityName>Berlin</cbc:CityName><cbc:PostalZone>10115</cbc:PostalZone>
      <cac:Country><cbc:IdentificationCode>DE</cbc:IdentificationCode></cac:Country>
    </cac:PostalAddress>
    <cac:PartyTaxScheme><cbc:CompanyID>{vat}</cbc:CompanyID>
      <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
    <cac:PartyLegalEntity><cbc:RegistrationName>{seller}</cbc:RegistrationName>
    </cac:PartyLegalEntity>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>
    <cac:PostalAddress><cbc:CityName>Paris</cbc:CityName><cbc:PostalZone>75001</cbc:PostalZone>
      <cac:Country><cbc:IdentificationCode>FR</cbc:IdentificationCode></cac:Country>
    </cac:PostalAddress>
    <cac:PartyLegalEntity><cbc:RegistrationName>Buyer SA</cbc:RegistrationName>
    </cac:PartyLegalEntity>
  </cac:Party></cac:AccountingCustomerParty>
  <cac:TaxTotal>
    <cbc:TaxAmount currencyID="EUR">{tax}</cbc:TaxAmount>
    <cac:TaxSubtotal>
      <cbc:TaxableAmount currencyID="EUR">{net}</cbc:TaxableAmount>
      <cbc:TaxAmount currencyID="EUR">{tax}</cbc:TaxAmount>
      <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>
    </cac:TaxSubtotal>
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="EUR">{net}</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="EUR">{net}</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">{gross}</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="EUR">{gross}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
"""
LINE = """  <cac:InvoiceLine>
    <cbc:ID>{n}</cbc:ID>
    <cbc:InvoicedQuantity unitCode="C62">1</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">{amount}</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>{name}</cbc:Name>
      <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="EUR">{amount}</cbc:PriceAmount></cac:Price>
  </cac:InvoiceLine>
"""
FIRST = [("Copy paper A4 80g, 500 sheets", "40.00"), ("Toner cartridge black HP 305A", "60.00"),
         ("Coffee beans 1kg", "20.00")]  # fmt: skip
SIMILAR = [("COPY PAPER A4 80g - 500 sheets", "80.00"), ("Toner cartridge black HP 305A", "60.00"),
           ("Coffee beans, 1 kg", "20.00")]  # fmt: skip
CODING = [
    {"index": 0, "gl_account": "4930", "cost_centre": "CC-10"},
    {"index": 1, "gl_account": "4940", "cost_centre": "CC-10"},
    {"index": 2, "gl_account": "4650"},
]


def invoice_xml(
    number: str,
    lines: list[tuple[str, str]],
    *,
    seller: str = "Paper GmbH",
    vat: str = "DE123456788",
    off: str = "0.00",
) -> bytes:
    """A UBL invoice with these (item name, net amount) lines at 19 % VAT (`off`: a wrong
    total, so that EN 16931 BR-CO-15 fails and it needs review)."""
    net = sum((Decimal(a) for _, a in lines), Decimal(0))
    tax = (net * Decimal("0.19")).quantize(Decimal("0.01"))
    head = HEAD.format(number=number, vat=vat, seller=seller, net=net, tax=tax,
                       gross=net + tax + Decimal(off))  # fmt: skip
    body = "".join(LINE.format(n=i + 1, name=n, amount=a) for i, (n, a) in enumerate(lines))
    return (head + body + "</Invoice>\n").encode()


def _post(client: Any, key: str, data: bytes) -> str:
    r = client.post(
        "/v1/documents",
        files={"file": ("invoice.xml", data, "application/xml")},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


def _drain(url: str, data_dir: Any) -> int:
    factory = make_session_factory(make_engine(url))
    ran = 0
    while (job := claim(factory, "test")) is not None:
        run_job(factory, BlobStore.in_data_dir(data_dir), job)
        ran += 1
    return ran


def _workspace(session: Session, doc_id: str) -> str:
    row = session.get(DocumentRow, doc_id)
    assert row is not None
    return row.workspace_id


def _coding(api: Api, doc_id: str, key: str | None = None) -> Any:  # noqa: F811
    return api.client.get(f"/v1/documents/{doc_id}/coding", headers=api.headers(key))


def _put(api: Api, doc_id: str, lines: list[dict[str, Any]]) -> Any:  # noqa: F811
    return api.client.put(
        f"/v1/documents/{doc_id}/coding", json={"lines": lines}, headers=api.headers()
    )


def _result(api: Api, doc_id: str) -> Any:  # noqa: F811
    return api.client.get(f"/v1/documents/{doc_id}", headers=api.headers()).json()["result"]


def test_confirmed_codings_are_suggested_for_the_suppliers_next_invoice(api: Api) -> None:  # noqa: F811
    first = _post(api.client, api.key_a, invoice_xml("INV-1", FIRST))
    assert api.drain() == 1
    before = _coding(api, first)
    assert before.status_code == 200, before.text
    got = before.json()
    assert [(x["index"], x["text"]) for x in got["lines"]] == [
        (i, name) for i, (name, _) in enumerate(FIRST)
    ]
    assert all(x["suggestion"] is None and x["confirmed"] is None for x in got["lines"])
    assert got["supplier_key"] == "vat:DE123456788"

    put = _put(api, first, CODING)
    assert put.status_code == 200, put.text
    confirmed = [x["confirmed"] for x in put.json()["lines"]]
    assert [(c["gl_account"], c["cost_centre"], c["coded_by"]) for c in confirmed] == [
        ("4930", "CC-10", "api"), ("4940", "CC-10", "api"), ("4650", None, "api")
    ]  # fmt: skip
    cells = [item["fields"] for item in _result(api, first)["line_items"]]
    assert cells[0]["gl_account"]["value"] == "4930"
    assert cells[0]["gl_account"]["source"] == "human"
    assert cells[1]["cost_centre"]["value"] == "CC-10"
    assert "cost_centre" not in cells[2]
    factory = make_session_factory(make_engine(api.url))
    with factory() as session:
        audited = session.scalars(
            select(AuditEvent.field).where(
                AuditEvent.document_id == first, AuditEvent.action == "code"
            )
        ).all()
        assert sorted(audited) == [
            "line_items[0].cost_centre", "line_items[0].gl_account",
            "line_items[1].cost_centre", "line_items[1].gl_account",
            "line_items[2].gl_account",
        ]  # fmt: skip
    # the same again changes nothing, so nothing more is audited
    assert _put(api, first, CODING).status_code == 200
    with factory() as session:
        again = session.scalar(
            select(func.count()).where(AuditEvent.document_id == first, AuditEvent.action == "code")
        )
        assert again == len(audited)
        assert session.scalar(select(func.count()).select_from(LineCodingRow)) == 3

    # the supplier's next invoice with similar lines: the worker fills the cells
    second = _post(api.client, api.key_a, invoice_xml("INV-2", SIMILAR))
    assert api.drain() == 1
    result = _result(api, second)
    cells = [item["fields"] for item in result["line_items"]]
    assert [c["gl_account"]["value"] for c in cells] == ["4930", "4940", "4650"]
    assert {c["gl_account"]["source"] for c in cells} == {"memory"}
    assert all(c["gl_account"]["confidence"] >= 0.8 for c in cells)
    assert cells[0]["cost_centre"]["value"] == "CC-10" and "cost_centre" not in cells[2]
    suggested = _coding(api, second).json()["lines"]
    assert [x["suggestion"]["gl_account"]["value"] for x in suggested] == ["4930", "4940", "4650"]
    assert all(x["suggestion"]["gl_account"]["confidence"] >= 0.8 for x in suggested)
    assert all(x["suggestion"]["evidence"]["supplier_specific"] for x in suggested)
    assert suggested[1]["suggestion"]["evidence"]["best_similarity"] == 1.0
    assert all(x["confirmed"] is None for x in suggested)
    # coding is advisory: the decision is the one the checks made
    assert result["decision"]["outcome"] == "auto_approved", result["decision"]

    # the journal books each line to its account
    journal = api.client.get(
        f"/v1/documents/{second}/export", params={"format": "journal"}, headers=api.headers()
    ).json()
    debits = {e["account"]: Decimal(e["amount"]) for e in journal["entries"]}
    assert debits["4930"] == Decimal("80.00") and debits["4940"] == Decimal("60.00")
    assert debits["4650"] == Decimal("20.00") and "expense" not in debits

    with factory() as session:
        assert document_cost_centres(session, _workspace(session, second), second) == {"CC-10"}
        assert document_cost_centres(session, "elsewhere", second) == set()

    # another supplier with the same items: only the workspace's weaker evidence
    other = _post(api.client, api.key_a, invoice_xml("X-1", FIRST[:1], seller="Other AG",
                                                     vat="DE999999999"))  # fmt: skip
    assert api.drain() == 1
    line = _coding(api, other).json()["lines"][0]["suggestion"]
    assert line["gl_account"]["value"] == "4930"
    assert not line["evidence"]["supplier_specific"]
    assert line["gl_account"]["confidence"] < suggested[0]["suggestion"]["gl_account"]["confidence"]


def test_typed_errors(api: Api) -> None:  # noqa: F811
    doc = _post(api.client, api.key_a, invoice_xml("INV-9", FIRST))
    # queued, not processed yet: 409
    assert _coding(api, doc).json()["error"]["code"] == "not_processed"
    r = _put(api, doc, CODING)
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_processed"
    assert api.drain() == 1
    assert _coding(api, doc, api.key_b).status_code == 404  # another workspace's
    assert _coding(api, "0" * 32).status_code == 404
    assert _put(api, "0" * 32, CODING).status_code == 404
    for bad in (
        [{"index": 3, "gl_account": "4930"}],
        [{"index": 0, "gl_account": "   "}],
        [{"index": 0, "gl_account": "4930"}, {"index": 0, "gl_account": "4940"}],
    ):
        r = _put(api, doc, bad)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_coding", r.text
    for body in ({"lines": []}, {"lines": [{"index": -1, "gl_account": "1"}]}, {}):
        r = api.client.put(f"/v1/documents/{doc}/coding", json=body, headers=api.headers())
        assert r.status_code == 422, r.text
    r = _put(api, doc, [{"index": 0, "gl_account": "x" * 51}])
    assert r.status_code == 422
    assert api.count(LineCodingRow) == 0  # nothing stored by a refused request
    with make_session_factory(make_engine(api.url)).begin() as session:
        row = session.get(DocumentRow, doc)
        assert row is not None and row.result is not None
        row.result = {**row.result, "doc_type": "receipt"}
    for r in (_coding(api, doc), _put(api, doc, CODING)):
        assert r.status_code == 422 and r.json()["error"]["code"] == "not_an_invoice"


def test_a_reviewers_approval_teaches_the_lines_accounts(ui: Ui) -> None:  # noqa: F811
    api_hdr = {"Authorization": f"Bearer {ui.key_a}"}
    first = _post(ui.client, ui.key_a, invoice_xml("INV-1", FIRST))
    assert _drain(ui.url, ui.data_dir) == 1
    r = ui.client.put(f"/v1/documents/{first}/coding", json={"lines": CODING}, headers=api_hdr)
    assert r.status_code == 200, r.text
    # a wrong total: it needs review; its lines come with the suggested accounts
    second = _post(ui.client, ui.key_a, invoice_xml("INV-2", SIMILAR, off="1.00"))
    assert _drain(ui.url, ui.data_dir) == 1
    doc = ui.client.get(f"/v1/documents/{second}", headers=api_hdr).json()["result"]
    assert doc["decision"]["outcome"] == "needs_review"
    token = ui.login()
    body = {
        "fields": {"total": "190.40", "amount_due": "190.40"},
        "acknowledged": {"en16931.BR-CO-15": "the XML's total is wrong by 1.00"},
    }
    ok = ui.client.post(f"/review/{second}/approve", json=body, headers={"X-CSRF-Token": token})
    assert ok.status_code == 200, ok.text
    lines = ui.client.get(f"/v1/documents/{second}/coding", headers=api_hdr).json()["lines"]
    confirmed = [x["confirmed"] for x in lines]
    assert [(c["gl_account"], c["coded_by"]) for c in confirmed] == [
        ("4930", "rev@x.org"), ("4940", "rev@x.org"), ("4650", "rev@x.org")
    ]  # fmt: skip
