"""Issue 17: processing an identity document logs none of its holder's personal data."""

from __future__ import annotations

import logging
import random
from pathlib import Path

import cv2
import pytest

from paperclerk.datasets.synthetic_identity import random_fields, render_identity
from paperclerk.engines.registry import get_engine
from paperclerk.model import Document
from paperclerk.parsers.mrz_formats import MrzFormat
from paperclerk.queue.lease import claim
from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.migrate import upgrade
from paperclerk.storage.tables import DocumentRow
from paperclerk.storage.workspaces import create_workspace
from paperclerk.worker import tasks
from tests.service.helpers import submit


def test_processing_an_identity_document_logs_no_personal_value(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder = random_fields(random.Random(17))
    image, _ = render_identity(holder, MrzFormat.TD3)
    ok, jpeg = cv2.imencode(".jpg", image)
    assert ok
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    blobs = BlobStore(tmp_path / "blobs")
    with factory.begin() as session:
        workspace_id = create_workspace(session, "acme").id
    secrets = (holder.fields.surname, holder.fields.given_names, holder.fields.document_number)
    caplog.set_level(logging.DEBUG)

    # read well: the result holds the holder's data, no log line does
    doc, _ = submit(factory, workspace_id, sha256=blobs.put(bytes(jpeg)))
    job = claim(factory, "w1")
    assert job is not None and tasks.run_job(factory, blobs, job, get_engine("rapid", 1))
    with factory() as session:
        row = session.get(DocumentRow, doc.id)
        assert row is not None and row.result is not None
        read = Document.model_validate(row.result)
    assert read.value("surname") == holder.fields.surname
    assert read.fields["surname"].personal and read.fields["document_number"].personal

    # fail unexpectedly, with the holder's name in the message: kept with the job, not logged
    def fails(*args: object, **kwargs: object) -> Document:
        raise ValueError(f"cannot read {' '.join(secrets)}")

    monkeypatch.setattr(tasks, "process_ingested", fails)
    failed, _ = submit(factory, workspace_id, sha256=blobs.put(bytes(jpeg) + b"\0"))
    job = claim(factory, "w1")
    assert job is not None and not tasks.run_job(factory, blobs, job)
    assert f"document {failed.id} failed unexpectedly: ValueError" in caplog.text
    assert "test_personal_logs.py" in caplog.text  # where it happened is still logged
    assert caplog.records, "the run logged nothing at all"
    for secret in secrets:
        assert secret not in caplog.text, secret
    assert holder.birth.strftime("%y%m%d") not in caplog.text
