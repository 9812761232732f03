"""Parse and verify a machine readable zone (ICAO Doc 9303), repairing OCR look-alikes.

`parse_mrz` takes the lines as OCR read them and returns an `Mrz`: the format, the fields,
every check digit with its outcome, and each character it changed with the reason. It
changes a character only:

- by position, where the layout allows one class and OCR gave a look-alike of the other
  (`0` in a name is `O`, `O` in a date is `0`): a digit can never stand in a name;
- by check digit, where a field that may hold letters and digits fails its check and
  exactly one reading with look-alikes swapped (`O`/`0`, `I`/`1`, `S`/`5`, `B`/`8`,
  `Z`/`2`, `G`/`6`) passes it and the composite check: the check digits confirm it.

It never invents a character no reading supports, so a record whose printed check digits
are wrong stays invalid. Lines of the wrong length (OCR often drops or doubles a `<`
filler) are fitted to the format by growing or shrinking their runs of fillers, choosing
the fit the check digits agree with.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from paperclerk.parsers.mrz_countries import known_state, repair_state
from paperclerk.parsers.mrz_formats import (
    CharClass,
    FieldSpec,
    Layout,
    MrzFormat,
    check_digit,
    layout_for,
    shapes,
)

TO_LETTER = {"0": "O", "1": "I", "2": "Z", "5": "S", "8": "B", "6": "G", "4": "A"}
TO_DIGIT = {
    "O": "0",
    "D": "0",
    "Q": "0",
    "U": "0",
    "I": "1",
    "L": "1",
    "Z": "2",
    "S": "5",
    "B": "8",
    "G": "6",
    "T": "7",
    "A": "4",
}
SWAPS = {
    "0": "OD",
    "O": "0",
    "D": "0",
    "1": "I",
    "I": "1",
    "5": "S",
    "S": "5",
    "8": "B",
    "B": "8",
    "2": "Z",
    "Z": "2",
    "6": "G",
    "G": "6",
}
"""Look-alikes a character may be swapped for where only a check digit can tell them apart."""
FILLER_LOOKALIKES = re.compile(r"[‹<〈＜(\[{£€ヘくへ√∠]")
SEXES = {"M", "F", "X", "<"}
COUNTRY_QUIRKS = {"D": "DEU"}
"""Codes Doc 9303 lets a state print short: Germany prints `D<<` for DEU."""

MAX_FIT = 4
"""Fillers added to or taken from a line at most to give it its format's length."""
MAX_SWAPS = 2
"""Look-alikes changed at most per field on the word of the check digits."""


@dataclass(frozen=True)
class Repair:
    """One character changed from what OCR read, and why."""

    line: int
    position: int
    read: str
    fixed: str
    why: str
    """`position` (class of the layout), `check_digit` (confirmed by the field's check),
    `state_code` (the only known state code one look-alike letter away) or
    `second_reading` (another reading of the line saw it where this one saw no valid code)."""


@dataclass(frozen=True)
class Check:
    """One check digit: the field it covers, the digit printed and the one computed."""

    name: str
    printed: str
    computed: str

    @property
    def passed(self) -> bool:
        """Whether the printed digit is the computed one."""
        return self.printed == self.computed


