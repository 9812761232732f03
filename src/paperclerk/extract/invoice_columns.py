"""Split text lines that run across two columns of a page.

A PDF text layer (and some OCR engines) joins words at the same height into one line even
when a wide blank separates them: the seller's address block on the left and the buyer's
on the right come out as ``LE FOURNISSEUR Buyer contact name``.  Party names, labels and
values are then read from the wrong mixture.  Before an invoice is read, such lines are
cut at every gap wider than a few line heights, so each column keeps its own lines.
"""

from __future__ import annotations

import itertools

from paperclerk.model import Line, Page, Word, union_all

GAP_HEIGHTS = 3.0
"""A blank wider than this many line heights between two words separates two columns."""


def _pieces(words: list[Word], height: float) -> list[list[Word]]:
    """Group a line's words (left to right) into runs separated by wide blanks."""
    runs: list[list[Word]] = [[words[0]]]
    for prev, word in itertools.pairwise(words):
        if word.box.x0 - prev.box.x1 > GAP_HEIGHTS * height:
            runs.append([word])
        else:
            runs[-1].append(word)
    return runs


def split_columns(page: Page) -> Page:
    """Return a copy of the page whose lines never bridge a blank of several line heights.

    Word ids are kept (provenance stays valid); a cut line's pieces get ids ``<id>~<n>``
    and their words point to them.  A page with nothing to cut is returned as it is.
    """
    by_id = {w.id: w for w in page.words}
    new_lines: list[Line] = []
    moved: dict[str, str] = {}
    changed = False
    for line in page.lines:
        words = sorted((by_id[i] for i in line.word_ids if i in by_id), key=lambda w: w.box.x0)
        if len(words) < 2:
            new_lines.append(line)
            continue
        runs = _pieces(words, max(line.box.height, 1.0))
        if len(runs) == 1:
            new_lines.append(line)
            continue
        changed = True
        for n, run in enumerate(runs):
            box = union_all([w.box for w in run])
            assert box is not None
            piece_id = f"{line.id}~{n}"
            new_lines.append(
                Line(
                    id=piece_id,
                    text=" ".join(w.text for w in run),
                    box=box,
                    word_ids=[w.id for w in run],
                    confidence=line.confidence,
                )
            )
            moved |= {w.id: piece_id for w in run}
    if not changed:
        return page
    words_out = [
        w.model_copy(update={"line_id": moved[w.id]}) if w.id in moved else w for w in page.words
    ]
    return page.model_copy(update={"lines": new_lines, "words": words_out})
