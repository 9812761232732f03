"""Invoices read from their printed text (PDF text layer): faults seen on e-invoice renderings.

Each page is built from (x, y, text) lines; names and numbers are made up.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from paperclerk.extract.invoice import RuleInvoiceExtractor
from paperclerk.extract.invoice_parties import is_party_name
from paperclerk.extract.invoice_values import id_token
from paperclerk.model import Page
from tests.conftest import page_from_lines


def _fields(lines: list[tuple[float, float, str]]) -> dict[str, object]:
    pages: list[Page] = [page_from_lines(lines, width=1600)]
    out = RuleInvoiceExtractor().extract(pages)
    return {name: f.value for name, f in out.fields.items()}


def test_a_year_alone_is_never_an_invoice_number() -> None:
    assert id_token("© 2031") is None
    assert id_token("2031-0042") == ("2031-0042", 0, 9)
    fields = _fields([(50, 40, "eRechnung © QX 2031"), (50, 400, "Total 12,00")])
    assert fields.get("invoice_number") != "2031"


def test_number_and_date_from_a_compound_title_line() -> None:
    fields = _fields(
        [
            (50, 40, "Tool version 3.1 vom 02.02.2031"),
            (50, 100, "Schlussrechnung (380) Nr. QZ-7781 vom 14.05.2030"),
            (50, 140, "Bemerkung Rechnung gemäß Bestellung vom 01.05.2030"),
            (50, 400, "Gesamtbetrag 50,00"),
        ]
    )
    assert fields["invoice_number"] == "QZ-7781"
    assert fields["invoice_date"] == dt.date(2030, 5, 14)


def test_english_title_line_with_dated() -> None:
    fields = _fields([(50, 60, "Invoice No. ZX-55 dated 03/07/2030"), (50, 400, "Total 9.00")])
    assert fields["invoice_number"] == "ZX-55"
    assert fields["invoice_date"] == dt.date(2030, 7, 3)


def _party_page() -> list[tuple[float, float, str]]:
    return [
        (50, 40, "Seller"),
        (50, 80, "Number:"),
        (500, 80, "90001"),
        (50, 110, "Global number:"),
        (500, 110, "4000000000017 (GLN)"),
        (50, 140, "Name:"),
        (500, 140, "Quorvex Trading Ltd"),
        (50, 170, "Address:"),
        (500, 170, "1 Elm Road"),
        (50, 260, "Buyer"),
        (50, 300, "Number:"),
        (500, 300, "C-77"),
        (50, 330, "Name:"),
        (500, 330, "Brindle Works AG"),
        (50, 360, "Address:"),
        (500, 360, "2 Oak Lane"),
        (50, 700, "Total 10.00"),
    ]


def test_party_names_from_name_rows_under_headings() -> None:
    fields = _fields(_party_page())
    assert fields["vendor_name"] == "Quorvex Trading Ltd"
    assert fields["customer_name"] == "Brindle Works AG"


def test_german_buyer_heading_with_slash() -> None:
    lines = _party_page()
    lines[0] = (50, 40, "Verkäufer")
    lines[9] = (50, 260, "Käufer/Leistungsempfänger")
    fields = _fields(lines)
    assert fields["customer_name"] == "Brindle Works AG"
    assert fields["vendor_name"] == "Quorvex Trading Ltd"


def test_labels_mails_and_sentences_are_not_party_names() -> None:
    assert not is_party_name("Nummer:")
    assert not is_party_name("(EM) : someone@buyer.test")
    assert not is_party_name("Name")
    assert not is_party_name("à régler par virement sur le compte ci-dessous.")
    assert is_party_name("Brindle Works AG")
    assert is_party_name("Lieferant GmbH & Co. KG")


def test_grand_total_is_not_a_charges_or_prepaid_line() -> None:
    fields = _fields(
        [
            (50, 40, "Rechnung Nr. 8812"),
            (400, 300, "Positionssumme"),
            (1200, 300, "473,00"),
            (400, 330, "Gesamtbetrag der Zuschläge"),
            (1200, 330, "0,00"),
            (400, 360, "Gesamtbetrag der Abschläge"),
            (1200, 360, "-0,00"),
            (400, 390, "Rechnungssumme ohne USt."),
            (1200, 390, "473,00"),
            (400, 420, "Steuerbetrag in EUR"),
            (1200, 420, "56,87"),
            (400, 450, "Bruttosumme"),
            (1200, 450, "529,87"),
            (400, 480, "Erhaltene Anzahlungen"),
            (1200, 480, "100,00"),
            (400, 510, "Zahlbetrag"),
            (1200, 510, "429,87"),
        ]
    )
    assert fields["total"] == Decimal("529.87")
    assert fields["subtotal"] == Decimal("473.00")
    assert fields["total_tax"] == Decimal("56.87")
    assert fields["amount_due"] == Decimal("429.87")


def test_due_date_from_a_payment_sentence_not_the_discount_date() -> None:
    fields = _fields(
        [
            (50, 40, "Invoice No. 4410 dated 01.06.2030"),
            (50, 300, "Zahlbar innerhalb 30 Tagen netto bis 01.07.2030, 2% Skonto bis 10.06.2030"),
            (50, 400, "Total 10,00"),
        ]
    )
    assert fields["due_date"] == dt.date(2030, 7, 1)


def test_due_date_under_a_due_column() -> None:
    fields = _fields(
        [
            (50, 40, "Invoice No. 4410 dated 01.06.2030"),
            (400, 300, "Fälligkeit"),
            (400, 330, "15.07.2030"),
            (50, 500, "Total 10,00"),
        ]
    )
    assert fields["due_date"] == dt.date(2030, 7, 15)
