"""Splitting a batch of pages into invoices by content (`pipeline.split`)."""

from __future__ import annotations

import pytest

from paperclerk.model import Page
from paperclerk.pages.layout import text_page
from paperclerk.pipeline.split import PageRange, invoice_number, split_invoices

# Page bodies; text_page lays them out on A4, one row per line from the top.
ACME_1 = """\
ACME Tools GmbH, Hauptstrasse 1, 10115 Berlin
USt-IdNr. DE136695976
INVOICE
Invoice number: A-1001
Invoice date: 03.02.2025
Bill to: Example Buyer Ltd
Item                      Qty   Amount
Hammer                      2    20,00
"""
FILLER = "\n" * 40  # pushes what follows to the lower half of the page
TOTAL = "Total EUR 23,80\n"
BETA_1 = """\
Beta Paper SARL, 3 rue de la Paix, 75002 Paris
TVA FR40303265045
FACTURE
Facture n° F-2025-77
Date de facture : 04.02.2025
Designation               Qte   Montant
Papier A4                  10    45,00
"""
BETA_2 = """\
Designation               Qte   Montant
Enveloppes                  5    12,50
Stylos                     20    18,00
"""


def pages(*bodies: str) -> list[Page]:
    return [text_page(body, index=i) for i, body in enumerate(bodies)]


def starts(ranges: list[PageRange]) -> list[int]:
    return [r.start for r in ranges]


def test_two_invoices_of_one_and_two_pages_with_markers() -> None:
    batch = pages(
        ACME_1 + FILLER + TOTAL + "Page 1 of 1",
        BETA_1 + FILLER + "Page 1 of 2",
        BETA_2 + FILLER + "Total TTC 90,60\nPage 2 of 2",
    )
    ranges = split_invoices(batch)
    assert [(r.start, r.end) for r in ranges] == [(0, 1), (1, 3)]
    assert ranges[0].reasons == ("first page",)
    assert "page marker 1 of 2" in ranges[1].reason
    assert 0.5 < ranges[1].score <= 1.0
    assert [r.label for r in ranges] == ["1", "2-3"]


def test_two_invoices_without_markers_split_on_header_and_seller() -> None:
    batch = pages(ACME_1 + FILLER + TOTAL, BETA_1, BETA_2 + FILLER + "Total TTC 90,60")
    ranges = split_invoices(batch)
    assert starts(ranges) == [0, 1]
    assert "invoice number F-2025-77 differs from A-1001" in ranges[1].reason
    assert "other VAT id / IBAN" in ranges[1].reason


def test_continuation_page_without_header_joins_the_invoice() -> None:
    # No marker, no header, no totals before it: the second page continues the first.
    ranges = split_invoices(pages(BETA_1, BETA_2 + FILLER + "Total TTC 90,60"))
    assert [(r.start, r.end) for r in ranges] == [(0, 2)]


def test_carried_forward_subtotal_ties_pages_even_after_a_total_row() -> None:
    first = ACME_1 + FILLER + "Total 20,00\nCarried forward 20,00"
    second = "Brought forward 20,00\nSaw 1 3,80\n" + FILLER + TOTAL
    assert starts(split_invoices(pages(first, second))) == [0]


def test_repeated_header_with_the_same_number_is_a_continuation() -> None:
    ranges = split_invoices(pages(ACME_1, ACME_1.replace("Hammer", "Nails ") + FILLER + TOTAL))
    assert starts(ranges) == [0]
    # The same page again with another number is another invoice.
    other = ACME_1.replace("A-1001", "A-1002")
    assert starts(split_invoices(pages(ACME_1 + FILLER + TOTAL, other))) == [0, 1]


def test_page_marker_beats_a_repeated_number() -> None:
    # Two invoices from one template and one number: only "Seite 1 von 2" tells them apart.
    body = "Rechnung Nr. 471102 vom 05.03.2025\nLieferant GmbH\n"
    batch = pages(
        body + FILLER + "Seite 1 von 1",
        body + FILLER + "Seite 1 von 2",
        "Positionsdaten\n" + FILLER + "Seite 2 von 2",
    )
    assert starts(split_invoices(batch)) == [0, 1]


def test_same_number_with_another_date_on_its_row_is_another_invoice() -> None:
    first = "Rechnung Nr. 471102 vom 05.03.2025\nLieferant GmbH\n"
    second = "Rechnung Nr. 471102 vom 05.06.2025\nLieferant GmbH\n"
    assert starts(split_invoices(pages(first, second))) == [0, 1]
    assert starts(split_invoices(pages(first, first))) == [0]


def test_single_invoice_is_not_split_and_every_page_is_kept() -> None:
    batch = pages(ACME_1, BETA_2, BETA_2, "", BETA_2 + FILLER + TOTAL)
    ranges = split_invoices(batch)
    assert [(r.start, r.end) for r in ranges] == [(0, 5)]
    assert split_invoices([]) == []


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Invoice number: INV-2024-001", "INV-2024-001"),
        ("Rechnungsnummer 123456", "123456"),
        ("Handelsrechnung (380) Nr. 471102 vom 05.06.2025", "471102"),
        ("Facture n° F-2025-77", "F-2025-77"),
        ("N° de facture : 2025/15", "2025/15"),
        ("Invoice INV/2023/03/0008", "INV/2023/03/0008"),
        ("Rechnungsdatum 05.06.2025", None),
        ("Rechnungsbetrag 235,62", None),
        ("Invoice total", None),
    ],
)
def test_invoice_number(text: str, number: str | None) -> None:
    assert invoice_number(text) == number


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Rechnungskorrektur (384) Nr. RK21012345 vom 16.09.2018", "RK21012345"),
        ("Gutschrift (Selbst ausgestellte Rechnung) (389) Nr. 47110818 vom 31.10.2018", "47110818"),
        ("Rechnungsbetrag 1235,62", None),
        ("Rechnungsjahr 2024", None),
        ("Teilrechnung Bau (875) Nr. 210112 vom 06.06.2025", "210112"),
        ("Invoice for services rendered No. 2024-17", "2024-17"),
        ("Invoice date 03.02.2025 Order No. 5512", None),
    ],
)
def test_invoice_number_of_compound_titles(text: str, number: str | None) -> None:
    assert invoice_number(text) == number
