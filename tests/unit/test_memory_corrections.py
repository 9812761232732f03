"""A reviewer's correction beats earlier confirmations in the counterparty memory."""

from __future__ import annotations

import json
from pathlib import Path

from paperclerk.datasets.dataset import TrainingExample
from paperclerk.learning.memory import CounterpartyMemory
from paperclerk.learning.reviewed_memory import ReviewedMemory
from paperclerk.model import DocType
from tests.conftest import page_from_lines

NAME = "MARLOW BAKERY"
OLD, NEW = "7 MARKET LANE", "7 MARKET LANE, LEEDS LS1 6DT"
PRINTED = [(60, 20, NAME), (40, 50, OLD), (40, 120, "TOTAL 4.20")]


def confirmed(
    address: str, corrected: dict[str, str | None] | None = None, name: str = NAME, n: int = 0
) -> TrainingExample:
    return TrainingExample(
        id=f"review/{n}",
        doc_type=DocType.RECEIPT,
        pages=[page_from_lines(PRINTED)],
        fields={"merchant_name": name, "merchant_address": address, "total": "4.20"},
        source="review",
        corrected=corrected or {},
    )


def address_on_next(memory: CounterpartyMemory) -> str | None:
    found = memory.match([page_from_lines(PRINTED)], {"name": NAME, "address": OLD})
    assert found is not None
    return found.address


def test_a_correction_beats_the_majority_of_earlier_confirmations() -> None:
    memory = CounterpartyMemory()
    memory.learn(confirmed(OLD, n=1))
    memory.learn(confirmed(OLD, n=2))
    assert address_on_next(memory) == OLD
    memory.learn(confirmed(NEW, {"merchant_address": OLD}, n=3))
    entry = memory.entries[0]
    assert entry.addresses == {OLD: 2, NEW: 1}  # the counts go on as before
    assert entry.corrected == {"address": NEW}
    assert address_on_next(memory) == NEW  # though the old spelling is printed and read
    assert entry.choice("address") == NEW


def test_confirmations_alone_keep_counting_and_a_later_correction_wins_again() -> None:
    memory = CounterpartyMemory()
    memory.learn(confirmed(OLD, n=1))
    memory.learn(confirmed(NEW, n=2))  # confirmed, not corrected: no preference
    memory.learn(confirmed(OLD, n=3))
    assert memory.entries[0].corrected == {}
    assert address_on_next(memory) == OLD  # nearest to what was read, as before
    memory.learn(confirmed(NEW, {"merchant_address": OLD}, n=4))
    assert address_on_next(memory) == NEW
    memory.learn(confirmed(OLD, {"merchant_address": NEW}, n=5))
    assert address_on_next(memory) == OLD
    memory.learn(confirmed(OLD, n=6))  # a confirmation of the chosen one changes nothing
    assert memory.entries[0].corrected == {"address": OLD}


def test_another_branchs_address_is_not_replaced_by_a_correction() -> None:
    memory = CounterpartyMemory()
    other = "UNIT 4, CANAL WHARF, BRADFORD BD1 2AA"
    memory.learn(confirmed(OLD, n=1))
    memory.learn(confirmed(NEW, {"merchant_address": OLD}, n=2))
    memory.learn(confirmed(other, n=3))
    lines = [(60, 20, NAME), (40, 50, other), (40, 120, "TOTAL 9.00")]
    found = memory.match([page_from_lines(lines)], {"name": NAME, "address": other})
    assert found is not None and found.address == other


def test_a_corrected_name_joins_its_counterparty_and_is_chosen() -> None:
    memory = CounterpartyMemory()
    memory.learn(confirmed(OLD, n=1))
    memory.learn(confirmed(OLD, n=2))
    memory.learn(confirmed(OLD, {"merchant_name": NAME}, name="MARLOW BAKERY LTD", n=3))
    assert len(memory.entries) == 1  # not a rival entry that the printed name would beat
    found = memory.match([page_from_lines(PRINTED)], {"name": NAME})
    assert found is not None and found.name == "MARLOW BAKERY LTD"
    # a name corrected into a different counterparty's is not merged into the old entry
    memory.learn(confirmed(OLD, {"merchant_name": NAME}, name="CORNER SHOP", n=4))
    assert len(memory.entries) == 2


def test_old_memory_files_load_and_save_the_correction(tmp_path: Path) -> None:
    path = tmp_path / "memory.json"
    old = {
        "min_name": 90.0,
        "min_address": 90.0,
        "entries": [{"names": {NAME: 2}, "addresses": {OLD: 2}, "tax_ids": [], "ibans": [],
                     "phones": [], "confirmed": 2}],
    }  # fmt: skip
    path.write_text(json.dumps(old))
    memory = CounterpartyMemory.load(path)
    assert memory.entries[0].corrected == {}
    memory.learn(confirmed(NEW, {"merchant_address": OLD}))
    memory.save(path)
    assert CounterpartyMemory.load(path).entries[0].corrected == {"address": NEW}


def test_removing_a_spelling_goes_through_the_file_lock(tmp_path: Path) -> None:
    reviewed = ReviewedMemory(tmp_path)
    reviewed.remember(confirmed(OLD, n=1))
    reviewed.remember(confirmed(NEW, {"merchant_address": OLD}, n=2))
    assert not reviewed.remove(0, "addresses", "NOT LEARNT")
    assert not reviewed.remove(7, "addresses", NEW)
    assert reviewed.remove(0, "addresses", NEW)
    entry = CounterpartyMemory.load(reviewed.path).entries[0]
    assert entry.addresses == {OLD: 1} and entry.corrected == {}
    assert reviewed.remove(0, "names", NAME)  # the last name: the counterparty is forgotten
    memory = CounterpartyMemory.load(reviewed.path)
    assert len(memory.entries) == 1 and memory.entries[0].empty  # its place is kept
    assert memory.match([page_from_lines(PRINTED)]) is None
    assert not list((tmp_path / "learning").glob(".*.tmp"))
