"""`POST /v1/documents` with an e-invoice XML: accepted, read from the XML by the worker.

The worker takes every field from the XML (source `e-invoice`, no OCR, no pages); an XML
with entity declarations is refused at upload with the typed `unsafe_xml` error.
"""

from __future__ import annotations

from tests.service.test_api import Api, api  # noqa: F401 - the fixture
from tests.unit.test_einvoice_read import SYNTHETIC_UBL, XXE


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
