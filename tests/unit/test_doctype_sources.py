"""Sources of the document-type corpus that need no ../shared: text sources, synthetic invoices."""

from __future__ import annotations

from paperclerk.datasets.other_docs import roff_to_text, text_chunks, wrap_lines
from paperclerk.datasets.synthetic_invoices import INVOICE_LANGS, synthetic_invoices


def test_roff_to_text_keeps_words_and_drops_requests() -> None:
    roff = "\n".join(
        [
            '.\\" a comment',
            '.TH TOOL 1 "2024"',
            ".SH NAME",
            "tool \\- does \\fBthings\\fR well",
            ".B --verbose",
            ".PP",
            "More text.",
        ]
    )
    text = roff_to_text(roff)
    assert "NAME" in text and "tool - does things well" in text
    assert "--verbose" in text and "More text." in text
    assert "comment" not in text and ".TH" not in text and "\\f" not in text


def test_text_chunks_cut_pages_and_skip_empty_ones() -> None:
    text = "\n".join(f"line {n} of some words" for n in range(150))
    chunks = text_chunks(text, limit=5)
    assert [len(c.splitlines()) for c in chunks] == [60, 60, 30]
    assert text_chunks("12 34\n56 78\n" * 20) == []
    assert text_chunks("12 34\n56 78\n" * 20, min_letter_lines=0)
    assert max(len(line) for line in wrap_lines("word " * 100, 40)) <= 40


def test_synthetic_invoices_cover_four_languages_deterministically() -> None:
    first = list(synthetic_invoices(8, seed=3))
    again = list(synthetic_invoices(8, seed=3))
    assert [p[0].text for p, _ in first] == [p[0].text for p, _ in again]
    assert [lang for _, lang in first] == list(INVOICE_LANGS) * 2
    text = {lang: pages[0].text.lower() for pages, lang in first}
    assert "factuur" in text["nl"] and "btw" in text["nl"]
    assert "factur" in text["fr"]
    assert "rechnung" in text["de"]
    assert "invoice" in text["en"]
