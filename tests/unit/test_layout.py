from paperclerk.engines.base import OcrWord
from paperclerk.model import Box
from paperclerk.pages.layout import build_page, normalise_text, order_lines
from tests.conftest import page_from_lines


def test_nfkc_and_whitespace() -> None:
    assert normalise_text("ＴＯＴＡＬ\u00a0  RM ９.００ ") == "TOTAL RM 9.00"
    assert normalise_text("ﬁle") == "file"


def test_reading_order_rows_then_columns() -> None:
    boxes = [
        Box(x0=300, y0=100, x1=380, y1=120),  # right column of row 2
        Box(x0=10, y0=10, x1=200, y1=30),  # row 1
        Box(x0=10, y0=102, x1=120, y1=121),  # left column of row 2
    ]
    assert order_lines(boxes) == [1, 2, 0]


def test_build_page_ids_and_lines() -> None:
    words = [
        OcrWord("TOTAL", Box(x0=10, y0=100, x1=60, y1=120), 0.9, 1),
        OcrWord("9.00", Box(x0=300, y0=101, x1=340, y1=121), 0.8, 2),
        OcrWord("SHOP", Box(x0=10, y0=10, x1=60, y1=30), 0.95, 0),
    ]
    page = build_page(0, 400, 200, words)
    assert [ln.text for ln in page.lines] == ["SHOP", "TOTAL", "9.00"]
    assert page.words[0].id == "p0-w0" and page.words[0].text == "SHOP"
    assert all(0 <= w.norm_box.x1 <= 1 for w in page.words)


def test_page_from_lines_helper() -> None:
    page = page_from_lines([(10, 10, "HELLO WORLD")])
    assert page.lines[0].text == "HELLO WORLD"
    assert len(page.words) == 2