@dataclass
class Mrz:
    """A parsed machine readable zone with its checks and repairs."""

    format: MrzFormat
    lines: list[str]
    read: list[str]
    fields: dict[str, str]
    checks: list[Check]
    repairs: list[Repair] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """Whether every check digit holds."""
        return all(c.passed for c in self.checks)

    @property
    def text(self) -> str:
        """The lines joined by newlines, as ground truth files write an MRZ."""
        return "\n".join(self.lines)

    def failed_checks(self) -> list[str]:
        """Return the names of the check digits that fail."""
        return [c.name for c in self.checks if not c.passed]

    @property
    def surname(self) -> str:
        """The primary identifier, fillers as spaces."""
        return _names(self.fields["names"])[0]

    @property
    def given_names(self) -> str:
        """The secondary identifier, fillers as spaces."""
        return _names(self.fields["names"])[1]

    @property
    def document_number(self) -> str:
        """The document number, including the part a TD1 or TD2 carries in optional data."""
        return self.fields["document_number"]

    @property
    def issuing_state(self) -> str:
        """The issuing state as alpha-3 (Germany's `D` read as `DEU`)."""
        return _state(self.fields["issuing_state"])

    @property
    def nationality(self) -> str:
        """The holder's nationality as alpha-3 (Germany's `D` read as `DEU`)."""
        return _state(self.fields["nationality"])

    @property
    def sex(self) -> str:
        """`M`, `F`, `X` or `<` (unspecified)."""
        return self.fields["sex"]

    @property
    def document_code(self) -> str:
        """The document code, fillers dropped (`P`, `ID`, `V`, `I`…)."""
        return self.fields["document_code"].replace("<", "")

    @property
    def personal_number(self) -> str:
        """Optional data of the holder (TD3 personal number; TD1/TD2 optional data)."""
        parts = [self.fields.get("optional_data", ""), self.fields.get("optional_data_2", "")]
        return " ".join(p.strip("<").replace("<", " ") for p in parts if p.strip("<"))

    def birth_date(self, today: dt.date | None = None) -> dt.date | None:
        """Return the birth date; a two-digit year is the latest century not in the future."""
        return mrz_date(self.fields["birth_date"], today or dt.date.today(), future=False)

    def expiry_date(self, today: dt.date | None = None) -> dt.date | None:
        """Return the expiry date; a two-digit year is 20YY unless over 50 years away."""
        return mrz_date(self.fields["expiry_date"], today or dt.date.today(), future=True)


def _state(code: str) -> str:
    code = code.replace("<", "")
    return COUNTRY_QUIRKS.get(code, code)


def _names(raw: str) -> tuple[str, str]:
    """Split the name field into primary and secondary identifiers (fillers as spaces)."""
    body = raw.rstrip("<")
    primary, _, secondary = body.partition("<<")
    clean = [re.sub(r"<+", " ", p).strip() for p in (primary, secondary)]
    return clean[0], clean[1]


def mrz_date(raw: str, today: dt.date, *, future: bool) -> dt.date | None:
    """Read YYMMDD; None when a part is unknown (`<`) or the date does not exist."""
    if not re.fullmatch(r"\d{6}", raw):
        return None
    yy, mm, dd = int(raw[:2]), int(raw[2:4]), int(raw[4:])
    year = 2000 + yy
    if (not future and year > today.year) or (future and year > today.year + 50):
        year -= 100
    try:
        return dt.date(year, mm, dd)
    except ValueError:
        return None


def normalise_line(text: str) -> str:
    """Upper-case an OCR line, drop spaces and accents, map filler look-alikes to `<`."""
    text = unicodedata.normalize("NFKD", text.upper().replace(" ", ""))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = FILLER_LOOKALIKES.sub("<", text)
    text = text.replace("«", "<<")
    return re.sub(r"[^A-Z0-9<]", "<", text)


def parse_mrz(
    lines: Sequence[str],
    *,
    confidences: Sequence[Sequence[float]] | None = None,
    alternatives: Sequence[Sequence[str]] | None = None,
) -> Mrz | None:
    """Parse OCR'd MRZ lines into an `Mrz`, or None when they fit no format.

    `confidences`, one list per line with a value per character, lets the check-digit
    repair touch only characters OCR was unsure of; without it any look-alike may be.
    `alternatives`, one list per line with a string per character, holds what other
    readings of the same line saw there: the check digits may choose among them too.
    """
    read = [normalise_line(line) for line in lines if normalise_line(line)]
    best: tuple[tuple[int, int, int], Mrz] | None = None  # (-failed, -filler edits, -repairs)
    for count, length in shapes():
        if len(read) != count or any(abs(len(line) - length) > MAX_FIT for line in read):
            continue
        for fitted in itertools.product(*(_fits(line, length) for line in read)):
            layout = layout_for(count, length, fitted[0][:1])
            if layout is None:
                continue
            mrz = _parse_fitted(layout, list(fitted), read, confidences, alternatives)
            edits = sum(abs(len(a) - len(b)) for a, b in zip(fitted, read, strict=True))
            score = (-len(mrz.failed_checks()), -edits, -len(mrz.repairs))
            if best is None or score > best[0]:
                best = (score, mrz)
    return best[1] if best else None


