"""Scoring a user type's extractor on a labelled folder (`paperclerk eval fields`)."""

from __future__ import annotations

import time
from collections.abc import Callable

from paperclerk.evaluation.scoring import Scoreboard
from paperclerk.learning.custom_fields import CustomFieldModel, LabelledDocument
from paperclerk.learning.custom_training import compare


def evaluate_fields(
    model: CustomFieldModel,
    documents: list[LabelledDocument],
    on_progress: Callable[[str], None] | None = None,
) -> Scoreboard:
    """Read each document with the model and score every labelled value of its type.

    Values compare as `custom_training.compare` pairs them: normalised (text with case,
    accents and spacing ignored, dates as calendar days, amounts to the cent); a label of a
    field the type does not have, or saying the field is absent (null), is not counted
    (the scoreboard counts values expected).
    """
    board = Scoreboard()
    for doc in documents:
        start = time.perf_counter()
        read = model.extract(doc.pages)
        board.seconds.append(time.perf_counter() - start)
        board.docs += 1
        for c in compare(model, doc, read):
            board.add(c.field, c.expected, c.predicted, c.right, doc.id)
        if on_progress:
            on_progress(doc.id)
    return board
