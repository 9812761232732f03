"""The machine readable zone layouts of ICAO Doc 9303: where each field sits and what checks it.

Positions are 0-based, end-exclusive slices of one MRZ line, transcribed from Doc 9303
part 4 (TD3 passports), part 5 (TD1 cards), part 6 (TD2) and part 7 (visas MRV-A and
MRV-B). Each field has a character class, so that an OCR look-alike can be put right by
position (a digit where only letters may stand), and the check digit that covers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class MrzFormat(StrEnum):
    """The five MRZ formats of Doc 9303."""

    TD1 = "TD1"
    TD2 = "TD2"
    TD3 = "TD3"
    MRVA = "MRVA"
    MRVB = "MRVB"


class CharClass(StrEnum):
    """What may stand at a position: letters, digits, either, or the sex code."""

    ALPHA = "alpha"
    DIGIT = "digit"
    ALNUM = "alnum"
    SEX = "sex"


@dataclass(frozen=True)
class FieldSpec:
    """One field of an MRZ: line, slice, character class and the check digit that covers it."""

    name: str
    line: int
    start: int
    end: int
    kind: CharClass
    check: int | None = None
    """Position (on the same line) of the field's own check digit, if it has one."""


@dataclass(frozen=True)
class Layout:
    """An MRZ format: line count and length, its fields and the composite check digit."""

    format: MrzFormat
    lines: int
    length: int
    fields: tuple[FieldSpec, ...]
    composite: tuple[tuple[int, int, int], ...] = ()
    """(line, start, end) spans the composite check digit covers, in order."""
    composite_at: tuple[int, int] | None = None
    """(line, position) of the composite check digit."""

    def field(self, name: str) -> FieldSpec:
        """Return the spec of a named field."""
        return next(f for f in self.fields if f.name == name)

    def check_positions(self) -> set[tuple[int, int]]:
        """Return the (line, position) of every check digit."""
        spots = {(f.line, f.check) for f in self.fields if f.check is not None}
        return spots | ({self.composite_at} if self.composite_at else set())


A, D, X, S = CharClass.ALPHA, CharClass.DIGIT, CharClass.ALNUM, CharClass.SEX


def _two_line(fmt: MrzFormat, length: int, *, visa: bool) -> Layout:
    """TD2, TD3 and both visas share the head of the second line and differ in its tail."""
    fields = [
        FieldSpec("document_code", 0, 0, 2, A),
        FieldSpec("issuing_state", 0, 2, 5, A),
        FieldSpec("names", 0, 5, length, A),
        FieldSpec("document_number", 1, 0, 9, X, check=9),
        FieldSpec("nationality", 1, 10, 13, A),
        FieldSpec("birth_date", 1, 13, 19, D, check=19),
        FieldSpec("sex", 1, 20, 21, S),
        FieldSpec("expiry_date", 1, 21, 27, D, check=27),
    ]
    if visa:
        fields.append(FieldSpec("optional_data", 1, 28, length, X))
        return Layout(fmt, 2, length, tuple(fields))
    if fmt == MrzFormat.TD3:
        fields.append(FieldSpec("optional_data", 1, 28, 42, X, check=42))
    else:
        fields.append(FieldSpec("optional_data", 1, 28, length - 1, X))
    spans = ((1, 0, 10), (1, 13, 20), (1, 21, length - 1))
    return Layout(fmt, 2, length, tuple(fields), spans, (1, length - 1))


LAYOUTS: dict[MrzFormat, Layout] = {
    MrzFormat.TD3: _two_line(MrzFormat.TD3, 44, visa=False),
    MrzFormat.TD2: _two_line(MrzFormat.TD2, 36, visa=False),
    MrzFormat.MRVA: _two_line(MrzFormat.MRVA, 44, visa=True),
    MrzFormat.MRVB: _two_line(MrzFormat.MRVB, 36, visa=True),
    MrzFormat.TD1: Layout(
        MrzFormat.TD1,
        3,
        30,
        (
            FieldSpec("document_code", 0, 0, 2, A),
            FieldSpec("issuing_state", 0, 2, 5, A),
            FieldSpec("document_number", 0, 5, 14, X, check=14),
            FieldSpec("optional_data", 0, 15, 30, X),
            FieldSpec("birth_date", 1, 0, 6, D, check=6),
            FieldSpec("sex", 1, 7, 8, S),
            FieldSpec("expiry_date", 1, 8, 14, D, check=14),
            FieldSpec("nationality", 1, 15, 18, A),
            FieldSpec("optional_data_2", 1, 18, 29, X),
            FieldSpec("names", 2, 0, 30, A),
        ),
        ((0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29)),
        (1, 29),
    ),
}


def layout_for(line_count: int, length: int, first_char: str) -> Layout | None:
    """Return the layout of an MRZ by its shape, or None when no format has that shape.

    Two 44-character lines are a passport (TD3) unless the document code starts with V
    (visa MRV-A); two of 36 are TD2 unless V (MRV-B); three of 30 are TD1.
    """
    visa = first_char == "V"
    if line_count == 3 and length == 30:
        return LAYOUTS[MrzFormat.TD1]
    if line_count == 2 and length == 44:
        return LAYOUTS[MrzFormat.MRVA if visa else MrzFormat.TD3]
    if line_count == 2 and length == 36:
        return LAYOUTS[MrzFormat.MRVB if visa else MrzFormat.TD2]
    return None


def shapes() -> list[tuple[int, int]]:
    """Return the (line count, line length) of every format, longest lines first."""
    return [(2, 44), (2, 36), (3, 30)]


_VALUES = {str(d): d for d in range(10)} | {chr(ord("A") + i): 10 + i for i in range(26)}


def check_digit(text: str) -> str:
    """Return the Doc 9303 check digit of a string: weights 7, 3, 1; '<' counts 0, A-Z 10-35."""
    total = sum(_VALUES.get(c, 0) * (7, 3, 1)[i % 3] for i, c in enumerate(text))
    return str(total % 10)