def fit_line(line: str, length: int) -> list[str]:
    """Return ways to give an MRZ line `length` characters (see `_fits`); none if too far."""
    return _fits(line, length) if abs(len(line) - length) <= MAX_FIT else []


def _fits(line: str, length: int) -> list[str]:
    """Return ways to give a line `length` characters by changing its runs of fillers.

    A line of the right length is kept as it is; otherwise fillers are added to or taken
    from one run (the trailing one first), or the line is padded or cut at its end.
    """
    if len(line) == length:
        return [line]
    diff = length - len(line)
    runs = [(m.start(), m.end()) for m in re.finditer(r"<+", line)]
    out: list[str] = []
    for start, end in reversed(runs):
        if diff > 0 or end - start > -diff:
            out.append(line[:start] + "<" * (end - start + diff) + line[end:])
    out.append((line + "<" * diff) if diff > 0 else line[:length])
    if diff < 0 and line[-diff:]:
        out.append(line[-diff:])
    return list(dict.fromkeys(x for x in out if len(x) == length))[:6]


def _parse_fitted(
    layout: Layout,
    lines: list[str],
    read: list[str],
    confidences: Sequence[Sequence[float]] | None,
    alternatives: Sequence[Sequence[str]] | None = None,
) -> Mrz:
    """Repair by position, then by check digit, and read the fields of a fitted MRZ."""
    chars = [list(line) for line in lines]
    repairs: list[Repair] = []
    check_spots = layout.check_positions()
    states = ("issuing_state", "nationality")
    for spec in layout.fields:
        if spec.name not in states:
            for pos in range(spec.start, spec.end):
                _fix_class(chars, spec.line, pos, spec.kind, repairs)
    for line, pos in check_spots:
        _fix_class(chars, line, pos, CharClass.DIGIT, repairs, filler_ok=True)
    for name in ("issuing_state", "nationality"):
        _fix_state(chars, layout.field(name), repairs)
    unsure = _unsure_positions(lines, read, confidences)
    others = _other_readings(lines, read, alternatives)
    _second_reading_sex(layout, chars, others, repairs)
    for spec in layout.fields:
        if spec.check is not None:
            _swap_until_checked(layout, chars, [spec], unsure, repairs, others)
    covered = [s for s in layout.fields if s.kind == CharClass.ALNUM and s.check is None]
    own_checks_pass = all(_field_passes(layout, chars, s) for s in layout.fields if s.check)
    # A field failing its own check already explains a failing composite: nothing to repair.
    if layout.composite_at and covered and own_checks_pass and not _composite(layout, chars).passed:
        _swap_until_checked(layout, chars, covered, unsure, repairs, others)
    fixed = ["".join(c) for c in chars]
    return Mrz(
        format=layout.format,
        lines=fixed,
        read=lines,
        fields=_fields(layout, fixed),
        checks=_checks(layout, fixed),
        repairs=_confirmed(layout, fixed, repairs),
    )


def _fix_class(
    chars: list[list[str]],
    line: int,
    pos: int,
    kind: CharClass,
    repairs: list[Repair],
    *,
    filler_ok: bool = True,
) -> None:
    """Put a look-alike of the wrong class right by position."""
    c = chars[line][pos]
    fixed = c
    if kind == CharClass.ALPHA and c.isdigit():
        fixed = TO_LETTER.get(c, c)
    elif kind == CharClass.DIGIT and c.isalpha():
        fixed = TO_DIGIT.get(c, c)
    elif kind == CharClass.SEX and c not in SEXES:
        fixed = {"H": "M", "N": "M", "E": "F", "P": "F"}.get(c, c)
    if fixed != c:
        chars[line][pos] = fixed
        repairs.append(Repair(line, pos, c, fixed, "position"))


