"""Document rows: idempotent create, workspace scoping, filters, cursor pagination, delete."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.queue import claim, finish_document
from paperclerk.storage.columns import DocumentStatus
from paperclerk.storage.errors import ConflictError, InvalidCursorError, InvalidRequestError
from paperclerk.storage.repositories import (
    blob_in_use,
    create_document,
    create_workspace,
    delete_document,
    encode_cursor,
    get_document,
    list_documents,
)
from paperclerk.storage.tables import DocumentRow, Job, Webhook, WebhookDelivery
from tests.service.helpers import submit

SHA_A = "a" * 64
SHA_B = "b" * 64


def test_idempotency_key_returns_the_first_document(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    with factory.begin() as s:
        first, created = create_document(
            s, workspace_id, sha256=SHA_A, size_bytes=3, idempotency_key="k1", metadata={"a": 1}
        )
        assert created
    with factory.begin() as s:
        again, created = create_document(
            s, workspace_id, sha256=SHA_A, size_bytes=3, idempotency_key="k1"
        )
        assert not created and again.id == first.id
        assert again.meta == {"a": 1}
        with pytest.raises(ConflictError):
            create_document(s, workspace_id, sha256=SHA_B, size_bytes=3, idempotency_key="k1")
    with factory.begin() as s:
        other = create_workspace(s, "other").id
        theirs, created = create_document(
            s, other, sha256=SHA_B, size_bytes=3, idempotency_key="k1"
        )
        assert created and theirs.id != first.id


def test_racing_uploads_with_one_idempotency_key_get_one_document(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    holder = factory()
    holder.begin()
    try:
        first, created = create_document(
            holder, workspace_id, sha256=SHA_A, size_bytes=1, idempotency_key="race"
        )
    except BaseException:
        holder.close()
        raise
    assert created
    seen: list[tuple[str, bool]] = []

    def second_request() -> None:
        with factory.begin() as s:
            row, made = create_document(
                s, workspace_id, sha256=SHA_A, size_bytes=1, idempotency_key="race"
            )
            seen.append((row.id, made))

    racer = threading.Thread(target=second_request)
    try:
        racer.start()
        time.sleep(0.3)  # the second insert now waits on the first one's uncommitted row
        holder.commit()
    finally:
        holder.close()
        racer.join(timeout=30)
    assert seen == [(first.id, False)]
    with factory() as s:
        rows = s.scalars(select(DocumentRow).where(DocumentRow.idempotency_key == "race")).all()
        assert len(rows) == 1


def test_documents_are_scoped_to_their_workspace(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    doc, _ = submit(factory, workspace_id)
    with factory.begin() as s:
        other = create_workspace(s, "intruder").id
    with factory.begin() as s:
        assert get_document(s, other, doc.id) is None
        assert list_documents(s, other).items == []
        assert delete_document(s, other, doc.id) is None
    with factory() as s:
        found = get_document(s, workspace_id, doc.id)
        assert found is not None and found.status is DocumentStatus.QUEUED


def test_cursor_pagination_walks_every_document_once(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    ids = [submit(factory, workspace_id)[0].id for _ in range(23)]
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with factory.begin() as s:
        # Seven documents share one timestamp: the id breaks the tie.
        for n, doc_id in enumerate(ids):
            stamp = base + dt.timedelta(seconds=n // 7 if n < 7 else n)
            s.execute(update(DocumentRow).where(DocumentRow.id == doc_id).values(created_at=stamp))
    seen: list[str] = []
    cursor = None
    pages = 0
    with factory() as s:
        while True:
            page = list_documents(s, workspace_id, limit=5, cursor=cursor)
            pages += 1
            seen.extend(d.id for d in page.items)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        rows = s.scalars(select(DocumentRow).where(DocumentRow.workspace_id == workspace_id))
        expected = sorted(rows, key=lambda d: (d.created_at, d.id), reverse=True)
    assert pages == 5
    assert seen == [d.id for d in expected]
    assert sorted(seen) == sorted(ids)


def test_a_document_added_while_paging_does_not_shift_pages(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    for _ in range(4):
        submit(factory, workspace_id)
    with factory() as s:
        first = list_documents(s, workspace_id, limit=2)
    submit(factory, workspace_id)  # newer than everything: must not appear on page 2
    with factory() as s:
        second = list_documents(s, workspace_id, limit=2, cursor=first.next_cursor)
    assert not {d.id for d in first.items} & {d.id for d in second.items}
    assert second.next_cursor is None


def test_filters_and_bad_queries(factory: sessionmaker[Session], workspace_id: str) -> None:
    submit(factory, workspace_id)
    submit(factory, workspace_id)
    job = claim(factory, "w1")
    assert job is not None
    with factory.begin() as s:
        finish_document(s, job.document_id, {"doc_type": "receipt"}, job.id)
    with factory() as s:
        assert [d.id for d in list_documents(s, workspace_id, status="done").items] == [
            job.document_id
        ]
        assert len(list_documents(s, workspace_id, status=DocumentStatus.QUEUED).items) == 1
        assert [d.id for d in list_documents(s, workspace_id, doc_type="receipt").items] == [
            job.document_id
        ]
        assert list_documents(s, workspace_id, doc_type="invoice").items == []
        with pytest.raises(InvalidRequestError):
            list_documents(s, workspace_id, status="sleeping")
        with pytest.raises(InvalidRequestError):
            list_documents(s, workspace_id, limit=0)
        for bad in ("nonsense", "e30", encode_cursor(dt.datetime.now(dt.UTC), "x")[:-3] + "!!!"):
            with pytest.raises(InvalidCursorError):
                list_documents(s, workspace_id, cursor=bad)


def test_delete_removes_jobs_and_deliveries_and_reports_blob_use(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    doc, _ = submit(factory, workspace_id, sha256=SHA_A)
    twin, _ = submit(factory, workspace_id, sha256=SHA_A)
    with factory.begin() as s:
        hook = Webhook(workspace_id=workspace_id, url="http://127.0.0.1/h", secret="s")
        s.add(hook)
        s.flush()
        s.add(WebhookDelivery(webhook_id=hook.id, document_id=doc.id, event="completed"))
    with factory.begin() as s:
        assert delete_document(s, workspace_id, doc.id) == SHA_A
    with factory() as s:
        assert get_document(s, workspace_id, doc.id) is None
        assert s.scalar(select(func.count()).select_from(Job).where(Job.document_id == doc.id)) == 0
        assert s.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
        assert blob_in_use(s, SHA_A)  # the twin still needs the bytes
    with factory.begin() as s:
        assert delete_document(s, workspace_id, twin.id) == SHA_A
    with factory() as s:
        assert not blob_in_use(s, SHA_A)
