"""`POST /v1/documents` with an e-invoice XML: accepted, read from the XML by the worker.

The worker takes every field from the XML (source `e-invoice`, no OCR, no pages); an XML
with entity declarations is refused at upload with the typed `unsafe_xml` error.
"""

from __future__ import annotations

from tests.service.test_api import Api, api  # noqa: F401 - the fixture
from tests.unit.test_einvoice_read import SYNTHETIC_UBL, XXE
from tests.unit.test_einvoice_validation import _ubl


def _post(api: Api, data: bytes):  # type: ignore[no-untyped-def]  # noqa: F811
    return api.client.post(
        "/v1/documents",
        files={"file": ("invoice.xml", data, "application/xml")},
        headers=api.headers(),
    )


def test_an_xml_e_invoice_is_processed_without_ocr(api: Api) -> None:  # noqa: F811
    r = _post(api, SYNTHETIC_UBL)
    assert r.status_code == 202, r.text
    doc_id = r.json()["id"]
    assert api.drain() == 1
    got = api.client.get(f"/v1/documents/{doc_id}", headers=api.headers()).json()
    assert got["status"] == "done", got
    result = got["result"]
    assert result["doc_type"] == "invoice" and result["pages"] == []
    assert result["fields"]["total"]["source"] == "e-invoice"
    assert result["fields"]["total"]["value"] == "119.00"
    assert "ocr" not in result["model_versions"]


def test_an_xml_with_entities_is_a_typed_4xx(api: Api) -> None:  # noqa: F811
    r = _post(api, XXE)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "unsafe_xml"


def _result(api: Api, doc_id: str):  # type: ignore[no-untyped-def]  # noqa: F811
    got = api.client.get(f"/v1/documents/{doc_id}", headers=api.headers()).json()
    assert got["status"] == "done", got
    return got["result"]


def _valid_e_invoice(number: str = "INV-1", issued: str = "2024-05-02") -> bytes:
    """A UBL e-invoice that passes EN 16931, paid to DE02 1203 0000 0000 2020 51."""
    means = (
        b"</cac:AccountingCustomerParty><cac:PaymentMeans><cbc:PaymentMeansCode>58"
        b"</cbc:PaymentMeansCode><cac:PayeeFinancialAccount><cbc:ID>DE02120300000000202051"
        b"</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>"
    )
    xml = _ubl("119.00").replace(b"</cac:AccountingCustomerParty>", means)
    xml = xml.replace(b"2024-05-02", issued.encode())
    return xml.replace(b"<cbc:ID>INV-1</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>".encode())


def test_the_worker_holds_changed_bank_details_and_duplicates(api: Api) -> None:  # noqa: F811
    """A valid e-invoice goes straight through; the same invoice again, or the supplier's
    invoice paid to an account the ERP does not know, goes to a person, saying why."""
    first = _post(api, _valid_e_invoice()).json()["id"]
    assert api.drain() == 1
    assert _result(api, first)["decision"]["outcome"] == "auto_approved"
    # the same invoice again (a copy with other bytes): a duplicate
    copy = _valid_e_invoice().replace(b"<cbc:Note>", b"<cbc:Note> ", 1) + b"\n"
    again = _post(api, copy).json()["id"]
    assert api.drain() == 1
    decision = _result(api, again)["decision"]
    assert decision["outcome"] == "needs_review"
    assert decision["reason_codes"] == ["rule:payables.duplicate_invoice"]
    assert first in " ".join(decision["reasons"])
    # the ERP knows this supplier with another account: the invoice's IBAN raises the alarm
    csv = (
        "supplier_number,name,vat_id,iban,address,postcode,city,country\n"
        "S1,Seller GmbH,DE123456788,DE89370400440532013000,Main Street 1,10115,Berlin,DE\n"
    )
    r = api.client.post(
        "/v1/suppliers/import",
        content=csv.encode(),
        headers={**api.headers(), "Content-Type": "text/csv"},
    )
    assert r.status_code == 200 and r.json()["created"] == 1, r.text
    changed = _post(api, _valid_e_invoice("INV-2", "2024-06-03")).json()["id"]
    assert api.drain() == 1
    decision = _result(api, changed)["decision"]
    assert decision["outcome"] == "needs_review"
    assert decision["reason_codes"] == ["rule:payables.bank_details_changed"]
    assert "DE02120300000000202051" in " ".join(decision["reasons"])
