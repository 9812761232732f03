"""Hand-built results of KYC documents (no OCR): a passport, proofs of address, income."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from paperclerk.identity.case import Applicant, CaseDocument
from paperclerk.model import (
    DocType,
    Document,
    ExtractedField,
    FieldValue,
    Finding,
    LineItem,
    Severity,
)
from tests.conftest import page_from_lines

TODAY = dt.date(2026, 6, 15)
APPLICANT = Applicant(name="Zofia Kowalczyk", address="7 Mill Lane, Bristol BS1 5TR")


def make_doc(
    doc_type: DocType, fields: dict[str, FieldValue], confidence: float = 0.95
) -> Document:
    return Document(
        sha256="0" * 64,
        media_type="image/png",
        size_bytes=1,
        doc_type=doc_type,
        doc_type_confidence=1.0,
        fields={
            n: ExtractedField(name=n, value=v, raw_text=str(v), confidence=confidence)
            for n, v in fields.items()
        },
    )


def passing(rule: str) -> Finding:
    return Finding(id=rule, rule_id=rule, severity=Severity.INFO, passed=True, message="ok")


def passport(expiry: dt.date = dt.date(2030, 1, 1), **changes: FieldValue) -> Document:
    fields: dict[str, FieldValue] = {
        "document_type": "passport",
        "document_number": "AB1234567",
        "surname": "KOWALCZYK",
        "given_names": "ZOFIA MARIA",
        "nationality": "POL",
        "issuing_state": "POL",
        "date_of_birth": dt.date(1990, 4, 2),
        "date_of_expiry": expiry,
        "sex": "F",
        "mrz": "P<POLKOWALCZYK<<ZOFIA<MARIA...",
        **changes,
    }
    doc = make_doc(DocType.IDENTITY_DOCUMENT, fields, 0.995)
    doc.findings = [passing("identity.mrz_check_digit"), passing("identity.expired")]
    return doc


def utility_bill(
    issued: dt.date = dt.date(2026, 5, 20),
    name: str = "Ms Zofia Kowalczyk",
    address: str = "7 Mill Lane, Bristol BS1 5TR",
) -> Document:
    return make_doc(
        DocType.UTILITY_BILL,
        {
            "provider": "Riverside Water Company",
            "customer_name": name,
            "customer_address": address,
            "issue_date": issued,
            "amount_due": Decimal("84.20"),
            "currency": "GBP",
        },
    )


def payslip(net: str = "2637.60", employee: str = "Zofia Kowalczyk") -> Document:
    return make_doc(
        DocType.PAYSLIP,
        {
            "employer": "Northwind Traders Ltd",
            "employee": employee,
            "period_start": dt.date(2026, 5, 1),
            "period_end": dt.date(2026, 5, 31),
            "pay_date": dt.date(2026, 5, 28),
            "gross_pay": Decimal("3250.00"),
            "net_pay": Decimal(net),
            "currency": "GBP",
        },
    )


def statement(salary: str = "2637.60", holder: str = "ZOFIA KOWALCZYK") -> Document:
    doc = make_doc(
        DocType.BANK_STATEMENT,
        {
            "bank": "Hanseatic Savings Bank",
            "account_holder": holder,
            "period_start": dt.date(2026, 5, 1),
            "period_end": dt.date(2026, 5, 31),
            "currency": "GBP",
        },
    )
    rows = [
        (dt.date(2026, 5, 3), "RENT MAY", Decimal("-750.00")),
        (dt.date(2026, 5, 28), "NORTHWIND SALARY MAY", Decimal(salary)),
        (dt.date(2026, 5, 29), "CARD PAYMENT", Decimal("-50.00")),
    ]
    for i, (day, text, amount) in enumerate(rows):
        cells: dict[str, FieldValue] = {"date": day, "description": text, "amount": amount}
        doc.line_items.append(
            LineItem(
                index=i,
                fields={
                    n: ExtractedField(name=n, value=v, raw_text=str(v), confidence=0.9)
                    for n, v in cells.items()
                },
            )
        )
    doc.findings = [passing("bank_statement.balance_continuity")]
    doc.pages = [
        page_from_lines(
            [
                (40, 40, "Hanseatic Savings Bank"),
                (40, 100, holder),
                (40, 130, "7 Mill Lane"),
                (40, 160, "Bristol BS1 5TR"),
            ]
        )
    ]
    return doc


def case(*docs: Document, status: str = "done") -> list[CaseDocument]:
    return [
        CaseDocument(f"{n:032x}", status, d.doc_type.value, d if status == "done" else None)
        for n, d in enumerate(docs, start=1)
    ]


def full_case() -> list[Document]:
    """A passport, a utility bill, a payslip and the statement its pay arrived on: approvable."""
    return [passport(), utility_bill(), payslip(), statement()]
