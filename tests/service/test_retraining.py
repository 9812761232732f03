"""Background retraining: due after N new confirmations, runs the trainer, records the end."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from paperclerk.storage.tables import TrainingExampleRow
from paperclerk.worker.retraining import (
    EXPORT_FILE,
    RetrainConfig,
    RetrainState,
    retrain_if_due,
    train_command,
)
from tests.service.helpers import submit

# Stands in for `paperclerk train receipts`: checks it got the exported examples, writes a card.
FAKE_TRAINER = """
import json, sys
args = sys.argv[1:]
examples = open(args[args.index("--corrections") + 1]).read().splitlines()
assert all(json.loads(line)["fields"]["total"] for line in examples)
if len(examples) > int(args[0]):
    sys.exit("trainer refused: too many examples")
open(args[args.index("--json") + 1], "w").write(json.dumps({"id": f"m{len(examples)}"}))
"""


def _config(tmp_path: Path, every: int, fail_above: int = 99) -> RetrainConfig:
    script = tmp_path / "trainer.py"
    script.write_text(FAKE_TRAINER)

    def command(config: RetrainConfig, corrections: Path, card: Path) -> list[str]:
        return [sys.executable, str(script), str(fail_above), "--corrections", str(corrections),
                "--json", str(card)]  # fmt: skip

    return RetrainConfig(tmp_path / "data", tmp_path / "sroie", every=every, command=command)


def _confirm(factory: sessionmaker[Session], workspace_id: str, n: int, doc_type: str) -> None:
    for i in range(n):
        doc, _ = submit(factory, workspace_id)
        with factory.begin() as session:
            example = {"id": f"review/{doc.id}", "doc_type": doc_type, "pages": [],
                       "fields": {"total": f"{i + 1}.00"}, "source": "review"}  # fmt: skip
            session.add(TrainingExampleRow(document_id=doc.id, workspace_id=workspace_id,
                                           doc_type=doc_type, example=example))  # fmt: skip


def test_retraining_waits_for_n_new_receipts_then_trains_on_all(
    factory: sessionmaker[Session], workspace_id: str, tmp_path: Path
) -> None:
    config = _config(tmp_path, every=3)
    _confirm(factory, workspace_id, 2, "receipt")
    _confirm(factory, workspace_id, 2, "invoice")  # not receipts: do not count
    assert retrain_if_due(config, factory) is None
    _confirm(factory, workspace_id, 1, "receipt")
    state = retrain_if_due(config, factory)
    assert state is not None and state.error is None
    assert state.runs == 1 and state.last_model == "m3" and state.promoted is False
    exported = (config.data_dir / EXPORT_FILE).read_text().splitlines()
    assert len(exported) == 3
    assert RetrainState.load(config.data_dir) == state
    assert retrain_if_due(config, factory) is None  # nothing new since
    _confirm(factory, workspace_id, 3, "receipt")
    again = retrain_if_due(config, factory)
    assert again is not None and again.runs == 2 and again.last_model == "m6"


def test_a_failed_retraining_is_recorded_and_tried_again(
    factory: sessionmaker[Session], workspace_id: str, tmp_path: Path
) -> None:
    config = _config(tmp_path, every=1, fail_above=0)
    _confirm(factory, workspace_id, 1, "receipt")
    state = retrain_if_due(config, factory)
    assert state is not None and state.error == "trainer refused: too many examples"
    assert state.last_example_id == 0  # the examples still count for the next attempt
    assert retrain_if_due(config, factory) is not None


def test_the_real_command_trains_receipts_into_the_data_folders_registry(tmp_path: Path) -> None:
    config = RetrainConfig(tmp_path / "data", tmp_path / "sroie")
    command = train_command(config, tmp_path / "c.jsonl", tmp_path / "card.json")
    assert command[1:5] == ["-m", "paperclerk", "train", "receipts"]
    assert command[command.index("--registry") + 1] == str(tmp_path / "data" / "models")
    assert json.dumps(command)  # plain strings only
