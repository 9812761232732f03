"""Per-line CSV export: RFC 4180, header fields repeated, formulas guarded."""

from __future__ import annotations

import csv
import io

from paperclerk.export.lines_csv import (
    CSV_COLUMNS,
    document_to_csv,
    guard_formula,
    spreadsheet_safe,
)
from tests.unit.test_export_ubl import field, invoice


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_one_row_per_line_with_the_header_fields_repeated() -> None:
    doc = invoice()
    text = document_to_csv(doc)
    assert text.endswith("\r\n")
    got = rows(text)
    assert tuple(got[0]) == CSV_COLUMNS
    assert len(got) == 3
    for row in got[1:]:
        assert row[:6] == [doc.id, "RE-2026-0042", "2026-03-01", "Muster GmbH", "DE123456789",
                           "EUR"]  # fmt: skip
    assert got[1][6:] == ["1", "Beratung", "2", "50.00", "100.00", "19"]


def test_a_formula_cell_is_prefixed_and_quoting_follows_rfc_4180() -> None:
    doc = invoice(vendor_name='+Evil, "Inc"\nLtd')
    got = rows(document_to_csv(doc))
    assert got[1][3] == '\'+Evil, "Inc"\nLtd'
    assert got[2][7] == '\'=HYPERLINK("x")'


def test_negative_amounts_stay_numbers() -> None:
    from decimal import Decimal

    assert spreadsheet_safe(Decimal("-5.00")) == "-5.00"
    assert spreadsheet_safe("-5") == "'-5"
    assert spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)"
    assert guard_formula("\t=1+1") == "'\t=1+1"  # a tab or CR first is guarded too
    assert guard_formula("\rx") == "'\rx" and guard_formula("plain") == "plain"


def test_an_invoice_without_lines_still_gets_one_row() -> None:
    doc = invoice()
    doc.line_items = []
    doc.fields["invoice_number"] = field("invoice_number", "X-1")
    got = rows(document_to_csv(doc))
    assert len(got) == 2 and got[1][1] == "X-1" and got[1][6:] == [""] * 6
