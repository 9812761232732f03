"""Invoice line items read from printed tables: where a table ends and which rows are items.

Pages are built from (x, y, text) lines; names, numbers and amounts are made up.
"""

from __future__ import annotations

from decimal import Decimal

from paperclerk.engines.base import OcrWord
from paperclerk.extract.invoice import RuleInvoiceExtractor
from paperclerk.model import Box, LineItem, Page
from paperclerk.pages.layout import build_page, split_line

Spec = list[tuple[float, float, str]]


def _page(index: int, lines: Spec, height: int = 1400) -> Page:
    """Build page ``index`` from (x, y, text) lines, 20 px high, 9 px per character."""
    words: list[OcrWord] = []
    for n, (x, y, text) in enumerate(lines):
        box = Box(x0=x, y0=y, x1=x + 9 * len(text), y1=y + 20)
        words.extend(split_line(text, box, 0.99, n))
    return build_page(index, 1600, height, words, text_source="pdf-text")


def _items(*pages: Spec) -> list[LineItem]:
    built = [_page(i, lines) for i, lines in enumerate(pages)]
    return RuleInvoiceExtractor().extract(built).line_items


def _amounts(items: list[LineItem]) -> list[Decimal]:
    return [item.value("amount") for item in items]


_HEADER: Spec = [
    (50, 100, "Pos"),
    (150, 100, "Beschreibung"),
    (700, 100, "Menge"),
    (900, 100, "Einzelpreis"),
    (1200, 100, "Betrag"),
]


def test_detail_rows_sum_rows_and_the_tax_table_are_not_items() -> None:
    items = _items(
        [
            (50, 20, "Rechnung Nr. 8812"),
            *_HEADER,
            (50, 140, "1"),
            (150, 140, "Trennblätter A4"),
            (700, 140, "20 Stk"),
            (900, 140, "9,90"),
            (1200, 140, "198,00"),
            (150, 165, "Bruttopreis: 9,90"),
            (150, 190, "Artikelnummer: TB100"),
            (50, 230, "2"),
            (150, 230, "Joghurt Banane"),
            (700, 230, "50 Stk"),
            (900, 230, "5,50"),
            (1200, 230, "275,00"),
            (150, 290, "Positionssumme"),
            (1200, 290, "473,00"),
            (50, 400, "Steuerart"),
            (400, 400, "Warenwert"),
            (700, 400, "Zu-/Abschlag"),
            (1000, 400, "Steuerbetrag"),
            (50, 440, "Umsatzsteuer"),
            (400, 440, "473,00"),
            (700, 440, "0,00"),
            (1000, 440, "89,87"),
            (700, 500, "Gesamtbetrag"),
            (1200, 500, "562,87"),
        ]
    )
    assert _amounts(items) == [Decimal("198.00"), Decimal("275.00")]
    assert [item.index for item in items] == [0, 1]


def test_a_position_number_in_the_middle_of_a_tall_cell_counts_once() -> None:
    items = _items(
        [
            *_HEADER,
            (150, 140, "Kunstrasen grün"),
            (700, 140, "3 m2"),
            (900, 140, "3,33"),
            (1200, 140, "10,00"),
            (150, 165, "Art-Nr: KR3M"),
            (50, 190, "1"),
            (150, 190, "Wir erlauben uns, die Lieferung 77 zu berechnen"),
            (150, 215, "Bruttopreis: 4,00"),
            (150, 260, "Schweinesteak"),
            (700, 260, "1 kg"),
            (900, 260, "5,50"),
            (1200, 260, "5,50"),
            (50, 300, "2"),
            (150, 300, "Bestellt wurden 5 kg"),
            (700, 400, "Gesamtbetrag"),
            (1200, 400, "15,50"),
        ]
    )
    assert _amounts(items) == [Decimal("10.00"), Decimal("5.50")]


def test_numbers_out_of_the_position_column_are_not_items() -> None:
    items = _items(
        [
            *_HEADER,
            (50, 140, "1"),
            (150, 140, "Support"),
            (700, 140, "1"),
            (900, 140, "60,00"),
            (1200, 140, "60,00"),
            (120, 180, "95"),
            (150, 180, "REMISE COMMERCIALE"),
            (1200, 180, "-5,00"),
            (50, 220, "2"),
            (150, 220, "Papier"),
            (700, 220, "3"),
            (900, 220, "10,00"),
            (1200, 220, "30,00"),
        ]
    )
    assert _amounts(items) == [Decimal("60.00"), Decimal("30.00")]


