"""Importing supplier master data: check every row, upsert the valid ones, report the rest.

Shared by the API (`POST /v1/suppliers`, `POST /v1/suppliers/import`) and the command
line (`paperclerk suppliers import`). None of these functions commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from paperclerk.payables.store import upsert_suppliers
from paperclerk.payables.supplier import (
    Parsed,
    Rejected,
    SupplierIn,
    check_list,
    parse_csv,
)

CSV_ENCODINGS = ("utf-8-sig", "cp1252")
"""Encodings a CSV export is read in, in order (ERP exports on Windows are often cp1252)."""


@dataclass
class ImportReport:
    """What an import did: suppliers created and updated, and rows rejected with reasons."""

    created: int = 0
    updated: int = 0
    rejected: list[Rejected] = field(default_factory=list)


def decode_csv(data: bytes) -> str:
    """Return the text of a CSV export (UTF-8, else cp1252); raise ValueError otherwise."""
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("the CSV is neither UTF-8 nor Windows-1252 text")


def _store(session: Session, workspace_id: str, parsed: Parsed) -> ImportReport:
    done = upsert_suppliers(session, workspace_id, parsed.valid)
    return ImportReport(done.created, done.updated, parsed.rejected)


def import_csv(session: Session, workspace_id: str, text: str) -> ImportReport:
    """Import a supplier CSV into a workspace (upsert by supplier number).

    The valid rows are stored and the others reported with their line numbers and
    reasons, so one bad row does not hold back the master data. Raise
    `supplier.CsvFormatError` when the file has no usable header.
    """
    return _store(session, workspace_id, parse_csv(text))


def import_items(session: Session, workspace_id: str, items: list[Any]) -> ImportReport:
    """Import suppliers sent as JSON objects; a rejection's `line` is the item's index."""
    valid: list[SupplierIn] = []
    positions: list[int] = []
    rejected: list[Rejected] = []
    for index, item in enumerate(items):
        try:
            valid.append(SupplierIn.model_validate(item))
            positions.append(index)
        except ValidationError as exc:
            number = item.get("supplier_number") if isinstance(item, dict) else None
            reasons = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
            rejected.append(Rejected(index, number if isinstance(number, str) else None, reasons))
    parsed = check_list(valid)
    for r in parsed.rejected:
        rejected.append(Rejected(positions[r.line], r.supplier_number, r.reasons))
    rejected.sort(key=lambda r: r.line)
    return _store(session, workspace_id, Parsed(parsed.valid, rejected))
