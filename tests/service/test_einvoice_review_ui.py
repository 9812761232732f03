"""An e-invoice uploaded as XML has no page: the review screen and the document page still work."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from paperclerk.model import DecisionOutcome
from paperclerk.pipeline.run import process_bytes
from paperclerk.queue.jobs import finish_document
from paperclerk.review import on_result_stored
from paperclerk.storage.db import make_engine, make_session_factory
from tests.service.helpers import submit
from tests.service.ui_client import Ui
from tests.unit.test_einvoice_validation import _ubl


def _stored_e_invoice(factory: sessionmaker[Session], workspace_id: str) -> str:
    """Store the result of an XML e-invoice whose totals break BR-CO-15, as a worker would."""
    row, job = submit(factory, workspace_id)
    doc = process_bytes(_ubl("120.00"), filename="invoice.xml")
    assert doc.pages == []
    assert doc.decision is not None and doc.decision.outcome == DecisionOutcome.NEEDS_REVIEW
    doc.id, doc.workspace = row.id, workspace_id
    with factory.begin() as session:
        assert finish_document(session, row.id, doc, job.id)
        on_result_stored(session, row.id, workspace_id, doc)
    return row.id


def test_an_xml_e_invoice_without_pages_opens_for_review(ui: Ui) -> None:
    doc_id = _stored_e_invoice(make_session_factory(make_engine(ui.url)), ui.ws_a)
    ui.login()
    queue = ui.client.get("/review")
    assert queue.status_code == 200 and doc_id in queue.text
    screen = ui.client.get(f"/review/{doc_id}")
    assert screen.status_code == 200, screen.text[:500]
    assert "BR-CO-15" in screen.text
    assert "119.00" in screen.text or "120.00" in screen.text
    page = ui.client.get(f"/documents/{doc_id}")
    assert page.status_code == 200, page.text[:500]
    assert ui.client.get(f"/review/{doc_id}/pages/0.jpg").status_code == 404
