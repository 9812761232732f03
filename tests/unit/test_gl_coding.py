"""GL account / cost centre suggestions from confirmed history (`payables.coding`)."""

from __future__ import annotations

import pytest

from paperclerk.payables.coding import (
    CALIBRATION,
    CodedLine,
    calibrated,
    normalise_text,
    rank_line,
    suggest_line,
    supplier_keys,
)
from paperclerk.payables.matching import InvoiceParty, SupplierMatch

A, B = "vat:DE111", "vat:DE222"


def line(key: str, text: str, account: str, centre: str | None = None) -> CodedLine:
    return CodedLine(key, normalise_text(text), account, centre)


HISTORY = [
    line(A, "Copy paper A4 80g, 500 sheets", "4930", "CC-10"),
    line(A, "Copy paper A4 80g, 500 sheets", "4930", "CC-10"),
    line(A, "Toner cartridge black HP 305A", "4940", "CC-10"),
    line(B, "Copy paper A4 80g, 500 sheets", "4200", "CC-20"),
    line(B, "Cleaning service office March", "4250", "CC-20"),
]


def test_same_supplier_and_similar_text_wins() -> None:
    # the same text written another way: the supplier's own confirmations decide alone
    s = suggest_line(HISTORY, [A], "COPY PAPER A4 80 g - 500 sheets")
    assert s is not None
    assert s.gl_account.value == "4930" and s.gl_account.confidence >= 0.95
    assert s.gl_account.alternatives == []
    assert s.evidence.supplier_specific and s.evidence.similar_lines == 2
    assert s.evidence.best_match == "copy paper a4 80g 500 sheets"
    assert s.evidence.best_similarity == 1.0
    # a similar text: every similar line votes, the supplier's own weigh most
    f = suggest_line(HISTORY, [A], "Copy paper A4 80g 500 sheets, white")
    assert f is not None and f.gl_account.value == "4930"
    assert [a.value for a in f.gl_account.alternatives] == ["4200"]
    assert f.gl_account.alternatives[0].confidence < f.gl_account.confidence
    assert f.gl_account.confidence < s.gl_account.confidence
    assert f.evidence.similar_lines == 3 and f.evidence.best_similarity < 1.0


def test_the_other_supplier_history_decides_for_the_other_supplier() -> None:
    s = suggest_line(HISTORY, [B], "Copy paper A4 80g, 500 sheets")
    assert s is not None and s.gl_account.value == "4200"


def test_workspace_history_is_a_weaker_fallback() -> None:
    own = suggest_line(HISTORY, [A], "Cleaning service office March")
    other = suggest_line(HISTORY, ["vat:DE333"], "Cleaning service office March")
    assert own is not None and other is not None
    assert other.gl_account.value == "4250" and not other.evidence.supplier_specific
    # A's own lines do not name 4250: it is still the workspace's answer for this text,
    # but only as sure as other suppliers' evidence allows
    same = suggest_line(HISTORY, [B], "Cleaning service office March")
    assert same is not None and same.evidence.supplier_specific
    assert other.gl_account.confidence < same.gl_account.confidence


def test_unseen_text_gets_no_or_a_low_confidence_suggestion() -> None:
    # nothing like it anywhere: a supplier without history gets nothing ...
    assert suggest_line(HISTORY, ["vat:DE333"], "Legal advice, retainer Q3") is None
    # ... a known supplier its usual account, flagged as a guess
    new = suggest_line(HISTORY, [A], "Legal advice, retainer Q3")
    assert new is not None and new.gl_account.value == "4930"  # A's most frequent
    assert new.gl_account.confidence < 0.5
    assert new.evidence.best_similarity < 0.6 and new.evidence.supplier_specific
    loose = suggest_line(HISTORY, [A], "Copy paper A3 color")  # a loose match votes, unsure
    assert loose is not None and loose.gl_account.value == "4930"
    assert new.gl_account.confidence <= loose.gl_account.confidence < 0.6
    assert loose.evidence.best_similarity < 0.8
    assert suggest_line(HISTORY, [A], "") is None
    assert suggest_line([], [A], "Copy paper") is None


def test_cost_centre_is_suggested_from_the_same_votes() -> None:
    s = suggest_line(HISTORY, [A], "Toner cartridge black HP 305A")
    assert s is not None and s.cost_centre is not None
    assert s.gl_account.value == "4940" and s.cost_centre.value == "CC-10"
    without = [CodedLine(h.supplier_key, h.text, h.gl_account, None) for h in HISTORY]
    t = suggest_line(without, [A], "Toner cartridge black HP 305A")
    assert t is not None and t.cost_centre is None


def test_at_most_three_alternatives_best_first() -> None:
    history = [line(A, "Office supplies assorted", f"49{i:02d}") for i in range(6)]
    history += [line(A, "Office supplies assorted", "4900")] * 3
    s = suggest_line(history, [A], "office supplies, assorted")
    assert s is not None
    assert s.gl_account.value == "4900"
    assert len(s.gl_account.alternatives) == 3
    scores = [a.confidence for a in s.gl_account.alternatives]
    assert scores == sorted(scores, reverse=True)
    assert s.gl_account.value not in {a.value for a in s.gl_account.alternatives}


def test_an_item_coded_before_is_not_outvoted_by_its_siblings() -> None:
    history = [line(A, f"Service fee {x}", "4900") for x in "ABCD"]
    history.append(line(A, "Service fee E", "4806"))
    s = suggest_line(history, [A], "Service fee E")
    assert s is not None and s.gl_account.value == "4806"
    assert s.evidence.similar_lines == 1
    sibling = suggest_line(history, [A], "Service fee F")  # new: the siblings vote
    assert sibling is not None and sibling.gl_account.value == "4900"
    assert sibling.gl_account.confidence < s.gl_account.confidence


def test_more_confirmations_make_a_suggestion_surer() -> None:
    one = rank_line([line(A, "Paper", "4930")], [A], "Paper")
    three = rank_line([line(A, "Paper", "4930")] * 3, [A], "Paper")
    split = rank_line([line(A, "Paper", "4930"), line(A, "Paper", "4940")], [A], "Paper")
    assert one is not None and three is not None and split is not None
    assert split.accounts[0][1] < one.accounts[0][1] < three.accounts[0][1]


def test_calibration_is_a_monotone_map_into_the_unit_interval() -> None:
    xs = [x for x, _ in CALIBRATION]
    ys = [y for _, y in CALIBRATION]
    assert xs == sorted(xs) and ys == sorted(ys)
    assert ys[0] >= 0.0 and ys[-1] < 1.0  # a memory is never sure
    for raw in (-1.0, 0.0, 0.33, 0.77, 1.0, 2.0):
        assert 0.0 <= calibrated(raw) <= 1.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Copy-Paper  A4/80g ", "copy paper a4 80g"),
        ("Büro_Material", "büro material"),
        ("ＡＢＣ", "abc"),
        ("Coffee beans, 1 kg", "coffee beans 1kg"),
        (None, ""),
    ],
)
def test_normalise_text(text: str | None, expected: str) -> None:
    assert normalise_text(text) == expected


def test_supplier_keys_best_first() -> None:
    party = InvoiceParty(tax_id="DE111", iban=None, name="Paper GmbH & Co. KG", address=None)
    match = SupplierMatch(
        supplier_id="s1", supplier_number="70001", name="Paper", method="vat_id", score=100
    )
    assert supplier_keys(match, party) == ["supplier:s1", "vat:DE111", "name:paper gmbh co kg"]
    assert supplier_keys(None, InvoiceParty(None, None, None, None)) == []
