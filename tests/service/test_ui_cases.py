"""The KYC case pages of the review UI on SQLite and PostgreSQL: list, case, side by side.

Cases are made through the API (`/v1/cases`) of the UI's workspaces; the documents that
must show page images are pictures drawn by the API tests and read by the real pipeline
in this process.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import select

from paperclerk.model.personal import mask_result
from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.columns import utcnow
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.tables import DocumentRow, KycCase
from paperclerk.web.ui import cases as cases_ui
from tests.service.test_cases_api import (
    ADDRESS,
    NAME,
    payslip_png,
    utility_bill_png,
)
from tests.service.ui_client import Ui

HTML = {"accept": "text/html"}


def _h(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _case(ui: Ui, key: str, **body: Any) -> dict[str, Any]:
    r = ui.client.post("/v1/cases", json=body, headers=_h(key))
    assert r.status_code == 201, r.text
    return dict(r.json())


def _upload(ui: Ui, key: str, case_id: str, data: bytes, doc_type: str) -> str:
    r = ui.client.post(
        f"/v1/cases/{case_id}/documents",
        files={"file": ("doc.png", data, "image/png")},
        data={"doc_type": doc_type},
        headers=_h(key),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["documents"][-1]["id"])


def _drain(ui: Ui) -> int:
    from paperclerk.queue.lease import claim
    from paperclerk.worker.tasks import run_job

    factory = make_session_factory(make_engine(ui.url))
    blobs = BlobStore.in_data_dir(ui.data_dir)
    ran = 0
    while (job := claim(factory, "test")) is not None:
        run_job(factory, blobs, job)
        ran += 1
    return ran


def _listed(page: str) -> list[str]:
    return re.findall(r'data-case="([0-9a-f]{32})"', page)


def _columns(page: str) -> list[tuple[str, str]]:
    return re.findall(
        r'class="card case-doc" data-document="([0-9a-f]{32})" data-type="(\w+)"', page
    )


def _column(page: str, document_id: str) -> str:
    """Return the HTML of one document's column of the case page."""
    start = page.index(f'data-document="{document_id}"')
    end = page.find("</section>", start)
    return page[start:end]


