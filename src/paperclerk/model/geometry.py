"""Boxes on a page, in pixels and normalised to the page size."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Box(BaseModel):
    """An axis-aligned rectangle in page pixels (x0, y0 top-left; x1, y1 bottom-right)."""

    model_config = ConfigDict(frozen=True)

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        """Width in pixels."""
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        """Height in pixels."""
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        """Horizontal centre."""
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        """Vertical centre."""
        return (self.y0 + self.y1) / 2

    def union(self, other: Box) -> Box:
        """Return the smallest box that holds both boxes."""
        return Box(
            x0=min(self.x0, other.x0),
            y0=min(self.y0, other.y0),
            x1=max(self.x1, other.x1),
            y1=max(self.y1, other.y1),
        )

    def normalised(self, width: float, height: float) -> NormBox:
        """Return this box scaled to 0..1 of a page of the given size."""
        w = width or 1.0
        h = height or 1.0

        def clamp(v: float) -> float:
            return round(min(1.0, max(0.0, v)), 5)

        return NormBox(
            x0=clamp(self.x0 / w),
            y0=clamp(self.y0 / h),
            x1=clamp(self.x1 / w),
            y1=clamp(self.y1 / h),
        )

    @classmethod
    def around(cls, points: list[tuple[float, float]] | list[list[float]]) -> Box:
        """Return the bounding box of a polygon given as points."""
        xs = [float(p[0]) for p in points]
        ys = [float(p[1]) for p in points]
        return cls(x0=min(xs), y0=min(ys), x1=max(xs), y1=max(ys))


class NormBox(BaseModel):
    """A box in page-relative coordinates, each value in 0..1."""

    model_config = ConfigDict(frozen=True)

    x0: float = Field(ge=0.0, le=1.0)
    y0: float = Field(ge=0.0, le=1.0)
    x1: float = Field(ge=0.0, le=1.0)
    y1: float = Field(ge=0.0, le=1.0)


def union_all(boxes: list[Box]) -> Box | None:
    """Return the union of several boxes, or None for an empty list."""
    if not boxes:
        return None
    out = boxes[0]
    for b in boxes[1:]:
        out = out.union(b)
    return out