def test_items_continue_on_the_next_page_without_a_repeated_header() -> None:
    items = _items(
        [
            *_HEADER,
            (50, 140, "1"),
            (150, 140, "Schraube M4"),
            (700, 140, "100"),
            (900, 140, "0,10"),
            (1200, 140, "10,00"),
            (50, 180, "2"),
            (150, 180, "Mutter M4"),
            (700, 180, "100"),
            (900, 180, "0,05"),
            (1200, 180, "5,00"),
        ],
        [
            (50, 60, "3"),
            (150, 60, "Scheibe M4"),
            (700, 60, "100"),
            (900, 60, "0,02"),
            (1200, 60, "2,00"),
            (700, 140, "Gesamtbetrag"),
            (1200, 140, "17,00"),
            (50, 300, "Bankverbindung: Gebühren 4,00"),
        ],
    )
    assert _amounts(items) == [Decimal("10.00"), Decimal("5.00"), Decimal("2.00")]
    assert items[2].provenance is not None and items[2].provenance.page == 1


def test_a_table_ends_at_a_gap_far_taller_than_its_rows() -> None:
    items = _items(
        [
            (150, 100, "Description"),
            (700, 100, "Qty"),
            (1200, 100, "Amount"),
            (150, 140, "Consulting"),
            (700, 140, "2"),
            (1200, 140, "200.00"),
            (150, 170, "Travel"),
            (700, 170, "1"),
            (1200, 170, "50.00"),
            (150, 700, "Late fee after 30 days"),
            (1200, 700, "15.00"),
        ]
    )
    assert _amounts(items) == [Decimal("200.00"), Decimal("50.00")]


def test_an_unnumbered_table_keeps_rows_that_open_with_a_quantity() -> None:
    items = _items(
        [
            (150, 100, "Description"),
            (900, 100, "Price"),
            (1200, 100, "Amount"),
            (150, 140, "2 Small Business plan"),
            (900, 140, "10.00"),
            (1200, 140, "20.00"),
            (150, 170, "5 Extra seats"),
            (900, 170, "3.00"),
            (1200, 170, "15.00"),
        ]
    )
    assert _amounts(items) == [Decimal("20.00"), Decimal("15.00")]


def test_an_item_whose_position_number_was_lost_still_counts_when_it_adds_up() -> None:
    items = _items(
        [
            *_HEADER,
            (50, 140, "1"),
            (150, 140, "Schraube M4"),
            (700, 140, "100"),
            (900, 140, "0,10"),
            (1200, 140, "10,00"),
            (150, 180, "Mutter M4"),
            (700, 180, "50"),
            (900, 180, "0,05"),
            (1200, 180, "2,50"),
            (150, 210, "Rabatt 5 %"),
            (1200, 210, "-0,63"),
        ]
    )
    assert _amounts(items) == [Decimal("10.00"), Decimal("2.50")]


def test_an_unnumbered_row_filled_like_the_numbered_ones_counts() -> None:
    items = _items(
        [
            *_HEADER,
            (50, 140, "1"),
            (150, 140, "Hotel"),
            (700, 140, "1"),
            (900, 140, "158,88"),
            (1200, 140, "158,88"),
            (150, 180, "Taxi"),
            (700, 180, "1"),
            (900, 180, "2023,36"),
            (1200, 180, "23,36"),
            (50, 220, "3"),
            (150, 220, "Frühstück"),
            (700, 220, "1"),
            (900, 220, "11,76"),
            (1200, 220, "11,76"),
            (150, 260, "Rabatt"),
            (1200, 260, "-5,00"),
        ]
    )
    assert _amounts(items) == [Decimal("158.88"), Decimal("23.36"), Decimal("11.76")]


def test_a_stray_number_far_from_every_item_does_not_number_the_table() -> None:
    items = _items(
        [
            *_HEADER,
            (150, 140, "Toolbox Stahlcoil"),
            (700, 140, "10 Stk"),
            (1200, 140, "850,00"),
            (150, 180, "Ware bleibt bis zur vollständigen Bezahlung unser Eigentum."),
            (50, 400, "1.000"),
            (150, 400, "Abschlag 10 % von 1.000"),
        ]
    )
    assert _amounts(items) == [Decimal("850.00")]
