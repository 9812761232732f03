"""A folder of documents with label files: `<id>.pdf` (or an image) beside `<id>.labels.json`.

A label file says the values a person reads on the document, as printed:
`{"fields": {"buyer_name": "LE CLIENT", "order_reference": "PO201925478"}}`; a value of
null says the field is absent from that document. Boxes may be given (`"boxes"`) but are
not needed: the trainer finds each value on the page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from paperclerk.errors import InputError

LABELS_SUFFIX = ".labels.json"
DOCUMENT_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp")


class LabelFileError(InputError):
    """A label file that is not `{"fields": {name: value or null}}`."""

    code = "invalid_labels"


@dataclass(frozen=True)
class LabelledFile:
    """One document of a labelled folder: its id, file and the values a person gave."""

    id: str
    path: Path
    fields: dict[str, str | None]


def read_labels(path: Path) -> dict[str, str | None]:
    """Read one label file; a file of another shape is a `LabelFileError` naming it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LabelFileError(f"{path.name}: not readable JSON ({exc})") from None
    fields = data.get("fields") if isinstance(data, dict) else None
    if not isinstance(fields, dict):
        raise LabelFileError(f'{path.name}: expected {{"fields": {{name: value}}}}')
    out: dict[str, str | None] = {}
    for name, value in fields.items():
        if value is not None and not isinstance(value, str | int | float):
            raise LabelFileError(f"{path.name}: the value of {name!r} is not text")
        out[str(name)] = None if value is None else str(value)
    return out


def labelled_files(root: Path) -> list[LabelledFile]:
    """Return every document of a folder that has a label file, sorted by id.

    A label file without a document beside it is an `InputError` naming it.
    """
    if not root.is_dir():
        raise InputError(f"{root} is not a folder")
    out = []
    for labels in sorted(root.glob(f"*{LABELS_SUFFIX}")):
        doc_id = labels.name[: -len(LABELS_SUFFIX)]
        found = [
            root / f"{doc_id}{s}" for s in DOCUMENT_SUFFIXES if (root / f"{doc_id}{s}").exists()
        ]
        if not found:
            raise InputError(f"{labels.name} has no document beside it ({doc_id}.pdf, .png …)")
        out.append(LabelledFile(doc_id, found[0], read_labels(labels)))
    return out


def field_names(files: list[LabelledFile]) -> list[str]:
    """Return the fields the label files name, in the order first seen."""
    return list(dict.fromkeys(name for f in files for name in f.fields))
