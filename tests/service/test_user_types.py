"""Your own document types in the service: define, submit, review, train, read through the API.

A type is defined through `PUT /v1/types/{name}` (or the types page), documents are
submitted with its name as `doc_type`, the review form shows its fields, approvals become
training examples, `POST /v1/types/{name}/train` trains it, and new documents of the type
come back with its fields, recognised even without a hint.
"""

from __future__ import annotations

import random
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from paperclerk.learning.loader import LiveReference
from paperclerk.learning.user_types import UserTypes
from paperclerk.queue.lease import claim
from paperclerk.review import Correction, Reviewer, approve
from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.tables import TrainingExampleRow, User
from paperclerk.worker.tasks import run_job
from tests.service.test_api import receipt_png
from tests.service.ui_client import Ui
from tests.unit.test_custom_fields import delivery_note, draw_pdf

DEFINITION = {
    "description": "Delivery notes of our suppliers",
    "fields": [
        {"name": "customer", "value_type": "text", "required": True},
        {"name": "order_number", "value_type": "identifier", "gating": True},
        {"name": "delivery_date", "value_type": "date"},
    ],
}


def note_pdf(seed: int) -> tuple[bytes, dict[str, str]]:
    """A delivery note PDF with a text layer, and the values it prints."""
    lines, values = delivery_note(random.Random(seed), seed)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "note.pdf"
        draw_pdf(path, lines)
        return path.read_bytes(), values


def headers(ui: Ui) -> dict[str, str]:
    return {"Authorization": f"Bearer {ui.key_a}"}


def drain(ui: Ui, references: Callable[[str], LiveReference | None] | None = None) -> None:
    """Run every queued job with the service's user types, as the worker does."""
    factory = make_session_factory(make_engine(ui.url))
    blobs = BlobStore.in_data_dir(ui.data_dir)
    types = UserTypes(ui.data_dir / "models")
    while (job := claim(factory, "test")) is not None:
        run_job(factory, blobs, job, references=references, user_types=types)


def submit(ui: Ui, data: bytes, doc_type: str | None) -> str:
    form = {"doc_type": doc_type} if doc_type else {}
    r = ui.client.post(
        "/v1/documents",
        files={"file": ("note.pdf", data, "application/pdf")},
        data=form,
        headers=headers(ui),
    )
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


def result(ui: Ui, doc_id: str) -> dict[str, Any]:
    body = ui.client.get(f"/v1/documents/{doc_id}", headers=headers(ui)).json()
    assert body["status"] == "done", body
    return dict(body["result"])


def test_types_are_defined_listed_and_checked(ui: Ui) -> None:
    r = ui.client.put("/v1/types/delivery_note", json=DEFINITION, headers=headers(ui))
    assert r.status_code == 200, r.text
    assert [f["name"] for f in r.json()["fields"]] == ["customer", "order_number", "delivery_date"]
    assert r.json()["live_model"] is None
    listed = ui.client.get("/v1/types", headers=headers(ui)).json()["types"]
    assert [t["name"] for t in listed] == ["delivery_note"]
    assert listed[0]["fields"][1]["gating"] is True
    assert ui.client.get("/v1/types/nothing", headers=headers(ui)).status_code == 404
    for bad in ("invoice", "Delivery-Note", "..%2Fx"):
        refused = ui.client.put(f"/v1/types/{bad}", json=DEFINITION, headers=headers(ui))
        assert refused.status_code in (404, 422), (bad, refused.text)
    unchecked = {"fields": [{"name": "iban", "value_type": "code"}]}
    assert ui.client.put("/v1/types/x", json=unchecked, headers=headers(ui)).status_code == 422
    checked = {"fields": [{"name": "iban", "value_type": "code", "check": "iban"}]}
    assert ui.client.put("/v1/types/x", json=checked, headers=headers(ui)).status_code == 200
    twice = {"fields": [{"name": "a"}, {"name": "a"}]}
    assert ui.client.put("/v1/types/x", json=twice, headers=headers(ui)).status_code == 422
    assert ui.client.get("/v1/types").status_code == 401
    data, _ = note_pdf(1)
    unknown = ui.client.post(
        "/v1/documents",
        files={"file": ("n.pdf", data, "application/pdf")},
        data={"doc_type": "dispatch_note"},
        headers=headers(ui),
    )
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_doc_type"
    untrained = ui.client.post("/v1/types/delivery_note/train", headers=headers(ui))
    assert untrained.status_code == 422
    assert untrained.json()["error"]["code"] == "not_enough_examples"