def _fix_state(chars: list[list[str]], spec: FieldSpec, repairs: list[Repair]) -> None:
    """Put a state code right by position and, where that is unambiguous, by the code list.

    Digits are read as the letters they look like (a code holds letters only); then,
    if the code is no known one, one look-alike letter may be changed where that makes
    it the only known code so near.
    """
    code = "".join(chars[spec.line][spec.start : spec.end])
    if known_state(code):
        return
    lettered = "".join(TO_LETTER.get(c, c) for c in code)
    fixed = lettered if known_state(lettered) else (repair_state(lettered) or lettered)
    for i, (a, b) in enumerate(zip(code, fixed, strict=True)):
        if a != b:
            chars[spec.line][spec.start + i] = b
            why = "position" if a.isdigit() and TO_LETTER.get(a) == b else "state_code"
            repairs.append(Repair(spec.line, spec.start + i, a, b, why))


def _unsure_positions(
    lines: list[str], read: list[str], confidences: Sequence[Sequence[float]] | None
) -> set[tuple[int, int]] | None:
    """Return the positions OCR was unsure of, or None to allow every look-alike.

    Confidences are per character as read; they are only used when the line kept its
    length, so that positions still line up.
    """
    if confidences is None:
        return None
    out: set[tuple[int, int]] = set()
    for i, (line, raw) in enumerate(zip(lines, read, strict=True)):
        conf = confidences[i] if i < len(confidences) else []
        if len(line) != len(raw) or len(conf) != len(raw):
            out |= {(i, p) for p in range(len(line))}
            continue
        out |= {(i, p) for p, value in enumerate(conf) if value < UNSURE_CHAR}
    return out


UNSURE_CHAR = 0.999
"""Below this recognition confidence a character may be swapped for its look-alike."""


def _other_readings(
    lines: list[str], read: list[str], alternatives: Sequence[Sequence[str]] | None
) -> dict[tuple[int, int], str]:
    """Return, per position, the characters other readings saw there (lines kept whole)."""
    out: dict[tuple[int, int], str] = {}
    if alternatives is None:
        return out
    for i, (line, raw) in enumerate(zip(lines, read, strict=True)):
        alts = alternatives[i] if i < len(alternatives) else []
        if len(line) != len(raw) or len(alts) != len(line):
            continue
        for p, seen in enumerate(alts):
            extra = "".join(dict.fromkeys(c for c in normalise_line(seen) if c != line[p]))
            if extra:
                out[(i, p)] = extra
    return out


def _second_reading_sex(
    layout: Layout,
    chars: list[list[str]],
    others: dict[tuple[int, int], str],
    repairs: list[Repair],
) -> None:
    """Take the sex code another reading saw where this one read no valid code."""
    spec = layout.field("sex")
    read = chars[spec.line][spec.start]
    seen = [c for c in others.get((spec.line, spec.start), "") if c in SEXES]
    if read not in SEXES and len(seen) == 1:
        chars[spec.line][spec.start] = seen[0]
        repairs.append(Repair(spec.line, spec.start, read, seen[0], "second_reading"))


def _options(
    chars: list[list[str]],
    spot: tuple[int, int, CharClass],
    others: dict[tuple[int, int], str],
    *,
    lookalikes: bool = True,
) -> str:
    """Return what a character may be instead: other readings' choice, and its look-alikes.

    Only characters of the field's class: a date holds digits only.
    """
    line, p, kind = spot
    seen = others.get((line, p), "") + (SWAPS.get(chars[line][p], "") if lookalikes else "")
    if kind == CharClass.DIGIT:
        seen = "".join(c for c in seen if c.isdigit())
    return "".join(dict.fromkeys(seen))


