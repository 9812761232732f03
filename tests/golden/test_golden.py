"""Golden tests: each example document beside the JSON it must produce (invoice2data style).

Only the stable parts are compared: document type, field values, line-item count and values.
After a deliberate change, rewrite the expected files with
`PAPERCLERK_UPDATE_GOLDEN=1 pytest tests/golden` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from paperclerk.model import Document
from paperclerk.pipeline.run import process_path
from tests.conftest import EXAMPLES

GOLDEN = Path(__file__).parent
CASES = sorted(p for p in EXAMPLES.iterdir() if p.suffix.lower() in {".pdf", ".png", ".jpg"})


def summarise(doc: Document) -> dict[str, Any]:
    """Return the parts of a document that golden files pin down."""
    return {
        "doc_type": doc.doc_type.value,
        "fields": {name: str(f.value) for name, f in sorted(doc.fields.items())},
        "line_items": [
            {name: str(cell.value) for name, cell in sorted(item.fields.items())}
            for item in doc.line_items
        ],
        "text_source": [p.text_source for p in doc.pages],
        "cropped": [p.cropped for p in doc.pages],
    }


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_golden(path: Path) -> None:
    expected_path = GOLDEN / f"{path.name}.json"
    actual = summarise(process_path(path))
    if os.environ.get("PAPERCLERK_UPDATE_GOLDEN") or not expected_path.exists():
        expected_path.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n")
        if not os.environ.get("PAPERCLERK_UPDATE_GOLDEN"):
            pytest.fail(f"wrote missing golden file {expected_path.name}; review and commit it")
    expected = json.loads(expected_path.read_text())
    assert actual == expected
