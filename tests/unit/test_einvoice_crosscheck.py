"""Cross-check of a Factur-X PDF's visible text against its XML values."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from paperclerk.einvoice.crosscheck import (
    RULE_ID,
    RULE_ID_UNCHECKED,
    XmlValue,
    amount_readings,
    compare_visible,
    crosscheck_visible_text,
)
from paperclerk.model.decision import Severity
from tests.conftest import SHARED, needs_shared

FACTURX = SHARED / "einvoices" / "facturx_pdf"

PAGE = """Muster GmbH · Hauptstr. 1 · 10115 Berlin
Rechnung Nr. RE-2022-0815          Rechnungsdatum: 26.10.2022
Pos  Menge  Bezeichnung          Einzelpreis   Gesamt
1    2      Beratung             402,50        805,00
Nettobetrag                                    809,34
USt 19 %                                       153,77
Gesamtbetrag                                   963,11
Zahlbetrag                                     963,11
"""

VALUES: dict[str, XmlValue] = {
    "invoice_number": "RE-2022-0815",
    "issue_date": "20221026",
    "grand_total": Decimal("963.11"),
    "amount_due": "963.11",
    "tax_total": 153.77,
}


def test_matching_text_gives_no_finding() -> None:
    assert crosscheck_visible_text(VALUES, PAGE) == []
    assert crosscheck_visible_text(VALUES, PAGE.split("Pos")) == []  # one str per page


def test_printed_963_12_where_xml_says_963_11_is_flagged() -> None:
    findings = crosscheck_visible_text(VALUES, PAGE.replace("963,11", "963,12"))
    assert [f.rule_id for f in findings] == [RULE_ID, RULE_ID]
    assert [f.fields for f in findings] == [["grand_total"], ["amount_due"]]
    grand = findings[0]
    assert grand.severity is Severity.ERROR and not grand.passed
    assert "grand total (BT-112)" in grand.message
    assert "963.11" in grand.message and "963,12" in grand.message


@pytest.mark.parametrize(
    "printed", ["1234.56", "1,234.56", "1.234,56", "1 234,56", "1\u00a0234,56", "1'234.56"]
)
def test_amount_in_any_usual_printed_form(printed: str) -> None:
    text = f"Total EUR {printed}"
    assert crosscheck_visible_text({"grand_total": Decimal("1234.56")}, text) == []
    assert crosscheck_visible_text({"grand_total": Decimal("1234.57")}, text)


def test_ambiguous_separator_gives_both_readings() -> None:
    assert amount_readings("1,234") == {Decimal("1234"), Decimal("1.234")}
    assert amount_readings("1.234.567,8") == {Decimal("1234567.8")}
    assert amount_readings("12,5") == {Decimal("12.5")}


@pytest.mark.parametrize(
    "printed",
    [
        "26.10.2022",
        "26/10/2022",
        "10/26/2022",
        "2022-10-26",
        "26.10.22",
        "26. Oktober 2022",
        "October 26, 2022",
        "26 oct. 2022",
        "26 octobre 2022",
        "26. 10. 2022",
    ],
)
def test_issue_date_in_common_printed_forms(printed: str) -> None:
    day = dt.date(2022, 10, 26)
    assert crosscheck_visible_text({"issue_date": day}, f"Datum {printed} Seite 1") == []


def test_wrong_date_and_number_are_warnings_with_the_closest_value() -> None:
    text = "Invoice RE-2022-0816 dated 27.10.2022, total 963.11"
    checks = {c.field: c for c in compare_visible(VALUES, text)}
    assert not checks["issue_date"].found and checks["issue_date"].closest == "27.10.2022"
    assert not checks["invoice_number"].found
    assert checks["invoice_number"].closest == "RE-2022-0816"
    findings = crosscheck_visible_text(VALUES, text)
    by_field = {f.fields[0]: f for f in findings}
    assert by_field["issue_date"].severity is Severity.WARNING
    assert by_field["tax_total"].severity is Severity.ERROR
    assert "nothing like it is printed" not in by_field["issue_date"].message


def test_number_must_not_match_inside_a_longer_one() -> None:
    assert crosscheck_visible_text({"invoice_number": "815"}, "Nr. 08150") != []
    assert crosscheck_visible_text({"grand_total": "15.00"}, "Summe 115.00") != []


def test_empty_values_are_skipped_and_no_text_is_unchecked() -> None:
    assert crosscheck_visible_text({"tax_total": None, "invoice_number": " "}, "x") == []
    (finding,) = crosscheck_visible_text(VALUES, ["", " "])
    assert finding.rule_id == RULE_ID_UNCHECKED and finding.severity is Severity.INFO


def _pdf_text(path: Path) -> list[str]:
    from paperclerk.ingest.pdf import load_pdf
    from paperclerk.settings import Settings

    pages = load_pdf(path.read_bytes(), Settings())
    return [" ".join(word.text for word in page.text_layer) for page in pages]


def _xml_values(doc_id: str) -> dict[str, XmlValue]:
    gt: dict[str, Any] = json.loads((FACTURX / f"{doc_id}.gt.json").read_text(encoding="utf-8"))
    totals = gt.get("totals") or {}
    return {
        "invoice_number": gt.get("invoice_number"),
        "issue_date": gt.get("issue_date"),
        "grand_total": totals.get("grand_total"),
        "amount_due": totals.get("due_payable"),
        "tax_total": totals.get("tax_total"),
    }


MUSTANG = "mustang__MustangBeispiel20221026"


@pytest.mark.skipif(
    not (FACTURX / f"{MUSTANG}.pdf").exists(),
    reason=f"../shared/data/einvoices/facturx_pdf/{MUSTANG}.pdf is absent",
)
def test_mustang_963_12_versus_963_11_is_flagged() -> None:
    findings = crosscheck_visible_text(_xml_values(MUSTANG), _pdf_text(FACTURX / f"{MUSTANG}.pdf"))
    assert any(f.rule_id == RULE_ID and "963.11" in f.message for f in findings)
    assert any("963,12" in f.message for f in findings)


@needs_shared("einvoices/facturx_pdf")
@pytest.mark.parametrize(
    "doc_id",
    [
        "akretion__invoice_EN16931",
        "corpus__Facture_FR_BASICWL",
        "zf24__EN16931_Einfach_fx",
        "zf24__EXTENDED_Fremdwaehrung_fx",
        "mustang__ZTESTZUGFERD_1_INVDSS_012015738820PDF-1",
    ],
)
def test_shared_facturx_pdfs_agree_with_their_xml(doc_id: str) -> None:
    assert crosscheck_visible_text(_xml_values(doc_id), _pdf_text(FACTURX / f"{doc_id}.pdf")) == []


@needs_shared("einvoices/facturx_pdf")
def test_shared_pdf_with_a_one_cent_xml_change_is_flagged() -> None:
    doc_id = "zf24__EN16931_Einfach_fx"
    values = _xml_values(doc_id)
    grand = Decimal(str(values["grand_total"]))
    values["grand_total"] = grand + Decimal("0.01")
    findings = crosscheck_visible_text(values, _pdf_text(FACTURX / f"{doc_id}.pdf"))
    assert [f.fields for f in findings] == [["grand_total"]]
    assert findings[0].severity is Severity.ERROR
