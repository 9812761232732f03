"""Suppliers in the app database, per workspace (none of these functions commits).

Another workspace's supplier is not found, exactly like one that does not exist.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from paperclerk.errors import PaperclerkError
from paperclerk.payables.supplier import SupplierIn
from paperclerk.storage.columns import utcnow
from paperclerk.storage.documents import decode_cursor, encode_cursor
from paperclerk.storage.tables import SupplierRow

MAX_PAGE = 200
_ID = re.compile(r"[0-9a-f]{32}")


class SupplierNotFoundError(PaperclerkError):
    """No supplier with this id in the workspace."""

    code = "not_found"
    exit_code = 2
    http_status = 404


@dataclass(frozen=True)
class Upserted:
    """How many suppliers an import created and how many it updated."""

    created: int
    updated: int


def upsert_suppliers(
    session: Session, workspace_id: str, suppliers: Sequence[SupplierIn]
) -> Upserted:
    """Create or update suppliers by their ERP number (already normalised and validated).

    An update replaces every attribute, IBANs included: the ERP's master data is the
    truth, so an IBAN it no longer lists stops being a known one.
    """
    numbers = [s.supplier_number for s in suppliers]
    existing: dict[str, SupplierRow] = {}
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        rows = session.scalars(
            select(SupplierRow).where(
                SupplierRow.workspace_id == workspace_id, SupplierRow.supplier_number.in_(chunk)
            )
        )
        existing.update({r.supplier_number: r for r in rows})
    created = updated = 0
    now = utcnow()
    for s in suppliers:
        values = s.model_dump(exclude={"supplier_number"})
        row = existing.get(s.supplier_number)
        if row is None:
            row = SupplierRow(
                workspace_id=workspace_id,
                supplier_number=s.supplier_number,
                created_at=now,
                updated_at=now,
                **values,
            )
            session.add(row)
            existing[s.supplier_number] = row
            created += 1
        else:
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = now
            updated += 1
    session.flush()
    return Upserted(created, updated)


def get_supplier(session: Session, workspace_id: str, supplier_id: str) -> SupplierRow:
    """Return a supplier of the workspace or raise SupplierNotFoundError."""
    if not _ID.fullmatch(supplier_id):
        raise SupplierNotFoundError(f"no supplier {supplier_id!r}")
    row = session.scalars(
        select(SupplierRow).where(
            SupplierRow.id == supplier_id, SupplierRow.workspace_id == workspace_id
        )
    ).first()
    if row is None:
        raise SupplierNotFoundError(f"no supplier {supplier_id}")
    return row


def workspace_suppliers(session: Session, workspace_id: str) -> list[SupplierRow]:
    """Return every supplier of a workspace, by ERP number (what matching searches)."""
    return list(
        session.scalars(
            select(SupplierRow)
            .where(SupplierRow.workspace_id == workspace_id)
            .order_by(SupplierRow.supplier_number)
        )
    )


@dataclass(frozen=True)
class SupplierPage:
    """One page of a supplier listing and the cursor of the next page (None at the end)."""

    items: list[SupplierRow]
    next_cursor: str | None


def list_suppliers(
    session: Session, workspace_id: str, *, limit: int = 50, cursor: str | None = None
) -> SupplierPage:
    """Return a workspace's suppliers newest first, a page at a time (keyset pagination)."""
    stmt = select(SupplierRow).where(SupplierRow.workspace_id == workspace_id)
    if cursor is not None:
        created_at, supplier_id = decode_cursor(cursor)
        stmt = stmt.where(
            or_(
                SupplierRow.created_at < created_at,
                and_(SupplierRow.created_at == created_at, SupplierRow.id < supplier_id),
            )
        )
    limit = max(1, min(limit, MAX_PAGE))
    stmt = stmt.order_by(SupplierRow.created_at.desc(), SupplierRow.id.desc()).limit(limit + 1)
    rows = list(session.scalars(stmt))
    if len(rows) <= limit:
        return SupplierPage(rows, None)
    last = rows[limit - 1]
    return SupplierPage(rows[:limit], encode_cursor(last.created_at, last.id))
