"""A type you defined keeps learning and is watched on its own: retraining, drift figures."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import select

from paperclerk.learning.loader import service_drift_references
from paperclerk.learning.user_types import UserTypes
from paperclerk.review import Correction, Reviewer, approve
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.tables import User
from paperclerk.worker.type_retraining import (
    TypeRetrainConfig,
    load_states,
    retrain_types_if_due,
)
from tests.service.test_user_types import DEFINITION, drain, headers, note_pdf, submit
from tests.service.ui_client import Ui

NAME = "delivery_note"


def reviewed_notes(ui: Ui, seeds: Sequence[int]) -> list[tuple[str, dict[str, str]]]:
    """Submit delivery notes of the type and read them (no model yet: nothing extracted)."""
    notes = []
    for seed in seeds:
        data, values = note_pdf(seed)
        notes.append((submit(ui, data, NAME), values))
    drain(ui)
    return notes


def approve_all(ui: Ui, notes: list[tuple[str, dict[str, str]]]) -> None:
    factory = make_session_factory(make_engine(ui.url))
    with factory() as s:
        user = s.scalars(select(User).where(User.email == "rev@x.org")).one()
        who = Reviewer(user.id, user.email, (ui.ws_a,))
    for doc_id, values in notes:
        with factory.begin() as s:
            approve(s, who, doc_id, Correction(fields=values), data_dir=ui.data_dir)


def test_the_fourth_confirmation_retrains_the_type_and_its_model_goes_live(
    ui: Ui, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAPERCLERK_DATABASE_URL", ui.url)  # the child process's database
    assert ui.client.put(f"/v1/types/{NAME}", json=DEFINITION, headers=headers(ui)).is_success
    notes = reviewed_notes(ui, (21, 22, 23, 25))
    factory = make_session_factory(make_engine(ui.url))
    config = TypeRetrainConfig(ui.data_dir, every=4)

    approve_all(ui, notes[:3])
    assert retrain_types_if_due(config, factory) == {}  # three confirmations: not yet
    approve_all(ui, notes[3:])
    state = retrain_types_if_due(config, factory)[NAME]

    assert state.error is None, state.error
    assert state.runs == 1 and state.reviewed == 4 and state.promoted is True
    assert UserTypes(ui.data_dir / "models").live_id(NAME) == state.last_model
    assert load_states(ui.data_dir)[NAME].last_example_id == state.last_example_id > 0
    assert retrain_types_if_due(config, factory) == {}  # nothing new since

    data, values = note_pdf(24)
    doc_id = submit(ui, data, NAME)
    drain(ui, references=service_drift_references(ui.data_dir))
    got = ui.client.get(f"/v1/documents/{doc_id}", headers=headers(ui)).json()["result"]
    assert got["fields"]["order_number"]["value"] == values["order_number"]
    # the drift monitor compares the type's documents with what its live model trained on
    drift = ui.client.get("/v1/drift", headers=headers(ui)).json()
    mine = {t["doc_type"]: t for t in drift["types"]}[f"custom:{NAME}"]
    assert mine["has_reference"] is True and mine["model_id"] == state.last_model
    confidence = {f["signal"]: f for f in mine["figures"]}["field_confidence.order_number"]
    assert confidence["documents"] == 1 and confidence["breached"] is False


def test_a_failed_retraining_is_recorded_and_waits_for_more_confirmations(ui: Ui) -> None:
    def failing(config: TypeRetrainConfig, name: str, ws: Sequence[str], out: Path) -> list[str]:
        return [sys.executable, "-c", "import sys; sys.exit('no room left on the disk')"]

    assert ui.client.put(f"/v1/types/{NAME}", json=DEFINITION, headers=headers(ui)).is_success
    approve_all(ui, reviewed_notes(ui, (31, 32)))
    factory = make_session_factory(make_engine(ui.url))
    config = TypeRetrainConfig(ui.data_dir, every=2, command=failing)

    state = retrain_types_if_due(config, factory)[NAME]

    assert state.error == "no room left on the disk" and state.runs == 1
    assert state.last_model is None and UserTypes(ui.data_dir / "models").live_id(NAME) is None
    assert retrain_types_if_due(config, factory) == {}  # not again at once, every minute


def test_the_drift_monitor_counts_each_type_you_defined_on_its_own(ui: Ui) -> None:
    assert ui.client.put(f"/v1/types/{NAME}", json=DEFINITION, headers=headers(ui)).is_success
    reviewed_notes(ui, (41, 42))
    drift = ui.client.get("/v1/drift", headers=headers(ui))
    assert drift.status_code == 200, drift.text
    by_type = {t["doc_type"]: t for t in drift.json()["types"]}
    assert "custom" not in by_type
    mine = by_type[f"custom:{NAME}"]
    assert [d["documents"] for d in mine["automation_by_day"]] == [2]
    assert mine["has_reference"] is False
