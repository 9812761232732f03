"""The Claims pages of the review UI on SQLite and PostgreSQL: list, claim, decision, CSRF."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session, sessionmaker

from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.db import make_engine, make_session_factory
from tests.service.claims_helpers import Kind, claim, png, save_offer
from tests.service.ui_client import Ui


def _factory(ui: Ui) -> sessionmaker[Session]:
    return make_session_factory(make_engine(ui.url))


def _claim(ui: Ui, workspace: str, participant: str, kind: Kind, n: int, **kw: object) -> int:
    factory = _factory(ui)
    save_offer(factory, workspace)
    blobs = BlobStore.in_data_dir(ui.data_dir)
    result = claim(factory, workspace, participant, kind, n, blobs=blobs, **kw)  # type: ignore[arg-type]
    assert result.submission_id is not None
    return result.submission_id


def _ids(page: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-claim="(\d+)"', page)]


def test_claims_need_a_login(ui: Ui) -> None:
    sid = _claim(ui, ui.ws_a, "p1", "needs_review", 1)
    r = ui.client.get("/claims", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert ui.client.get(f"/claims/{sid}/original").status_code == 401
    form = {"outcome": "approved", "reason": "x"}
    assert ui.client.post(f"/claims/{sid}/decision", data=form).status_code == 403


def test_the_list_shows_waiting_claims_of_the_reviewer_s_workspaces(ui: Ui) -> None:
    waiting = _claim(ui, ui.ws_a, "p1", "needs_review", 1)
    approved = _claim(ui, ui.ws_a, "p2", "approved", 2)
    theirs = _claim(ui, ui.ws_b, "p1", "needs_review", 3)
    ui.login()
    page = ui.client.get("/claims")
    assert page.status_code == 200 and 'href="/claims"' in page.text
    assert _ids(page.text) == [waiting]  # waiting for review by default; not workspace b's
    assert _ids(ui.client.get("/claims", params={"outcome": ""}).text) == [waiting, approved]
    assert _ids(ui.client.get("/claims", params={"outcome": "approved"}).text) == [approved]
    by_shopper = ui.client.get("/claims", params={"outcome": "", "participant": "p2"}).text
    assert _ids(by_shopper) == [approved]
    assert _ids(ui.client.get("/claims", params={"campaign": "nope"}).text) == []
    assert _ids(ui.client.get("/claims", params={"workspace": ui.ws_b}).text) == [waiting]
    assert ui.client.get(f"/claims/{theirs}").status_code == 404
    assert ui.client.get(f"/claims/{theirs}/original").status_code == 404


def test_the_claim_page_shows_the_picture_findings_and_the_earlier_claim(ui: Ui) -> None:
    shared = png(5)
    first = _claim(ui, ui.ws_a, "p1", "approved", 1, data=shared)
    second = _claim(ui, ui.ws_a, "p2", "approved", 2, data=shared)  # the same file again
    ui.login()
    page = ui.client.get(f"/claims/{second}").text
    assert f'src="/claims/{second}/original"' in page
    assert f'src="/claims/{first}/original"' in page  # the earlier claim, side by side
    assert 'data-rule="duplicates.identical_file"' in page
    assert "cross_participant:" in page  # the finding's evidence, for the desk
    assert "This receipt was already submitted." in page  # what the shopper is told
    assert "KEDAI RUNCIT MAJU JAYA SDN BHD" in page  # what was read
    r = ui.client.get(f"/claims/{second}/original")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert r.content == shared


def test_a_reviewer_decides_a_claim_with_a_reason_under_csrf(ui: Ui) -> None:
    sid = _claim(ui, ui.ws_a, "p1", "needs_review", 1)
    theirs = _claim(ui, ui.ws_b, "p1", "needs_review", 2)
    token = ui.login()
    path = f"/claims/{sid}/decision"
    no_token = ui.client.post(path, data={"outcome": "approved", "reason": "ok"})
    assert no_token.status_code == 403
    wrong = {"outcome": "approved", "reason": "ok", "csrf_token": token + "x"}
    assert ui.client.post(path, data=wrong).status_code == 403
    blank = ui.client.post(path, data={"outcome": "approved", "reason": " ", "csrf_token": token})
    assert blank.status_code == 422 and "a decision needs a reason" in blank.text
    other = {"outcome": "approved", "reason": "ok", "csrf_token": token}
    assert ui.client.post(f"/claims/{theirs}/decision", data=other).status_code == 404
    ok = ui.client.post(
        path, data={"outcome": "approved", "reason": "total is legible", "csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    assert ok.status_code == 303 and ok.headers["location"] == f"/claims/{sid}"
    page = ui.client.get(f"/claims/{sid}").text
    assert re.search(r'id="claim-outcome">approved<', page)
    assert re.search(r'id="claim-reward">2.00<', page)
    assert "decided by rev@x.org" in page and "total is legible" in page
    assert 'data-actor="person"' in page  # the audit trail has the decision
    again = {"outcome": "approved", "reason": "twice", "csrf_token": token}
    assert ui.client.post(path, data=again).status_code == 409
    api = ui.client.get(
        f"/v1/campaigns/milo-april/submissions/{sid}",
        headers={"Authorization": f"Bearer {ui.key_a}"},
    ).json()
    assert api["decided_by"] == "rev@x.org" and api["reward"] == "2.00"