def test_review_three_train_and_read_the_fourth(ui: Ui) -> None:
    assert ui.client.put("/v1/types/delivery_note", json=DEFINITION, headers=headers(ui)).is_success
    labelled = []
    for seed in (11, 12, 13):
        data, values = note_pdf(seed)
        labelled.append((submit(ui, data, "delivery_note"), values))
    drain(ui)
    factory = make_session_factory(make_engine(ui.url))
    with factory() as s:
        reviewer = s.scalars(select(User).where(User.email == "rev@x.org")).one()
        who = Reviewer(reviewer.id, reviewer.email, (ui.ws_a,))
    # the review form shows every field of the type, found or not
    ui.login()
    form = ui.client.get(f"/review/{labelled[0][0]}").text
    assert all(f'data-field="{n}"' in form for n in ("customer", "order_number", "delivery_date"))
    assert "custom:delivery_note" in ui.client.get("/review").text  # the queue names the type
    for doc_id, values in labelled:
        got = result(ui, doc_id)
        assert got["doc_type"] == "custom" and got["custom_type"] == "delivery_note"
        assert got["fields"] == {}
        assert "no extractor for delivery note documents yet" in got["decision"]["reasons"]
        with factory.begin() as s:
            approve(s, who, doc_id, Correction(fields=values), data_dir=ui.data_dir)
    with factory() as s:
        stored = s.scalars(select(TrainingExampleRow.doc_type)).all()
    assert stored == ["custom:delivery_note"] * 3

    trained = ui.client.post("/v1/types/delivery_note/train", headers=headers(ui))
    assert trained.status_code == 200, trained.text
    assert trained.json()["promoted"] is True
    assert trained.json()["fields"]["order_number"]["found_on_page"] == 3
    assert ui.client.get("/v1/types/delivery_note", headers=headers(ui)).json()["live_model"]

    data, values = note_pdf(14)
    hinted, recognised = submit(ui, data, "delivery_note"), submit(ui, data + b"\n", None)
    receipt = submit(ui, receipt_png(), None)
    drain(ui)
    for doc_id in (hinted, recognised):
        got = result(ui, doc_id)
        assert got["custom_type"] == "delivery_note"
        fields = got["fields"]
        assert fields["order_number"]["value"] == values["order_number"]
        assert fields["customer"]["value"] == values["customer"]
        assert fields["delivery_date"]["value"] == _iso(values["delivery_date"])
        assert 0 < fields["order_number"]["confidence"] <= 1
        assert fields["order_number"]["provenance"]["word_ids"]
        assert got["model_versions"]["extract"].startswith("fields:delivery_note/")
    assert result(ui, recognised)["doc_type_confidence"] >= 0.8
    assert result(ui, receipt)["doc_type"] != "custom"  # a receipt is not taken for a note


def test_the_types_page_defines_and_trains_for_admins(ui: Ui) -> None:
    ui.login()
    assert ui.client.get("/types").status_code == 403
    ui.client.post("/logout", data={"csrf_token": ui.csrf_of("/review")})
    token = ui.login("boss@x.org", "boss-password")
    page = ui.client.get("/types")
    assert page.status_code == 200 and "No type defined yet" in page.text
    form = {
        "csrf_token": token,
        "name": "customs_form",
        "field_0": "declarant",
        "type_0": "text",
        "required_0": "on",
        "field_1": "total_value",
        "type_1": "amount",
    }
    r = ui.client.post("/types", data=form, follow_redirects=False)
    assert r.status_code == 303 and "notice" in r.headers["location"]
    spec = UserTypes(ui.data_dir / "models").spec("customs_form")
    assert spec is not None and spec.fields[0].required and spec.fields[1].value_type == "amount"
    page = ui.client.get("/types").text
    assert 'data-type="customs_form"' in page
    assert re.search(r'data-train="customs_form"[^>]*disabled', page)
    bad = ui.client.post("/types", data={**form, "name": "receipt"}, follow_redirects=False)
    assert "error" in bad.headers["location"]
    refused = ui.client.post("/types/customs_form/train", data={"csrf_token": token})
    assert refused.status_code == 200 and "training needs 3" in refused.text


def _iso(day: str) -> str:
    d, m, y = day.split(".")
    return f"{y}-{m}-{d}"
