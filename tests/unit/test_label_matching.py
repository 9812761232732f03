"""Label matching: what counts as a label on a line and what does not."""

from __future__ import annotations

from paperclerk.engines.base import OcrWord
from paperclerk.extract.common import DocIndex, match_score
from paperclerk.extract.invoice_labels import invoice_labels
from paperclerk.model import Box, Page
from paperclerk.pages.layout import build_page


def test_a_dropped_word_or_a_five_letter_slip_is_no_match() -> None:
    assert match_score(["adresse"], ["adresse", "a"]) is None  # "Adresse de" is not "Adressé à"
    assert match_score(["payet"], ["payee"]) is None  # a surname, not the label "Payee"
    assert match_score(["rechnungs", "nummer"], ["rechnungsnummer"]) is not None  # OCR split
    assert match_score(["rechnungsnumer"], ["rechnungsnummer"]) is not None  # OCR slip


def page_of(*texts: str) -> Page:
    words, y = [], 20.0
    for row, text in enumerate(texts):
        x = 10.0
        for token in text.split():
            box = Box(x0=x, y0=y, x1=x + 9 * len(token), y1=y + 12)
            words.append(OcrWord(token, box, 1.0, row))
            x += 9 * len(token) + 6
        y += 20
    return build_page(0, 800, 1000, words)


def test_a_label_in_brackets_qualifies_the_one_before_it() -> None:
    index = DocIndex([page_of("Nettobetrag (zzgl. 19,00% MwSt.) 376,37")])
    hits = index.find_labels(invoice_labels())
    assert [h.label.text for h in hits] == ["Nettobetrag"]


def test_a_placeholder_in_square_brackets_holds_no_label() -> None:
    """`[Seller name]` is a template's value printed where the name goes, not a label."""
    index = DocIndex([page_of("[Seller name]", "Seller name: ACME GmbH")])
    hits = index.find_labels(invoice_labels())
    assert [h.line.text for h in hits] == ["Seller name: ACME GmbH"]
