"""Personal data: marked in results by document type, and masked without leaving a trace."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from paperclerk.extract import identity
from paperclerk.model import (
    Alternative,
    Box,
    Decision,
    DecisionOutcome,
    DocType,
    Document,
    ExtractedField,
    Finding,
    Line,
    LineItem,
    NormBox,
    Page,
    Provenance,
    Severity,
    Word,
)
from paperclerk.model.personal import (
    MASK,
    PERSONAL_FIELDS,
    mark_personal,
    mask_document,
    mask_result,
    personal_fields,
)

SURNAME, GIVEN = "ERIKSSON", "ANNA MARIA"
NUMBER, PERSONAL_NO = "L898902C3", "ZE184226B"
BIRTH = dt.date(1974, 8, 12)
MRZ = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"


def _word(page: int, i: int, text: str, x: float, y: float) -> Word:
    box = Box(x0=x, y0=y, x1=x + 10 * len(text), y1=y + 20)
    norm = NormBox(x0=x / 1000, y0=y / 1000, x1=(x + 10 * len(text)) / 1000, y1=(y + 20) / 1000)
    return Word(
        id=f"p{page}-w{i}", text=text, box=box, norm_box=norm, confidence=0.9, line_id=f"l{y:.0f}"
    )


def _page(rows: list[list[str]]) -> Page:
    words: list[Word] = []
    lines: list[Line] = []
    for r, row in enumerate(rows):
        ws = [
            _word(0, len(words) + k, text, 20 + 150 * k, 30 + 40 * r) for k, text in enumerate(row)
        ]
        words += ws
        box = ws[0].box.union(ws[-1].box)
        lines.append(
            Line(
                id=f"l{30 + 40 * r}",
                text=" ".join(row),
                box=box,
                word_ids=[w.id for w in ws],
                confidence=0.9,
            )
        )
    return Page(index=0, width=1000, height=1000, words=words, lines=lines)


def _field(name: str, value: object, raw: str, page: Page, *word_ids: str) -> ExtractedField:
    box = page.words[0].box
    return ExtractedField(
        name=name,
        value=value,  # type: ignore[arg-type]
        raw_text=raw,
        confidence=0.97,
        provenance=Provenance(page=0, box=box, word_ids=list(word_ids)),
    )


def identity_result() -> Document:
    """A passport read from its MRZ, with the printed page showing the name again."""
    page = _page(
        [
            ["PASSPORT", "UTOPIA"],
            ["Surname", SURNAME],
            ["Given", "names", "ANNA", "MARIA"],
            ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"],
            ["L898902C36UTO7408122F1204159ZE184226B<<<<<10"],
        ]
    )
    mrz1, mrz2 = "p0-w8", "p0-w9"
    fields = {
        "document_type": _field("document_type", "passport", "P<", page, mrz1),
        "issuing_state": _field("issuing_state", "UTO", "UTO", page, mrz1),
        "document_number": _field("document_number", NUMBER, NUMBER, page, mrz2),
        "surname": _field("surname", SURNAME, SURNAME, page, mrz1),
        "given_names": _field("given_names", GIVEN, "ANNA<MARIA", page, mrz1),
        "nationality": _field("nationality", "UTO", "UTO", page, mrz2),
        "date_of_birth": _field("date_of_birth", BIRTH, "740812", page, mrz2),
        "sex": _field("sex", "F", "F", page, mrz2),
        "date_of_expiry": _field("date_of_expiry", dt.date(2032, 4, 15), "320415", page, mrz2),
        "personal_number": _field("personal_number", PERSONAL_NO, PERSONAL_NO, page, mrz2),
        "mrz": _field("mrz", MRZ, MRZ, page, mrz1, mrz2),
    }
    fields["surname"].alternatives = [
        Alternative(value="ERIKSON", raw_text="ERIKSON", score=0.2, provenance=None)
    ]
    findings = [
        Finding(
            id="page",
            rule_id="identity.mrz_vs_page",
            severity=Severity.INFO,
            passed=True,
            message=f"the MRZ agrees with the printed page: surname {SURNAME} found;"
            f" date of birth {BIRTH.strftime('%d.%m.%Y')} found",
            fields=["surname", "date_of_birth"],
        ),
        Finding(
            id="spec",
            rule_id="identity.specimen",
            severity=Severity.ERROR,
            passed=False,
            message=f"a specimen: document number {NUMBER} is a published specimen's",
            fields=["document_number"],
        ),
    ]
    decision = Decision(
        outcome=DecisionOutcome.NEEDS_REVIEW,
        reasons=[findings[1].message],
        reason_codes=["rule:identity.specimen"],
    )
    return Document(
        sha256="a" * 64,
        media_type="image/png",
        size_bytes=10,
        pages=[page],
        doc_type=DocType.IDENTITY_DOCUMENT,
        doc_type_confidence=1.0,
        fields=fields,
        findings=findings,
        decision=decision,
    )


def statement_result() -> Document:
    """A bank statement with a holder, an IBAN, balances and two transactions."""
    page = _page(
        [
            ["Account", "holder", "Jane", "Doe"],
            ["IBAN", "DE89370400440532013000"],
            ["Opening", "balance", "1,250.00"],
            ["03.01.2025", "Rent", "Flat", "Fenwick", "-800.00", "450.00"],
            ["05.01.2025", "Salary", "Acme", "GmbH", "2,000.00", "2,450.00"],
            ["Closing", "balance", "2,450.00"],
        ]
    )
    fields = {
        "bank_name": _field("bank_name", "Northbank", "Northbank", page),
        "account_holder": _field("account_holder", "Jane Doe", "Jane Doe", page, "p0-w2", "p0-w3"),
        "iban": _field("iban", "DE89370400440532013000", "DE89 3704", page, "p0-w5"),
        "opening_balance": _field("opening_balance", Decimal("1250.00"), "1,250.00", page, "p0-w8"),
        "closing_balance": _field(
            "closing_balance", Decimal("2450.00"), "2,450.00", page, "p0-w23"
        ),
        "currency": _field("currency", "EUR", "EUR", page),
    }

    def row(i: int, day: dt.date, text: str, amount: str, balance: str, ids: list[str]) -> LineItem:
        return LineItem(
            index=i,
            fields={
                "date": _field("date", day, day.strftime("%d.%m.%Y"), page, ids[0]),
                "description": _field("description", text, text, page, *ids[1:4]),
                "amount": _field("amount", Decimal(amount), amount, page, ids[4]),
                "balance": _field("balance", Decimal(balance), balance, page, ids[5]),
            },
            confidence=0.9,
        )

    items = [
        row(
            0,
            dt.date(2025, 1, 3),
            "Rent Flat Fenwick",
            "-800.00",
            "450.00",
            [f"p0-w{i}" for i in range(9, 15)],
        ),
        row(
            1,
            dt.date(2025, 1, 5),
            "Salary Acme GmbH",
            "2000.00",
            "2450.00",
            [f"p0-w{i}" for i in range(15, 21)],
        ),
    ]
    return Document(
        sha256="b" * 64,
        media_type="image/png",
        size_bytes=10,
        pages=[page],
        doc_type=DocType.BANK_STATEMENT,
        doc_type_confidence=1.0,
        fields=fields,
        line_items=items,
    )


def test_the_personal_fields_are_declared_per_document_type() -> None:
    assert identity.PERSONAL_FIELDS is PERSONAL_FIELDS[DocType.IDENTITY_DOCUMENT]
    assert personal_fields("payslip") == {"employee", "gross_pay", "net_pay"}
    assert personal_fields("utility_bill") == {"customer_name", "customer_address"}
    assert "iban" in personal_fields(DocType.BANK_STATEMENT)
    assert personal_fields("receipt") == frozenset()


def test_results_say_which_fields_are_personal_and_old_ones_still_read() -> None:
    doc = mark_personal(identity_result())
    assert doc.fields["surname"].personal and doc.fields["mrz"].personal
    assert not doc.fields["issuing_state"].personal
    assert not doc.fields["date_of_expiry"].personal
    dumped = doc.model_dump(mode="json")
    assert dumped["fields"]["surname"]["personal"] is True
    del dumped["fields"]["surname"]["personal"]  # a result stored before the flag existed
    assert Document.model_validate(dumped).fields["surname"].personal is False


def test_an_identity_result_masked_holds_nothing_personal() -> None:
    doc = identity_result()
    masked = mask_document(doc)
    text = masked.model_dump_json()
    for secret in (SURNAME, "ERIKSON", "ANNA", "MARIA", NUMBER, PERSONAL_NO, "1974-08-12",
                   "12.08.1974", "740812", "L898902C3", "P<UTO"):  # fmt: skip
        assert secret not in text, secret
    surname = masked.fields["surname"]
    assert (surname.value, surname.raw_text, surname.personal) == (MASK, MASK, True)
    assert surname.confidence == doc.fields["surname"].confidence
    assert surname.provenance == doc.fields["surname"].provenance  # the box stays
    assert [(a.value, a.raw_text, a.score) for a in surname.alternatives] == [(MASK, MASK, 0.2)]
    assert masked.fields["date_of_birth"].value == MASK
    assert masked.fields["sex"].value == MASK
    assert "•••" in masked.findings[0].message and masked.decision is not None
    assert masked.decision.reasons == [masked.findings[1].message]
    assert "printed page" in masked.findings[0].message
    # the MRZ words and the printed name are masked, the rest of the page is not
    texts = [w.text for w in masked.pages[0].words]
    assert texts[:4] == ["PASSPORT", "UTOPIA", "Surname", MASK]
    assert masked.pages[0].lines[1].text == f"Surname {MASK}"
    assert texts[-2:] == [MASK, MASK]
    # non-personal fields are left as they were; the original document is untouched
    for name in ("document_type", "issuing_state", "date_of_expiry"):
        assert masked.fields[name] == doc.fields[name]
    assert doc.fields["surname"].value == SURNAME


def test_a_bank_statement_masked_keeps_its_figures_but_not_the_holders() -> None:
    doc = statement_result()
    masked = mask_document(doc)
    text = json.dumps(mask_result(doc.model_dump(mode="json")))
    for secret in ("Jane", "Doe", "DE89370400440532013000", "DE89 3704", "1250.00", "1,250.00",
                   "2450.00", "2,450.00", "Fenwick", "Salary Acme", "450.00"):  # fmt: skip
        assert secret not in text, secret
    assert masked.fields["bank_name"].value == "Northbank"
    assert masked.fields["currency"].value == "EUR"
    assert masked.fields["iban"].value == MASK
    for before, after in zip(doc.line_items, masked.line_items, strict=True):
        assert after.fields["description"].value == MASK
        assert after.fields["balance"].value == MASK
        assert after.fields["amount"].value == before.fields["amount"].value
        assert after.fields["date"].value == before.fields["date"].value
        assert not after.fields["amount"].personal and after.fields["description"].personal
    assert Document.model_validate_json(masked.model_dump_json()) == masked


def test_a_document_without_personal_fields_is_unchanged() -> None:
    doc = statement_result().model_copy(update={"doc_type": DocType.INVOICE})
    assert mask_document(doc) == mark_personal(doc.model_copy(deep=True))