def test_the_case_pages_need_a_login(ui: Ui) -> None:
    case_id = _case(ui, ui.key_a)["id"]
    for path in ("/cases", f"/cases/{case_id}"):
        r = ui.client.get(path, headers=HTML, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/login?next={path}"
        assert ui.client.get(path).status_code == 401  # a script fetching JSON


def test_the_list_shows_the_workspace_s_cases_newest_first_by_status_a_page_at_a_time(
    ui: Ui, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _case(ui, ui.key_a, reference="APP-1", applicant={"name": NAME})
    second = _case(ui, ui.key_a, reference="APP-2")
    third = _case(ui, ui.key_a, reference="<script>alert(1)</script>",
                  applicant={"name": "<b>Bold</b> & Co"})  # fmt: skip
    theirs = _case(ui, ui.key_b, reference="THEIRS")
    ui.login()
    page = ui.client.get("/cases")
    assert page.status_code == 200 and 'href="/cases" aria-current="page"' in page.text
    assert _listed(page.text) == [third["id"], second["id"], first["id"]]  # not workspace b's
    assert "THEIRS" not in page.text
    row = page.text[page.text.index(f'data-case="{first["id"]}"') :]
    row = row[: row.index("</tr>")]
    assert "APP-1" in row and NAME in row and 'data-status="needs_review"' in row
    assert re.search(r'<td class="num tabular">0</td>', row)  # no documents yet
    assert "<script>alert(1)</script>" not in page.text and "<b>Bold</b>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in page.text
    assert _listed(ui.client.get("/cases", params={"status": "approved"}).text) == []
    waiting = ui.client.get("/cases", params={"status": "needs_review"}).text
    assert len(_listed(waiting)) == 3
    assert len(_listed(ui.client.get("/cases", params={"status": "nope"}).text)) == 3
    monkeypatch.setattr(cases_ui, "PAGE", 2)
    top = ui.client.get("/cases").text
    assert _listed(top) == [third["id"], second["id"]]
    found = re.search(r'id="next-page" href="([^"]+)"', top)
    assert found
    rest = ui.client.get(html.unescape(found.group(1))).text
    assert _listed(rest) == [first["id"]] and 'id="next-page"' not in rest
    assert _listed(ui.client.get("/cases", params={"cursor": "garbage"}).text) == _listed(top)
    assert ui.client.get(f"/cases/{theirs['id']}").status_code == 404


def test_cases_of_another_workspace_and_unknown_ids_are_not_found(ui: Ui) -> None:
    mine = _case(ui, ui.key_a, reference="MINE")["id"]
    theirs = _case(ui, ui.key_b, reference="THEIRS")["id"]
    ui.login()
    assert ui.client.get(f"/cases/{mine}").status_code == 200
    for case_id in (theirs, "0" * 32, "not-a-case", "%00"):
        r = ui.client.get(f"/cases/{case_id}")
        assert r.status_code == 404, case_id
        assert "This case does not exist" in r.text and "THEIRS" not in r.text
    ui.client.post("/logout", data={"csrf_token": ui.csrf_of("/cases")})
    ui.login("boss@x.org", "boss-password")  # an admin sees every workspace
    assert ui.client.get(f"/cases/{theirs}").status_code == 200
    assert set(_listed(ui.client.get("/cases").text)) == {mine, theirs}


def test_a_document_not_processed_yet_has_a_column_without_a_page(ui: Ui) -> None:
    case = _case(
        ui, ui.key_a, reference="APP-Q",
        applicant={"name": NAME, "address": ADDRESS, "declared_income": "2600"},
    )  # fmt: skip
    document_id = _upload(ui, ui.key_a, case["id"], payslip_png(), "payslip")
    ui.login()
    page = ui.client.get(f"/cases/{case['id']}")
    assert page.status_code == 200
    assert _columns(page.text) == [(document_id, "payslip")]
    column = _column(page.text, document_id)
    assert "queued" in column and "<img" not in column and "No page image yet" in column
    assert 'id="case-outcome" data-outcome="needs_review"' in page.text
    identity = page.text[page.text.index('data-reason="identity"') :]
    assert identity.startswith('data-reason="identity" data-status="missing"')
    assert "the case has no identity document" in identity[: identity.index("</tr>")]
    assert "1 document(s) of the case not processed yet" in page.text  # the payslip's checks
    assert f'<td id="applicant-name">{NAME}</td>' in page.text
    assert f'<td id="applicant-address">{ADDRESS}</td>' in page.text
    assert '<td id="applicant-income">2600</td>' in page.text


@pytest.mark.slow
def test_the_case_page_shows_the_verdict_and_the_documents_side_by_side(ui: Ui) -> None:
    issued = dt.date.today() - dt.timedelta(days=20)
    case = _case(
        ui, ui.key_a, reference="APP-UI",
        applicant={"name": NAME, "address": ADDRESS, "declared_income": "2637.60"},
    )  # fmt: skip
    case_id = case["id"]
    bill = _upload(ui, ui.key_a, case_id, utility_bill_png(issued), "utility_bill")
    slip = _upload(ui, ui.key_a, case_id, payslip_png(), "payslip")
    assert _drain(ui) == 2
    ui.login()
    listed = ui.client.get("/cases").text
    assert _listed(listed) == [case_id]
    row = listed[listed.index(f'data-case="{case_id}"') :]
    assert re.search(r'<td class="num tabular">2</td>', row[: row.index("</tr>")])

    page = ui.client.get(f"/cases/{case_id}")
    assert page.status_code == 200, page.text
    api = ui.client.get(f"/v1/cases/{case_id}", headers=_h(ui.key_a)).json()
    verdict = api["verdict"]
    assert api["status"] == verdict["outcome"] == "needs_review"  # no identity document
    assert f'id="case-outcome" data-outcome="{verdict["outcome"]}">needs review<' in page.text
    shown = re.findall(r'data-reason="([\w.]+)" data-status="(\w+)"', page.text)
    assert shown == [(r["code"], r["status"]) for r in verdict["reasons"]]
    assert ("identity", "missing") in shown and ("proof_of_address.date", "pass") in shown
    for reason in verdict["reasons"]:
        assert str(escape(reason["message"])) in page.text
    assert (
        'class="chip chip-ok">pass<' in page.text and 'class="chip chip-warn">missing<' in page.text
    )

    assert _columns(page.text) == [(bill, "utility_bill"), (slip, "payslip")]
    assert 'class="case-docs"' in page.text  # the columns of one grid, side by side
    fields = {d["id"]: d["fields"] for d in api["documents"]}
    for document_id in (bill, slip):
        column = _column(page.text, document_id)
        assert f'href="/documents/{document_id}"' in column
        src = f"/review/{document_id}/pages/0.jpg"
        assert f'<img class="case-page" src="{src}"' in column
        image = ui.client.get(src)
        assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
        assert image.content[:2] == b"\xff\xd8"
        assert fields[document_id]
        for value in fields[document_id].values():
            assert str(escape(str(value))) in column
    payslip = _column(page.text, slip)
    assert "2637.60" in payslip and "Net pay" in payslip  # personal values, for the reviewer
    assert NAME in payslip

    factory = make_session_factory(make_engine(ui.url))
    with factory.begin() as session:  # what retention leaves of a purged document
        row = session.get(DocumentRow, bill)
        assert row is not None and row.result is not None
        row.result = mask_result(row.result)
        row.purged_at = utcnow()
    purged = ui.client.get(f"/cases/{case_id}").text
    column = _column(purged, bill)
    assert "Purged on" in column and "<img" not in column and "•••" in column
    assert '<img class="case-page"' in _column(purged, slip)
    assert ui.client.get(f"/review/{bill}/pages/0.jpg").status_code == 410
    with factory() as session:  # the page stored the verdict as the API does
        stored = session.scalars(select(KycCase).where(KycCase.id == case_id)).one()
        assert stored.status == "needs_review" and stored.verdict is not None