def _swap_until_checked(
    layout: Layout,
    chars: list[list[str]],
    specs: list[FieldSpec],
    unsure: set[tuple[int, int]] | None,
    repairs: list[Repair],
    others: dict[tuple[int, int], str] | None = None,
) -> None:
    """Swap characters in the fields until their check (and the composite) passes.

    What other readings of the line saw is tried first; then look-alikes where OCR was
    unsure, with those readings. Nothing changes when the fields already pass, when no
    reading with at most `MAX_SWAPS` swaps passes, or when two readings with as few
    swaps pass: the check digits cannot tell them apart.
    """
    if all(_field_passes(layout, chars, s) for s in specs):
        return
    others = others or {}
    tiers = [(others, False), (others, True)] if others else [(others, True)]
    for seen, lookalikes in tiers:
        spots = [
            (s.line, p, s.kind)
            for s in specs
            for p in range(s.start, s.end)
            if (unsure is None or (s.line, p) in unsure)
            and ((lookalikes and chars[s.line][p] in SWAPS) or (s.line, p) in seen)
        ]
        spots = [spot for spot in spots if _options(chars, spot, seen, lookalikes=lookalikes)]
        ambiguous, found = _unique_passing(layout, chars, specs, spots, seen, lookalikes)
        if ambiguous:
            return
        if found:
            for line, p, new in found:
                repairs.append(Repair(line, p, chars[line][p], new, "check_digit"))
                chars[line][p] = new
            return


def _unique_passing(
    layout: Layout,
    chars: list[list[str]],
    specs: list[FieldSpec],
    spots: list[tuple[int, int, CharClass]],
    seen: dict[tuple[int, int], str],
    lookalikes: bool,
) -> tuple[bool, list[tuple[int, int, str]]]:
    """Return (ambiguous, swaps): the one set of fewest swaps that passes, if unique."""
    for n in range(1, MAX_SWAPS + 1):
        passing: list[list[tuple[int, int, str]]] = []
        for combo in itertools.combinations(spots, n):
            options = [_options(chars, spot, seen, lookalikes=lookalikes) for spot in combo]
            for swapped in itertools.product(*options):
                trial = [row[:] for row in chars]
                for (line, p, _), new in zip(combo, swapped, strict=True):
                    trial[line][p] = new
                if (
                    all(_field_passes(layout, trial, s) for s in specs)
                    and (layout.composite_at is None or _composite(layout, trial).passed)
                    and _dates_possible(layout, trial)
                ):
                    passing.append(
                        [(line, p, new) for (line, p, _), new in zip(combo, swapped, strict=True)]
                    )
        if len(passing) == 1:
            return False, passing[0]
        if passing:
            return True, []
    return False, []


def _dates_possible(layout: Layout, chars: list[list[str]]) -> bool:
    """Whether every date written in full digits is a day that exists.

    A swap the check digit accepts but that makes a 55th of October is no repair.
    """
    for spec in layout.fields:
        if not spec.name.endswith("_date"):
            continue
        raw = "".join(chars[spec.line][spec.start : spec.end])
        if raw.isdigit() and mrz_date(raw, LEAP_YEAR_DAY, future=False) is None:
            return False
    return True


LEAP_YEAR_DAY = dt.date(2000, 12, 31)
"""A day to read dates against when only their existence matters (2000 had a 29 February)."""


def _field_passes(layout: Layout, chars: list[list[str]], spec: FieldSpec) -> bool:
    """Whether a field's own check passes (fields without one pass by the composite only)."""
    if spec.check is None:
        return layout.composite_at is None or _composite(layout, chars).passed
    row = "".join(chars[spec.line])
    return _field_check(spec, row).passed


def _field_check(spec: FieldSpec, row: str) -> Check:
    """Return the check of one field on its line."""
    assert spec.check is not None
    value, printed = row[spec.start : spec.end], row[spec.check]
    computed = check_digit(value)
    if printed == "<" and spec.name == "optional_data" and not value.strip("<"):
        computed = "<"  # Doc 9303 part 4: an empty personal number may have a filler check
    return Check(spec.name, printed, computed)


def _composite(layout: Layout, chars: list[list[str]]) -> Check:
    """Return the composite check of a layout."""
    assert layout.composite_at is not None
    text = "".join("".join(chars[line][s:e]) for line, s, e in layout.composite)
    line, pos = layout.composite_at
    return Check("composite", chars[line][pos], check_digit(text))


