"""How far an invoice may differ from its purchase order before a person looks, per workspace.

A unit price may differ from the ordered one by `price_rate` of it or by `price_abs`,
whichever is larger (2 % or 0.01 by default: rounding of cheap items); the invoiced
quantity (with what earlier invoices billed) may exceed the ordered, or the received,
quantity by `quantity_rate` of it (nothing by default; some trades accept a few per cent
of over-delivery). A workspace without its own tolerances uses the defaults. None of these
functions commits.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from paperclerk.storage.columns import utcnow
from paperclerk.storage.tables import PayablesTolerancesRow


class Tolerances(BaseModel):
    """Purchase order match tolerances (shares are fractions: 0.02 = 2 %)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    price_rate: Decimal = Field(
        Decimal("0.02"), ge=0, le=1, description="Share of the ordered unit price."
    )
    price_abs: Decimal = Field(
        Decimal("0.01"), ge=0, le=Decimal("1000000"), description="Amount per unit."
    )
    quantity_rate: Decimal = Field(
        Decimal(0), ge=0, le=1, description="Share of the ordered or received quantity."
    )

    def price_ok(self, invoiced: Decimal, ordered: Decimal) -> bool:
        """Whether an invoiced unit price is within the tolerance of the ordered one."""
        allowed = max(abs(ordered) * self.price_rate, self.price_abs)
        return abs(invoiced - ordered) <= allowed

    def quantity_ok(self, billed: Decimal, limit: Decimal) -> bool:
        """Whether a billed quantity stays within the ordered or received `limit`."""
        return billed <= limit * (1 + self.quantity_rate)

    def describe_price(self) -> str:
        """Return the price tolerance in words for a finding (`2 % or 0.01`)."""
        return f"{_percent(self.price_rate)} or {self.price_abs.normalize():f}"

    def describe_quantity(self) -> str:
        """Return the quantity tolerance in words (empty when there is none)."""
        return f" (+{_percent(self.quantity_rate)} allowed)" if self.quantity_rate else ""


DEFAULT = Tolerances()


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f} %"


def workspace_tolerances(session: Session, workspace_id: str) -> Tolerances:
    """Return the workspace's tolerances, or the defaults when it set none."""
    row = session.get(PayablesTolerancesRow, workspace_id)
    if row is None:
        return DEFAULT
    return Tolerances(
        price_rate=row.price_rate, price_abs=row.price_abs, quantity_rate=row.quantity_rate
    )


def set_tolerances(
    session: Session, workspace_id: str, tolerances: Tolerances, updated_by: str | None
) -> None:
    """Store the workspace's tolerances (replacing any), with who set them and when."""
    row = session.get(PayablesTolerancesRow, workspace_id, with_for_update=True)
    if row is None:
        row = PayablesTolerancesRow(workspace_id=workspace_id)
        session.add(row)
    row.price_rate = tolerances.price_rate
    row.price_abs = tolerances.price_abs
    row.quantity_rate = tolerances.quantity_rate
    row.updated_at = utcnow()
    row.updated_by = updated_by
