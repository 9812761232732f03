"""Scoring a user type's extractor on a labelled folder (`paperclerk eval fields`)."""

from __future__ import annotations

import time
from collections.abc import Callable

from paperclerk.evaluation.scoring import Scoreboard
from paperclerk.learning.custom_fields import CustomFieldModel, LabelledDocument
from paperclerk.learning.field_spans import normalise_value


def evaluate_fields(
    model: CustomFieldModel,
    documents: list[LabelledDocument],
    on_progress: Callable[[str], None] | None = None,
) -> Scoreboard:
    """Read each document with the model and score every labelled value of its type.

    Values compare after normalising (`field_spans.normalise_value`): text with case,
    accents and spacing ignored, dates as calendar days, amounts to the cent. A label of a
    field the type does not have is not counted; one saying the field is absent (null) is
    not counted either (the scoreboard counts values expected).
    """
    board = Scoreboard()
    for doc in documents:
        start = time.perf_counter()
        read = model.extract(doc.pages).fields
        board.seconds.append(time.perf_counter() - start)
        board.docs += 1
        for name, value in doc.fields.items():
            spec = model.spec.field(name)
            expected = normalise_value(spec.value_type, value) if spec else None
            if spec is None or expected is None:
                continue
            found = read.get(name)
            predicted = None if found is None else str(found.value)
            same = predicted is not None and normalise_value(spec.value_type, predicted) == expected
            board.add(name, value, predicted, same, doc.id)
        if on_progress:
            on_progress(doc.id)
    return board