def _checks(layout: Layout, lines: list[str]) -> list[Check]:
    """Every check digit of the MRZ, the long document number of TD1/TD2 included."""
    checks = []
    for spec in layout.fields:
        if spec.check is None:
            continue
        check = _field_check(spec, lines[spec.line])
        if spec.name == "document_number" and check.printed == "<":
            check = _long_number_check(layout, lines)
        checks.append(check)
    if layout.composite_at:
        checks.append(_composite(layout, [list(line) for line in lines]))
    return checks


def _long_number_check(layout: Layout, lines: list[str]) -> Check:
    """Check a document number longer than 9 characters, continued in the optional data.

    Doc 9303 parts 5 and 6: a filler stands where the check digit would be, the rest of
    the number starts the optional data, and its check digit follows it.
    """
    number, rest = _long_number(layout, lines)
    return Check("document_number", rest[-1:] or "<", check_digit(number))


def _long_number(layout: Layout, lines: list[str]) -> tuple[str, str]:
    """Return (whole document number, overflow with its check digit) of a long number."""
    spec, opt = layout.field("document_number"), layout.field("optional_data")
    head = lines[spec.line][spec.start : spec.end]
    overflow = lines[opt.line][opt.start : opt.end].split("<", 1)[0]
    return head + overflow[:-1], overflow


def _fields(layout: Layout, lines: list[str]) -> dict[str, str]:
    """Return the raw text of every field; a long document number is joined up."""
    out = {s.name: lines[s.line][s.start : s.end] for s in layout.fields}
    spec = layout.field("document_number")
    if (
        spec.check is not None
        and lines[spec.line][spec.check] == "<"
        and layout.format
        in (
            MrzFormat.TD1,
            MrzFormat.TD2,
        )
    ):
        number, overflow = _long_number(layout, lines)
        out["document_number"] = number
        out["optional_data"] = out["optional_data"][len(overflow) :]
    out["document_number"] = out["document_number"].replace("<", "")
    return out


def _confirmed(layout: Layout, lines: list[str], repairs: list[Repair]) -> list[Repair]:
    """Mark position repairs inside a field whose check now passes as confirmed by it."""
    passing = {c.name for c in _checks(layout, lines) if c.passed}
    out = []
    for r in repairs:
        spec = next(
            (s for s in layout.fields if s.line == r.line and s.start <= r.position < s.end),
            None,
        )
        confirmed = spec is not None and spec.check is not None and spec.name in passing
        out.append(
            Repair(r.line, r.position, r.read, r.fixed, "check_digit")
            if confirmed and r.why == "position"
            else r
        )
    return out


def mrz_like(text: str) -> bool:
    """Whether an OCR line could be an MRZ line: long, mostly MRZ characters, with fillers.

    A line of 28 or more letters and digits with no space is one too: a visa's second
    line may hold no filler.
    """
    t = text.replace(" ", "")
    if len(t) < 20:
        return False
    fillers = len(FILLER_LOOKALIKES.findall(t)) + t.count("«")
    ok = fillers + sum(("A" <= c <= "Z") or c.isdigit() for c in t)
    if fillers == 0:
        return len(t) >= 28 and ok == len(t) and " " not in text.strip()
    return ok / len(t) > 0.85


def has_fillers(text: str) -> bool:
    """Whether an OCR line holds a filler `<` or one of its look-alikes."""
    return bool(FILLER_LOOKALIKES.search(text) or "«" in text)


DOCUMENT_CODE_LETTERS = "ACIPV"
"""Doc 9303: the first character of a document code is A, C or I (cards), P or V."""


def plausible_head(mrz: Mrz) -> bool:
    """Whether the MRZ starts like one: a known document letter and a known issuing state.

    Names carry no check digit, so a line of other text above the real first line can
    parse as well as it does; this tells them apart.
    """
    code = mrz.fields["document_code"]
    return code[:1] in DOCUMENT_CODE_LETTERS and known_state(mrz.fields["issuing_state"])
