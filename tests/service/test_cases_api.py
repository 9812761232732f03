"""KYC cases through the API on SQLite and PostgreSQL: documents read by OCR, one verdict.

The documents are pictures drawn here (a passport from the synthetic identity generator,
a utility bill, a payslip and a bank statement drawn with PIL, dated relative to today),
uploaded into the case and processed by the real pipeline in this process.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import cv2
import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw, ImageFont

from paperclerk.datasets.synthetic_identity import random_fields, render_identity
from paperclerk.queue.lease import claim
from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.workspaces import create_api_key, create_workspace
from paperclerk.web.app import create_app
from paperclerk.worker.tasks import run_job

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SURNAME, GIVEN = "KOWALCZYK", "ZOFIA MARIA"
NAME = "Zofia Kowalczyk"
ADDRESS = "7 Mill Lane, Bristol BS1 5TR"


@dataclass
class Api:
    client: TestClient
    url: str
    data_dir: Path
    key_a: str
    key_b: str

    def headers(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.key_a}"}

    def drain(self) -> int:
        """Process every queued document in this process; return how many."""
        factory = make_session_factory(make_engine(self.url))
        blobs = BlobStore.in_data_dir(self.data_dir)
        ran = 0
        while (job := claim(factory, "test")) is not None:
            run_job(factory, blobs, job)
            ran += 1
        return ran

    def get(self, path: str, key: str | None = None, **params: Any) -> Any:
        return self.client.get(path, headers=self.headers(key), params=params)


@pytest.fixture
def api(db_url: str, tmp_path: Path) -> Iterator[Api]:
    data_dir = tmp_path / "data"
    app = create_app(db_url, data_dir)
    factory = make_session_factory(make_engine(db_url))
    with factory.begin() as session:
        a = create_workspace(session, "a").id
        b = create_workspace(session, "b").id
        key_a, key_b = create_api_key(session, a).key, create_api_key(session, b).key
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, db_url, data_dir, key_a, key_b)


def passport_png(expiry: dt.date | None = None) -> bytes:
    holder = random_fields(random.Random(7))
    fields = replace(holder.fields, surname=SURNAME, given_names=GIVEN)
    if expiry is not None:
        fields = replace(fields, expiry_date=expiry.strftime("%y%m%d"))
        holder = replace(holder, expiry=expiry)
    image, _ = render_identity(replace(holder, fields=fields))
    ok, png = cv2.imencode(".png", image)
    assert ok
    return png.tobytes()


def _page(lines: list[str], table: list[tuple[str, ...]] = (), after: list[str] = ()) -> bytes:  # type: ignore[assignment]
    """Draw a page of text lines, then a table (date, details, amount, balance), then lines."""
    image = Image.new("L", (1240, 1500), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 26)
    y = 70
    for line in lines:
        if line:
            draw.text((80, y), line, 0, font=font)
        y += 46
    for row in table:
        draw.text((80, y), row[0], 0, font=font)
        draw.text((300, y), row[1], 0, font=font)
        for i, cell in enumerate(row[2:]):
            draw.text((900 + 220 * i - draw.textlength(cell, font=font), y), cell, 0, font=font)
        y += 46
    for line in after:
        draw.text((80, y + 20), line, 0, font=font)
        y += 46
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _d(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def last_month() -> tuple[dt.date, dt.date]:
    end = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def utility_bill_png(issued: dt.date) -> bytes:
    return _page(
        [
            "Riverside Water Company",
            "Your water bill",
            "",
            f"Ms {NAME}",
            "7 Mill Lane",
            "Bristol BS1 5TR",
            "",
            f"Bill date: {_d(issued)}",
            "Account number: 8263 3100",
            "Amount due: £84.20",
            f"Due date: {_d(issued + dt.timedelta(days=21))}",
        ]
    )


def payslip_png() -> bytes:
    start, end = last_month()
    return _page(
        [
            "Payslip",
            "Northwind Traders Ltd",
            "12 Harbour Road",
            "Leeds LS1 4AB",
            "",
            f"Pay period: {_d(start)} - {_d(end)}",
            f"Pay date: {_d(end - dt.timedelta(days=2))}",
            f"Employee: {NAME}",
            "Gross pay: £3,250.00",
            "Total deductions: £612.40",
            "Net pay: £2,637.60",
        ]
    )


def statement_png(salary: str = "2,637.60") -> bytes:
    start, end = last_month()
    paid = end - dt.timedelta(days=2)
    return _page(
        [
            "Hanseatic Savings Bank",
            "",
            NAME,
            "7 Mill Lane",
            "Bristol BS1 5TR",
            "",
            "IBAN: GB82 WEST 1234 5698 7654 32",
            f"Statement period: {_d(start)} - {_d(end)}",
            "Opening balance: 1,000.00",
            "",
        ],
        [
            ("Date", "Details", "Amount", "Balance"),
            (_d(start + dt.timedelta(days=2)), "RENT", "-750.00", "250.00"),
            (_d(paid), "NORTHWIND SALARY", salary, "2,887.60"),
            (_d(paid + dt.timedelta(days=1)), "CARD PAYMENT", "-50.00", "2,837.60"),
        ],
        ["Closing balance: 2,837.60"],
    )


def upload(api: Api, case_id: str, data: bytes, doc_type: str | None = None, **kw: Any) -> Any:
    form = {"doc_type": doc_type} if doc_type else {}
    return api.client.post(
        f"/v1/cases/{case_id}/documents",
        files={"file": ("doc.png", data, "image/png")},
        data=form,
        headers=api.headers(kw.get("key")),
    )


def reasons(case: dict[str, Any]) -> dict[str, str]:
    return {r["code"]: r["status"] for r in case["verdict"]["reasons"]}


@pytest.mark.slow
def test_a_complete_case_is_approved_end_to_end(api: Api) -> None:
    passport = api.client.post(
        "/v1/documents",
        files={"file": ("passport.png", passport_png(), "image/png")},
        headers=api.headers(),
    )
    assert passport.status_code == 202, passport.text
    passport_id = passport.json()["id"]
    body = {
        "reference": "APP-1",
        "applicant": {"name": NAME, "address": ADDRESS},
        "document_ids": [passport_id],
    }
    created = api.client.post("/v1/cases", json=body, headers=api.headers())
    assert created.status_code == 201, created.text
    case = created.json()
    case_id = case["id"]
    assert case["status"] == "needs_review" and case["reference"] == "APP-1"
    identity = case["verdict"]["reasons"][0]
    assert identity["code"] == "identity" and identity["status"] == "missing"
    assert "not processed yet" in identity["message"]
    issued = dt.date.today() - dt.timedelta(days=20)
    for data, kind in [
        (utility_bill_png(issued), "utility_bill"),
        (payslip_png(), "payslip"),
        (statement_png(), "bank_statement"),
    ]:
        r = upload(api, case_id, data, kind)
        assert r.status_code == 201, r.text
    assert len(r.json()["documents"]) == 4
    assert api.drain() == 4
    got = api.get(f"/v1/cases/{case_id}")
    assert got.status_code == 200, got.text
    case = got.json()
    open_reasons = [r["message"] for r in case["verdict"]["reasons"] if r["status"] != "pass"]
    assert case["status"] == "approved", open_reasons
    assert set(reasons(case)) >= {
        "identity",
        "identity.declared_name",
        "proof_of_address.date",
        "proof_of_address.name",
        "proof_of_address.address",
        "income.name",
        "income.credits",
    }
    credits = next(r for r in case["verdict"]["reasons"] if r["code"] == "income.credits")
    assert "NORTHWIND SALARY" in credits["message"] and "names the employer" in credits["message"]
    docs = {d["doc_type"]: d for d in case["documents"]}
    assert set(docs) == {"identity_document", "utility_bill", "payslip", "bank_statement"}
    assert docs["identity_document"]["fields"]["surname"] == SURNAME
    assert docs["payslip"]["fields"]["net_pay"] == "2637.60"
    assert all(d["status"] == "done" and d["pages"] == 1 for d in case["documents"])
    assert case["decided_at"] is not None
    listed = api.get("/v1/cases").json()
    assert [(c["id"], c["status"]) for c in listed["items"]] == [(case_id, "approved")]
    audit = api.get(f"/v1/documents/{passport_id}/audit").json()
    verdicts = [e for e in audit if e["action"] == "case_verdict"]
    assert verdicts[-1]["new_value"]["outcome"] == "approved"
    assert verdicts[-1]["new_value"]["case_id"] == case_id
    again = api.get(f"/v1/cases/{case_id}").json()
    assert again["status"] == "approved"
    audit = api.get(f"/v1/documents/{passport_id}/audit").json()
    assert len([e for e in audit if e["action"] == "case_verdict"]) == len(verdicts)


@pytest.mark.slow
def test_an_expired_passport_rejects_the_case_and_a_missing_pay_is_explained(api: Api) -> None:
    expired = dt.date.today() - dt.timedelta(days=40)
    case_id = api.client.post(
        "/v1/cases", json={"applicant": {"address": ADDRESS}}, headers=api.headers()
    ).json()["id"]
    assert upload(api, case_id, passport_png(expired)).status_code == 201
    assert upload(api, case_id, payslip_png(), "payslip").status_code == 201
    assert (
        upload(api, case_id, statement_png(salary="1,100.00"), "bank_statement").status_code == 201
    )
    assert api.drain() == 3
    case = api.get(f"/v1/cases/{case_id}").json()
    assert case["status"] == "rejected"
    identity = case["verdict"]["reasons"][0]
    assert (
        identity["status"] == "fail" and f"expired on {expired.isoformat()}" in identity["message"]
    )
    assert reasons(case)["income.credits"] == "fail"
    credits = next(r for r in case["verdict"]["reasons"] if r["code"] == "income.credits")
    assert "no credit within 10% of net pay 2637.60" in credits["message"]


def _document(api: Api, key: str | None = None) -> str:
    r = api.client.post(
        "/v1/documents",
        files={"file": ("x.png", statement_png(), "image/png")},
        headers=api.headers(key),
    )
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


def test_cases_belong_to_their_workspace(api: Api) -> None:
    mine, theirs = _document(api), _document(api, api.key_b)
    body = {"applicant": {"name": NAME}, "document_ids": [theirs]}
    refused = api.client.post("/v1/cases", json=body, headers=api.headers())
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    assert api.get("/v1/cases").json()["items"] == []  # nothing was created
    case_id = api.client.post("/v1/cases", json={}, headers=api.headers()).json()["id"]
    assert api.get(f"/v1/cases/{case_id}", api.key_b).status_code == 404
    assert api.get("/v1/cases", api.key_b).json()["items"] == []
    attach = f"/v1/cases/{case_id}/documents"
    r = api.client.post(attach, json={"document_id": theirs}, headers=api.headers())
    assert r.status_code == 404
    r = api.client.post(attach, json={"document_id": mine}, headers=api.headers(api.key_b))
    assert r.status_code == 404
    assert upload(api, case_id, statement_png(), key=api.key_b).status_code == 404
    r = api.client.post(attach, json={"document_id": mine, "role": "proof"}, headers=api.headers())
    assert r.status_code == 201 and [d["id"] for d in r.json()["documents"]] == [mine]
    assert r.json()["documents"][0]["role"] == "proof"
    again = api.client.post(attach, json={"document_id": mine}, headers=api.headers())
    assert again.status_code == 200 and len(again.json()["documents"]) == 1
    assert api.get("/v1/cases/" + "0" * 32).status_code == 404
    assert api.get("/v1/cases/not-an-id").json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"applicant": {"nmae": "x"}}, "invalid_request"),
        ({"applicant": {"declared_income": -1}}, "invalid_request"),
        ({"document_ids": "abc"}, "invalid_request"),
        ({"policy": {"name_match_mni": 90}}, "invalid_kyc_policy"),
        ({"policy": {"name_review_min": 99}}, "invalid_kyc_policy"),
    ],
)
def test_bad_input_is_422(api: Api, body: dict[str, Any], code: str) -> None:
    r = api.client.post("/v1/cases", json=body, headers=api.headers())
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == code


def test_bad_attachments(api: Api) -> None:
    case_id = api.client.post("/v1/cases", json={}, headers=api.headers()).json()["id"]
    path = f"/v1/cases/{case_id}/documents"
    h = api.headers()
    assert api.client.post(path, json={"doc": "x"}, headers=h).status_code == 422
    bad_json = {**h, "Content-Type": "application/json"}
    assert api.client.post(path, content=b"{", headers=bad_json).status_code == 422
    text = {**h, "Content-Type": "text/plain"}
    assert api.client.post(path, content=b"hello", headers=text).status_code == 415
    assert upload(api, case_id, b"").json()["error"]["code"] == "empty_input"
    assert upload(api, case_id, b"not a picture").status_code == 415
    assert upload(api, case_id, statement_png(), "passport").status_code == 422
    two = api.client.post(
        path,
        files=[("file", ("a.png", b"a", "image/png")), ("file", ("b.png", b"b", "image/png"))],
        headers=h,
    )
    assert two.json()["error"]["code"] == "multiple_files"


def test_policy_per_case_and_listing_pages(api: Api) -> None:
    made = []
    for n in range(3):
        body = {"reference": f"APP-{n}", "policy": {"proof_of_address_max_age_days": 30}}
        made.append(api.client.post("/v1/cases", json=body, headers=api.headers()).json())
    assert made[0]["policy"]["proof_of_address_max_age_days"] == 30
    assert made[0]["policy"]["name_match_min"] == 85
    first = api.get("/v1/cases", limit=2).json()
    assert [c["id"] for c in first["items"]] == [made[2]["id"], made[1]["id"]]
    second = api.get("/v1/cases", limit=2, cursor=first["next_cursor"]).json()
    assert [c["id"] for c in second["items"]] == [made[0]["id"]]
    assert second["next_cursor"] is None
    assert [c["id"] for c in api.get("/v1/cases", reference="APP-1").json()["items"]] == [
        made[1]["id"]
    ]
    assert api.get("/v1/cases", status="approved").json()["items"] == []
    assert api.get("/v1/cases", status="nope").status_code == 422
    assert api.get("/v1/cases", cursor="garbage").status_code == 400
