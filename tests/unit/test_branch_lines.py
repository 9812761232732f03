"""The memory's address keeps a chain's branch line and another branch's own words."""

from __future__ import annotations

from paperclerk.datasets.dataset import TrainingExample
from paperclerk.learning.branch_lines import branched, merge_read
from paperclerk.learning.memory import CounterpartyMemory
from paperclerk.model import DocType
from tests.conftest import page_from_lines

HEAD_OFFICE = "LOT 12, JALAN MERANTI 3, TAMAN SERI MUDA, 41150 KLANG, SELANGOR DARUL EHSAN"
NAME = "GREEN GROCER S/B"


def test_a_branch_line_read_after_the_remembered_address_is_kept() -> None:
    read = HEAD_OFFICE.replace("MERANTI", "MERANT1") + " 0917-TMN SERI"
    assert merge_read(HEAD_OFFICE, read, keep_ends=True) == HEAD_OFFICE + " 0917-TMN SERI"
    assert merge_read(HEAD_OFFICE, read, keep_ends=False) == HEAD_OFFICE


def test_words_read_before_the_remembered_address_are_kept_for_a_chain() -> None:
    read = "BRANCH 7 " + HEAD_OFFICE
    assert merge_read(HEAD_OFFICE, read, keep_ends=True) == "BRANCH 7 " + HEAD_OFFICE


def test_another_branchs_line_is_not_put_in_place_of_the_one_read() -> None:
    remembered = HEAD_OFFICE + " 0917-TMN SERI"
    read = HEAD_OFFICE + " 1605-TMN BARU"
    assert merge_read(remembered, read, keep_ends=True) is None


def test_misread_letters_take_the_remembered_spelling() -> None:
    read = HEAD_OFFICE.replace("MERANTI", "MERANT1").replace("KLANG", "KIANG")
    assert merge_read(HEAD_OFFICE, read, keep_ends=True) == HEAD_OFFICE


def test_a_reading_of_another_line_takes_the_whole_remembered_address() -> None:
    assert merge_read(HEAD_OFFICE, "TEL 03-5512 8890", keep_ends=True) == HEAD_OFFICE
    assert merge_read(HEAD_OFFICE, None, keep_ends=True) == HEAD_OFFICE


def test_a_chain_is_told_by_addresses_ending_in_different_words() -> None:
    assert branched([HEAD_OFFICE + " 0917-TMN SERI", HEAD_OFFICE + " 1605-TMN BARU"])
    assert not branched([HEAD_OFFICE, HEAD_OFFICE.replace(",", "")])


def confirmed(address: str, n: int) -> TrainingExample:
    lines = [(60, 20, NAME), (40, 50, address), (40, 120, "TOTAL 4.20")]
    return TrainingExample(
        id=f"review/{n}",
        doc_type=DocType.RECEIPT,
        pages=[page_from_lines(lines)],
        fields={"merchant_name": NAME, "merchant_address": address, "total": "4.20"},
        source="review",
    )


def test_the_memory_keeps_the_branch_printed_on_a_receipt_of_a_new_branch() -> None:
    memory = CounterpartyMemory()
    memory.learn(confirmed(HEAD_OFFICE + " 0917-TMN SERI", 1))
    memory.learn(confirmed(HEAD_OFFICE + " 0388-JLN IPOH", 2))
    printed = HEAD_OFFICE + " 1605-TMN BARU"
    lines = [(60, 20, NAME), (40, 50, printed), (40, 120, "TOTAL 9.00")]
    pages = [page_from_lines(lines)]
    unread = memory.match(pages, {"name": NAME})
    assert unread is not None and unread.address is not None  # the chain is recognised
    found = memory.match(pages, {"name": NAME, "address": printed})
    assert found is not None and found.address is None  # what was read stays
