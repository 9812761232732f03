"""Invoices read from their printed text (PDF text layer): faults seen on e-invoice renderings.

Each page is built from (x, y, text) lines; names and numbers are made up.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from paperclerk.extract.invoice import RuleInvoiceExtractor
from paperclerk.extract.invoice_columns import split_columns
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


def test_a_line_bridging_two_columns_is_cut_at_the_blank() -> None:
    gap = " " * 40
    page = page_from_lines([(50, 40, f"Quorvex Trading Ltd{gap}Brindle Works AG")], width=1600)
    cut = split_columns(page)
    assert [line.text for line in cut.lines] == ["Quorvex Trading Ltd", "Brindle Works AG"]
    assert {w.id for w in cut.words} == {w.id for w in page.words}
    assert all(w.line_id in {line.id for line in cut.lines} for w in cut.words)
    assert split_columns(page_from_lines([(50, 40, "Quorvex Trading Ltd")])).lines[0].text == (
        "Quorvex Trading Ltd"
    )


def test_buyer_heading_over_the_right_column_of_merged_lines() -> None:
    gap = " " * 40
    fields = _fields(
        [
            (50, 40, "Rechnung Nr. 5521 vom 01.06.2030"),
            (581, 100, "Rechnung an"),
            (50, 130, f"Quorvex Trading Ltd{gap}Brindle Works AG"),
            (50, 160, f"1 Elm Road{' ' * 49}2 Oak Lane"),
            (50, 190, f"10115 Berlin{' ' * 47}80331 München"),
            (50, 600, "Gesamtbetrag 100,00"),
        ]
    )
    assert fields["customer_name"] == "Brindle Works AG"
    assert fields["vendor_name"] == "Quorvex Trading Ltd"


def _window_page() -> list[tuple[float, float, str]]:
    return [
        (50, 30, "Quorvex Trading Ltd"),
        (50, 55, "1 Elm Road"),
        (50, 80, "10115 Berlin"),
        (50, 105, "Tel. +49 30 1234567"),
        (50, 250, "Brindle Works AG"),
        (50, 275, "2 Oak Lane"),
        (50, 300, "80331 München"),
        (50, 325, "USt-IdNr. DE136695976"),
        (50, 420, "Invoice No. 5521"),
        (50, 450, "Date: 01.06.2030"),
        (50, 700, "Total 100,00"),
        (50, 960, "Quorvex Trading Ltd - USt-IdNr. DE123456789"),
    ]


def test_unlabelled_address_window_is_the_buyer_and_its_vat_id_is_not_the_seller() -> None:
    fields = _fields(_window_page())
    assert fields["customer_name"] == "Brindle Works AG"
    assert fields["vendor_name"] == "Quorvex Trading Ltd"
    assert fields["vendor_tax_id"] == "DE123456789"


def test_a_labelled_buyer_wins_over_the_address_window() -> None:
    lines = _window_page()
    lines.insert(0, (800, 200, "Bill to:"))
    lines.insert(1, (800, 230, "Kestrel Foods BV"))
    assert _fields(lines)["customer_name"] == "Kestrel Foods BV"


def test_amount_due_is_the_total_less_a_prepayment_when_not_printed() -> None:
    base = [(50, 40, "Facture n° F-2030-11"), (600, 300, "Total TTC"), (900, 300, "120,00")]
    assert _fields(base)["amount_due"] == Decimal("120.00")
    paid = [*base, (600, 330, "Acompte versé"), (900, 330, "20,00")]
    fields = _fields(paid)
    assert fields["total"] == Decimal("120.00")
    assert fields["amount_due"] == Decimal("100.00")


def test_zero_vat_when_net_and_gross_are_equal() -> None:
    fields = _fields(
        [
            (50, 40, "Invoice No. 7781"),
            (600, 300, "Total excl. VAT"),
            (900, 300, "250.00"),
            (600, 330, "Total incl. VAT"),
            (900, 330, "250.00"),
            (50, 400, "Reverse charge: VAT to be paid by the recipient"),
        ]
    )
    assert fields["total_tax"] == Decimal("0.00")


def test_title_line_naming_an_order_gives_neither_number_nor_date() -> None:
    fields = _fields(
        [
            (50, 100, "Rechnung Nr. A-7781 vom 05.06.2030"),
            (50, 140, "Bemerkung Rechnung gemäß Bestellung Nr. B-1200 vom 01.03.2030"),
            (50, 400, "Gesamtbetrag 50,00"),
        ]
    )
    assert fields["invoice_number"] == "A-7781"
    assert fields["invoice_date"] == dt.date(2030, 6, 5)


def test_a_preceding_invoice_date_is_not_the_issue_date() -> None:
    fields = _fields(
        [
            (50, 40, "FACTURE N° : F2030-23"),
            (600, 80, "Date :"),
            (800, 80, "31/01/2030"),
            (50, 200, "DATE DE FACTURE ASSOCIÉE : 01/01/2030"),
            (50, 400, "Total TTC 10,00"),
        ]
    )
    assert fields["invoice_date"] == dt.date(2030, 1, 31)


def test_due_date_far_under_its_column_title_read_from_the_words_below_it() -> None:
    fields = _fields(
        [
            (50, 40, "Invoice No. 4410 dated 01.06.2030"),
            (50, 300, "Beschreibung"),
            (400, 300, "Fälligkeit"),
            (50, 370, "01.06.2030 erhalten Sie 2 % Skonto"),
            (400, 370, "15.07.2030"),
            (50, 600, "Total 10,00"),
        ]
    )
    assert fields["due_date"] == dt.date(2030, 7, 15)


def test_the_buyers_own_vat_id_is_never_the_sellers() -> None:
    fields = _fields(
        [
            (50, 40, "Factuur VF-1005"),
            (600, 300, "Factuur totaal EUR 49,99"),
            (50, 500, "Uw BTW nummer: DE136695976"),
        ]
    )
    assert "vendor_tax_id" not in fields


def test_a_customer_number_right_of_the_buyer_heading_is_skipped_for_the_name() -> None:
    fields = _fields(
        [
            (50, 40, "Facture n° F-2030-11"),
            (50, 200, "Client :"),
            (200, 200, "C-20431"),
            (50, 230, "Brindle Works SARL"),
            (50, 260, "2 rue de la Paix"),
            (50, 290, "75002 Paris"),
            (600, 500, "Total TTC 120,00"),
        ]
    )
    assert fields["customer_name"] == "Brindle Works SARL"


def test_net_total_left_out_is_the_total_less_the_vat() -> None:
    fields = _fields(
        [
            (50, 40, "Rechnung Nr. 7781"),
            (600, 300, "MwSt. 19 %"),
            (900, 300, "19,00"),
            (600, 330, "Gesamtbetrag"),
            (900, 330, "119,00"),
        ]
    )
    assert fields["total"] == Decimal("119.00")
    assert fields["subtotal"] == Decimal("100.00")


def test_a_template_placeholder_is_a_name_and_a_street_never_is() -> None:
    """`[Buyer name]` over `12345 [Buyer city]` is a window block; a street is no name."""
    lines = [
        (50, 30, "[Seller name]"),
        (50, 55, "Kobermarlaan 43 · 12345 [Seller city] · DE"),
        (50, 250, "[Buyer name]"),
        (50, 275, "Wimarlaan 101"),
        (50, 300, "12345 [Buyer city]"),
        (50, 420, "Invoice No. 5521"),
        (50, 450, "Date: 01.06.2030"),
        (50, 700, "Total 100,00"),
    ]
    fields = _fields(lines)
    assert fields["customer_name"] == "[Buyer name]"
    assert fields["vendor_name"] == "[Seller name]"
    for street in ("Dorwiristraße 94", "Koberlaan 83", "12 rue Anriri", "Main Street 12"):
        assert not is_party_name(street), street
    for name in ("Studio 54 GmbH", "Hotel Saint Denis", "3M Deutschland GmbH"):
        assert is_party_name(name), name
