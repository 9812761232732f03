"""Shared test helpers: paths, the shared data folder, and page builders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from paperclerk.engines.base import OcrWord
from paperclerk.model import Box, Page
from paperclerk.pages.layout import build_page, split_line

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLES = ROOT / "examples"

# Webhook tests deliver to receivers on loopback and register urls on `.example` hosts,
# which do not resolve: let them through, as an admin would (tests/service/
# test_webhook_targets.py checks the refusals with its own setting).
WEBHOOK_TEST_HOSTS = "127.0.0.1,erp.example,a.example,other.example,x.example"
os.environ.setdefault("PAPERCLERK_WEBHOOK_ALLOW_HOSTS", WEBHOOK_TEST_HOSTS)


def needs_shared(sub: str) -> pytest.MarkDecorator:
    """Skip a test with a clear reason when ../shared/data/<sub> is not beside the checkout."""
    return pytest.mark.skipif(
        not (SHARED / sub).exists(), reason=f"../shared/data/{sub} is absent (not part of the repo)"
    )


def page_from_lines(lines: list[tuple[float, float, str]], width: int = 500) -> Page:
    """Build a page from (x, y, text) lines, 20 px high, 9 px per character."""
    words: list[OcrWord] = []
    for n, (x, y, text) in enumerate(lines):
        box = Box(x0=x, y0=y, x1=x + 9 * len(text), y1=y + 20)
        words.extend(split_line(text, box, 0.99, n))
    height = int(max((y for _, y, _ in lines), default=0) + 40)
    return build_page(0, width, height, words)
