"""Write a machine readable zone from its fields, check digits computed (Doc 9303).

The inverse of `parsers.mrz.parse_mrz`: synthetic identity documents and the property
tests build MRZs with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from paperclerk.parsers.mrz_formats import LAYOUTS, MrzFormat, check_digit


@dataclass(frozen=True)
class MrzFields:
    """The fields of an MRZ as they are written into it (dates as YYMMDD)."""

    document_code: str
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth_date: str
    sex: str
    expiry_date: str
    optional_data: str = ""


def _pad(text: str, width: int) -> str:
    return (text + "<" * width)[:width]


def name_field(surname: str, given_names: str, width: int) -> str:
    """Write the holder's names: surname, `<<`, given names with `<` for spaces, padded."""
    primary = surname.replace(" ", "<")
    secondary = given_names.replace(" ", "<")
    return _pad(f"{primary}<<{secondary}" if secondary else primary, width)


def build_mrz(fmt: MrzFormat, f: MrzFields) -> list[str]:
    """Return the lines of an MRZ of format `fmt`, every check digit computed."""
    layout = LAYOUTS[fmt]
    length = layout.length
    code = _pad(f.document_code, 2)
    number = _pad(f.document_number, 9)
    if fmt == MrzFormat.TD1:
        line1 = code + _pad(f.issuing_state, 3) + number + check_digit(number)
        line1 = _pad(line1 + f.optional_data, 30)
        line2 = f.birth_date + check_digit(f.birth_date) + f.sex + f.expiry_date
        line2 = _pad(line2 + check_digit(f.expiry_date) + _pad(f.nationality, 3), 29)
        composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
        line2 += check_digit(composite)
        return [line1, line2, name_field(f.surname, f.given_names, 30)]
    line1 = code + _pad(f.issuing_state, 3) + name_field(f.surname, f.given_names, length - 5)
    head = (
        number
        + check_digit(number)
        + _pad(f.nationality, 3)
        + f.birth_date
        + check_digit(f.birth_date)
        + f.sex
        + f.expiry_date
        + check_digit(f.expiry_date)
    )
    if fmt in (MrzFormat.MRVA, MrzFormat.MRVB):
        return [line1, _pad(head + f.optional_data, length)]
    if fmt == MrzFormat.TD3:
        optional = _pad(f.optional_data, 14)
        head += optional + check_digit(optional)
    else:
        head += _pad(f.optional_data, 7)
    composite = head[0:10] + head[13:20] + head[21:]
    return [line1, head + check_digit(composite)]
