"""Training is deterministic, corrections teach the memory, a worse model is not promoted."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from paperclerk.datasets.dataset import Dataset, TrainingExample
from paperclerk.learning.calibration import Automation, choose_threshold, reliability_table
from paperclerk.learning.memory import CounterpartyMemory
from paperclerk.learning.receipt_extractor import TrainedReceiptExtractor
from paperclerk.learning.receipt_model import ReceiptModel, train_receipt_model
from paperclerk.learning.registry import ModelCard, Registry
from paperclerk.model import DocType, FieldSource
from tests.conftest import page_from_lines

SHOPS = [
    ("KEDAI RUNCIT AMAN SDN BHD", "NO 12, JALAN MAWAR 3, TAMAN MELATI, 53100 KUALA LUMPUR"),
    ("SUPERSAVE MART", "LOT 5, JALAN BESAR, 81200 JOHOR BAHRU, JOHOR"),
    ("CAFE LATTE HOUSE", "22 HIGH STREET, 10115 BERLIN"),
    ("BOOKS & MORE TRADING", "88 RUE DE LA PAIX, 75002 PARIS"),
]


def receipt(rng: random.Random, shop: int, n: int) -> TrainingExample:
    """A synthetic receipt: name, two address lines, items, total, cash, change."""
    name, address = SHOPS[shop]
    head, tail = address.split(", ", 1)
    day = dt.date(2018, 1, 1) + dt.timedelta(days=rng.randrange(600))
    prices = [rng.randrange(100, 5000) / 100 for _ in range(rng.randrange(2, 5))]
    total = round(sum(prices), 2)
    cash = float(int(total) + 10)
    lines = [(60, 20, name), (40, 50, head + ","), (40, 75, tail), (40, 100, "TEL: 03-1234 5678")]
    lines.append((40, 140, f"DATE: {day.strftime('%d/%m/%Y')}  TIME: 10:2{n % 10}"))
    y = 180
    for i, p in enumerate(prices):
        lines.append((40, y, f"ITEM {i + 1} X{rng.randrange(1, 3)}  {p:.2f}"))
        y += 25
    lines += [
        (40, y + 10, f"TOTAL  {total:.2f}"),
        (40, y + 35, f"CASH  {cash:.2f}"),
        (40, y + 60, f"CHANGE  {cash - total:.2f}"),
        (40, y + 100, "THANK YOU"),
    ]
    return TrainingExample(
        id=f"synthetic/{shop}-{n}",
        doc_type=DocType.RECEIPT,
        pages=[page_from_lines(lines)],
        fields={
            "merchant_name": name,
            "merchant_address": address,
            "transaction_date": day.isoformat(),
            "total": f"{total:.2f}",
        },
        source="test",
    )


def dataset(seed: int, count: int) -> Dataset:
    rng = random.Random(seed)
    return Dataset(receipt(rng, n % len(SHOPS), n) for n in range(count))


def test_training_is_deterministic_and_learns_the_fields() -> None:
    data = dataset(1, 24)
    first, _, _ = train_receipt_model(data)
    second, _, _ = train_receipt_model(data)
    assert first.to_json() == second.to_json()
    held_out = receipt(random.Random(99), 2, 99)
    fields = TrainedReceiptExtractor(first).extract(held_out.pages).fields
    assert str(fields["total"].value) == held_out.fields["total"]
    assert fields["transaction_date"].value.isoformat() == held_out.fields["transaction_date"]
    assert fields["merchant_name"].source == FieldSource.MODEL
    assert 0.0 <= fields["total"].confidence <= 1.0


def test_model_round_trips_through_a_file(tmp_path: Path) -> None:
    model, _, _ = train_receipt_model(dataset(2, 16))
    model.save(tmp_path / "m.json.gz")
    loaded = ReceiptModel.load(tmp_path / "m.json.gz")
    page = receipt(random.Random(5), 1, 5).pages
    a = TrainedReceiptExtractor(model).extract(page).fields
    b = TrainedReceiptExtractor(loaded).extract(page).fields
    assert {k: v.value for k, v in a.items()} == {k: v.value for k, v in b.items()}


def test_a_correction_fixes_the_next_document_of_that_supplier(tmp_path: Path) -> None:
    from paperclerk.review.learning import remember

    name, address = "NEWCO HARDWARE SDN BHD", "NO 7, JALAN KILANG 2, 40000 SHAH ALAM"
    # OCR misreads the name and a comma on both documents.
    misread = [(60, 20, "NEWC0 HARDWARE SDN BHD"), (40, 50, "NO 7. JALAN KILANG 2,"),
               (40, 75, "40000 SHAH ALAM"), (40, 120, "TOTAL 12.00")]  # fmt: skip
    first = [page_from_lines(misread)]
    assert CounterpartyMemory().match(first) is None
    confirmed = TrainingExample(
        id="review/a", doc_type=DocType.RECEIPT, pages=first, source="review",
        fields={"merchant_name": name, "merchant_address": address, "total": "12.00"},
    )  # fmt: skip
    remember(tmp_path, confirmed)  # what an approval does (review.decisions.approve)
    second = [page_from_lines([*misread[:3], (40, 120, "TOTAL 30.50")])]
    reloaded = CounterpartyMemory.load(tmp_path / "learning" / "memory.json")  # persisted at once
    fields: dict = {}
    found = reloaded.apply(second, fields)
    assert found is not None
    assert fields["merchant_name"].value == name
    assert fields["merchant_address"].value == address
    assert fields["merchant_name"].source == FieldSource.MEMORY


def test_memory_does_not_claim_an_unknown_merchant() -> None:
    memory = CounterpartyMemory()
    for ex in dataset(3, 8):
        memory.learn(ex)
    stranger = [page_from_lines([(60, 20, "TOTALLY DIFFERENT BAKERY"), (40, 50, "1 MAIN ROAD")])]
    assert memory.match(stranger) is None


def _card(model_id: str) -> ModelCard:
    return ModelCard(
        id=model_id,
        kind="receipt-extractor",
        created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        training_data_hash="x",
        code_version="test",
    )


def test_a_worse_model_is_kept_but_not_promoted(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    assert registry.promote(_card("m1"), 0.90, None)
    assert registry.live_id("receipt-extractor") == "m1"
    assert not registry.promote(_card("m2"), 0.85, live_score=0.90)
    assert registry.live_id("receipt-extractor") == "m1"
    assert registry.card("m2").status == "rejected"
    assert registry.promote(_card("m3"), 0.90, live_score=0.90)  # as good is enough
    assert registry.live_id("receipt-extractor") == "m3"
    assert registry.card("m1").status == "retired"


def test_thresholds_and_automation() -> None:
    outcomes = [(0.99, True)] * 200 + [(0.97, False)] + [(0.9, True)] * 50 + [(0.5, False)] * 10
    t = choose_threshold(outcomes, 0.01)
    kept = [ok for c, ok in outcomes if c >= t]
    assert 1 - sum(kept) / len(kept) <= 0.01
    assert t <= 0.9
    rows = reliability_table(outcomes, (0.5, 0.95))
    assert rows[1].count == 201 and rows[0].count == len(outcomes)
    auto = Automation()
    assert auto.add({"total": (0.99, True)}, {"total": 0.95})
    assert not auto.add({"total": (0.9, False)}, {"total": 0.95})
    assert auto.rate == 0.5 and auto.field_error == 0.0


def test_thresholds_bound_the_error_of_approved_documents() -> None:
    from paperclerk.learning.calibration import choose_thresholds

    rng = random.Random(0)
    docs = []
    for _ in range(400):
        easy = rng.random()
        hard = rng.random()
        docs.append({"total": (easy, rng.random() < 0.5 + easy / 2),
                     "merchant_address": (hard, rng.random() < hard)})  # fmt: skip
    thresholds = choose_thresholds(docs, 0.01)
    auto = Automation()
    for d in docs:
        auto.add(d, thresholds)
    assert auto.field_error <= 0.01
    assert auto.rate > 0


def test_a_looser_error_bound_approves_more_and_is_measured_on_other_documents() -> None:
    from paperclerk.learning.receipt_training import automation_at, thresholds_by_error

    rng = random.Random(1)

    def docs(n: int) -> list[dict[str, tuple[float, bool]]]:
        out = []
        for _ in range(n):
            conf = rng.random()
            out.append({"total": (conf, rng.random() < 0.9 + conf / 10),
                        "merchant_name": (0.99, True),
                        "merchant_address": (0.5, rng.random() < 0.5)})  # fmt: skip
        return out

    by_error = thresholds_by_error(docs(600), gating=("merchant_name", "total"))
    assert list(by_error) == ["0.01", "0.02", "0.05"]
    measured = docs(600)
    rates = [automation_at(measured, by_error[k]).rate for k in by_error]
    assert rates[0] <= rates[1] <= rates[2] and rates[2] > 0
    assert automation_at(measured, by_error["0.05"]).field_error <= 0.05
    # address does not gate, but gets its own threshold (or none, when no level is safe)
    assert "merchant_address" not in by_error["0.01"]


def test_no_cut_keeps_the_error_within_bounds_means_no_threshold() -> None:
    assert choose_threshold([(0.9, False), (0.8, True)], 0.01) is None
    assert choose_threshold([(1.0, True), (0.9, False)], 0.01) == 1.0


def test_memory_recognises_a_supplier_by_its_iban_when_the_name_is_misread() -> None:
    memory = CounterpartyMemory()
    lines = [(60, 20, "NORDWIND OFFICE SUPPLIES GMBH"), (40, 50, "HAFENSTRASSE 12, 20457 HAMBURG"),
             (40, 400, "IBAN DE89 3704 0044 0532 0130 00")]  # fmt: skip
    memory.learn(
        TrainingExample(
            id="review/a",
            doc_type=DocType.INVOICE,
            pages=[page_from_lines(lines)],
            fields={
                "vendor_name": "Nordwind Office Supplies GmbH",
                "vendor_address": "Hafenstrasse 12, 20457 Hamburg",
            },
            source="review",
        )
    )
    assert memory.entries[0].ibans == ["DE89370400440532013000"]
    garbled = [(60, 20, "N0RDW1ND 0FF1CE SVPPL1ES"), lines[1], lines[2]]
    found = memory.match([page_from_lines(garbled)])
    assert found is not None and found.name == "Nordwind Office Supplies GmbH"
    stranger = [page_from_lines([garbled[0], (40, 400, "IBAN GB82 WEST 1234 5698 7654 32")])]
    assert memory.match(stranger) is None


def test_a_spelling_most_confirmations_agree_on_is_settled_and_trusted_more() -> None:
    from paperclerk.learning.memory import calibration_key, settled
    from paperclerk.learning.ranker import Calibration

    assert settled({"12, JALAN TAMPOI": 3}, "12, JALAN TAMPOI")
    assert not settled({"12, JALAN TAMPOI": 2}, "12, JALAN TAMPOI")  # too few
    assert not settled({"A": 3, "B": 4}, "A")  # most say otherwise
    assert calibration_key("address", True, True) == "address_agree_settled"
    memory = CounterpartyMemory(
        calibration={
            "address": Calibration([0.9, 1.0], [0.4, 0.5]),
            "address_agree_settled": Calibration([0.9, 1.0], [0.9, 0.99]),
        }
    )
    assert memory.confidence("address_agree_settled", 100) == 0.99
    assert memory.confidence("address_agree", 100) == 0.5  # falls back to the coarser curve


def test_a_model_trained_on_fewer_features_gets_its_own_columns() -> None:
    import pytest

    from paperclerk.learning.ranker import columns_for

    rows = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert columns_for(rows, ["a", "b", "c"], ["a", "b", "c"]) is rows
    assert columns_for(rows, ["a", "b", "c"], ["c", "a"]) == [[3.0, 1.0], [6.0, 4.0]]
    with pytest.raises(ValueError, match="retrain"):
        columns_for(rows, ["a", "b", "c"], ["a", "gone"])


def test_winners_with_confirming_evidence_are_calibrated_apart_and_saved() -> None:
    from paperclerk.learning.ranker import MIN_EVIDENCE, FieldRanker, Group

    rng = random.Random(3)
    groups = []
    for n in range(6 * MIN_EVIDENCE):
        confirmed = n % 2 == 0
        # two candidates; the right one usually scores higher; confirmed winners are always right
        right_first = confirmed or rng.random() < 0.7
        rows = [[1.0 if right_first else 0.0], [0.5]]
        labels = [1, 0] if right_first else [0, 1]
        groups.append(Group(rows, labels, key=f"doc{n}", evidence=[confirmed, False]))
    ranker = FieldRanker(["strength"])
    held = ranker.fit(groups)
    assert any(h.evidence for h in held) and not all(h.evidence for h in held)
    assert ranker.evidence_calibration is not None
    top = max(h.score for h in held if h.evidence)
    assert ranker.confidence(top, evidence=True) >= ranker.confidence(top, evidence=False)
    again = FieldRanker.from_json(ranker.to_json())
    assert again.confidence(top, True) == ranker.confidence(top, True)


def test_confirming_evidence_never_makes_a_candidate_less_sure_than_its_score() -> None:
    from paperclerk.learning.ranker import Calibration, FieldRanker

    ranker = FieldRanker(["strength"])
    ranker.calibration = Calibration([0.0, 0.05, 0.9, 1.0], [0.0, 0.6, 0.6, 0.9])
    # Fitted on few confirmed winners, none of them at a low score.
    ranker.evidence_calibration = Calibration([0.0, 0.4, 0.5, 1.0], [0.0, 0.0, 0.95, 1.0])
    assert ranker.confidence(0.2, evidence=True) == ranker.confidence(0.2) == 0.6
    assert ranker.confidence(1.0, evidence=True) == 1.0
    # So a confirmed name at 0.2 is not ranked below an unconfirmed line at 0.1.
    assert ranker.confidence(0.2, True) >= ranker.confidence(0.1)


def test_a_name_ending_in_a_legal_form_near_the_top_is_confirming_evidence() -> None:
    from paperclerk.learning.receipt_model import ends_in_legal_form, evidence
    from paperclerk.learning.span_candidates import SpanCandidate

    assert ends_in_legal_form("KAISON FURNISHING SDN. BHD.")
    assert ends_in_legal_form("ACME TRADING S.A.") and ends_in_legal_form("Müller GmbH")
    assert ends_in_legal_form("KING'S CONFECTIONERY S/B")
    assert not ends_in_legal_form("SDN BHD")  # a legal form alone names no company
    assert not ends_in_legal_form("AMANO MALAYSIA SON BHDX")
    assert not ends_in_legal_form("RESTORAN SIAM VILLAGE")
    cands = [
        SpanCandidate(0, 1, "ACME SDN BHD", 0, []),
        SpanCandidate(5, 6, "ACME SDN BHD", 0, []),  # too far down the page
        SpanCandidate(1, 2, "GOLDEN KEY MAKER", 0, []),
    ]
    assert evidence("merchant_name", cands, [[], [], []], []) == [True, False, False]
    assert evidence("merchant_address", cands, [[], [], []], []) == [False] * 3


def test_rankers_are_recalibrated_on_receipts_the_memory_did_not_recognise() -> None:
    from paperclerk.learning.ranker import FieldRanker, HeldOut
    from paperclerk.learning.receipt_training import MIN_UNRECOGNISED, calibrate_where_unrecognised

    ranker = FieldRanker(["strength"])
    # Recognised receipts (repeat merchants) are often wrong at a high score; new ones are not.
    ranker.held_out = [HeldOut(f"known{n}", 0.9, int(n % 2 == 0)) for n in range(40)] + [
        HeldOut(f"new{n}", 0.9, 1) for n in range(MIN_UNRECOGNISED)
    ]
    ranker.calibrate(ranker.held_out)
    assert ranker.confidence(0.9) < 0.8
    model = ReceiptModel({}, {"merchant_name": ranker})
    held = {
        "merchant_name": {
            h.key: (ranker.confidence(h.score), bool(h.right)) for h in ranker.held_out
        }
    }
    remembered = {"merchant_name": {f"known{n}": (0.99, True) for n in range(40)}}
    fitted = calibrate_where_unrecognised(model, held, remembered)
    assert fitted == {"merchant_name": MIN_UNRECOGNISED}
    assert ranker.confidence(0.9) == 1.0
    assert held["merchant_name"]["new0"] == (1.0, True)
    # Too few unrecognised receipts: the pooled curve stays.
    few = FieldRanker(["strength"])
    few.held_out = ranker.held_out[:45]
    few.calibrate(few.held_out)
    before = few.confidence(0.9)
    assert (
        calibrate_where_unrecognised(ReceiptModel({}, {"merchant_name": few}), {}, remembered) == {}
    )
    assert few.confidence(0.9) == before


def test_a_total_confirmed_by_cash_less_change_outranks_a_higher_score(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from paperclerk.extract.base import Extraction
    from paperclerk.learning import receipt_model as rm
    from tests.conftest import page_from_lines

    class Ranker:  # calibrated: an evidenced candidate is sure, a plain one is not
        feature_names = rm.FEATURES["total"]

        def scores(self, rows: list[list[float]]) -> list[float]:
            return [0.9, 0.2]

        def confidence(self, score: float, evidence: bool = False) -> float:
            return 0.99 if evidence else score / 10

    model = rm.ReceiptModel({}, {"total": Ranker()})  # type: ignore[dict-item]
    rows = [[0.0] * len(rm.FEATURES["total"])] * 2
    monkeypatch.setattr(model, "candidates", lambda name, pages, rule: (["50.47", "77.20"], rows))
    monkeypatch.setattr(rm, "evidence", lambda name, cands, feats, pages: [False, True])
    page = page_from_lines([(40, 20, "TOTAL 77.20"), (40, 60, "CASH 100.00")])
    ranked = model.rank("total", [page], Extraction())
    assert [s.candidate for s in ranked] == ["77.20", "50.47"]


def test_of_two_candidates_equally_sure_the_confirmed_one_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from paperclerk.extract.base import Extraction
    from paperclerk.learning import receipt_model as rm
    from tests.conftest import page_from_lines

    class Ranker:  # a calibration staircase: every score on one step
        feature_names = rm.FEATURES["merchant_name"]

        def scores(self, rows: list[list[float]]) -> list[float]:
            return [0.9, 0.7, 0.8]

        def confidence(self, score: float, evidence: bool = False) -> float:
            return 0.625

    model = rm.ReceiptModel({}, {"merchant_name": Ranker()})  # type: ignore[dict-item]
    rows = [[0.0] * len(rm.FEATURES["merchant_name"])] * 3
    names = ["(MR SHOP TESCO BRANCH)", "MR SHOP (JOHOR) SDN BHD", "TAX INVOICE"]
    monkeypatch.setattr(model, "candidates", lambda name, pages, rule: (names, rows))
    monkeypatch.setattr(rm, "evidence", lambda name, cands, feats, pages: [False, True, False])
    page = page_from_lines([(40, 20, "MR SHOP (JOHOR) SDN BHD")])
    ranked = model.rank("merchant_name", [page], Extraction())
    # The confirmed name first; the others by their scores.
    assert [s.candidate for s in ranked] == [names[1], names[0], names[2]]
