"""Rules for identity documents, configured as policy data (`identity:` of the type's policy).

Each finding says why: expired or expiring soon, holder under the minimum age, issuing
state or nationality on the deny list, a specimen (the ICAO `UTO` / ERIKSSON family and
the word "specimen" in the languages documents print it), and the MRZ against the printed
page. The MRZ check digits are reported by the extractor that reads them.
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, ConfigDict, Field

from paperclerk.extract.identity_page import (
    MISMATCH,
    NOT_FOUND,
    Comparison,
    compare_date,
    compare_names,
    compare_number,
    fold,
    page_lines,
)
from paperclerk.model import Document, Finding, Severity

SPECIMEN_WORDS = (
    r"\b(SPECIMEN|SPECIMENS|MUSTER|MUSTERMANN|MUSTERFRAU|VZOR|MUESTRA|ESPECIMEN|ESPÉCIMEN"
    r"|MINTA|NAZWISKO\s*WZOR|WZOR|ESEMPIO|MALLI|EXEMPLAR|NÄYTE|SAMPLE|VOID)\b"
)


class IdentityRules(BaseModel):
    """What an identity document must satisfy; every key is optional in an override."""

    model_config = ConfigDict(extra="forbid")

    expiring_within_days: int = Field(
        30, ge=0, description="A document expiring within this many days is flagged."
    )
    min_age: int | None = Field(18, ge=0, le=130, description="Minimum age of the holder.")
    deny_states: list[str] = Field(
        default_factory=list,
        description="Alpha-3 codes: an issuing state or nationality here is refused.",
    )
    specimen_states: list[str] = Field(
        default_factory=lambda: ["UTO"], description="Codes only specimen documents carry."
    )
    specimen_names: list[str] = Field(
        default_factory=lambda: ["ERIKSSON ANNA MARIA", "MUSTERMANN ERIKA"],
        description="Holder names (surname then given names) of published specimens.",
    )
    specimen_numbers: list[str] = Field(
        default_factory=lambda: ["L898902C3", "D23145890", "L8988901C"],
        description="Document numbers of published specimens.",
    )
    compare_page: bool = Field(
        True, description="Compare the MRZ with the printed page; a mismatch is refused."
    )


def identity_findings(
    doc: Document, rules: IdentityRules, today: dt.date | None = None
) -> list[Finding]:
    """Run every identity rule on a document read from its MRZ (nothing when none was)."""
    if "mrz" not in doc.fields:
        return []
    today = today or dt.date.today()
    return [
        *_expiry(doc, rules, today),
        *_age(doc, rules, today),
        *_denied(doc, rules),
        *_specimen(doc, rules),
        *(_page(doc) if rules.compare_page else []),
    ]


def _finding(
    rule: str, passed: bool, message: str, fields: list[str], *, warn: bool = False
) -> Finding:
    severity = Severity.INFO if passed else (Severity.WARNING if warn else Severity.ERROR)
    return Finding(
        id=rule.replace(".", "-"),
        rule_id=rule,
        severity=severity,
        passed=passed,
        message=message,
        fields=fields,
    )


def _expiry(doc: Document, rules: IdentityRules, today: dt.date) -> list[Finding]:
    expiry = doc.value("date_of_expiry")
    if not isinstance(expiry, dt.date):
        return []
    if expiry < today:
        return [
            _finding(
                "identity.expired",
                False,
                f"the document expired on {expiry.isoformat()}",
                ["date_of_expiry"],
            )
        ]
    days = (expiry - today).days
    if days <= rules.expiring_within_days:
        return [
            _finding(
                "identity.expiring",
                False,
                f"the document expires in {days} days ({expiry.isoformat()}), within"
                f" the {rules.expiring_within_days} days the policy allows",
                ["date_of_expiry"],
                warn=True,
            )
        ]
    return [
        _finding("identity.expired", True, f"valid until {expiry.isoformat()}", ["date_of_expiry"])
    ]


def age_on(birth: dt.date, today: dt.date) -> int:
    """Return a person's age in whole years on a day."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _age(doc: Document, rules: IdentityRules, today: dt.date) -> list[Finding]:
    birth = doc.value("date_of_birth")
    if rules.min_age is None or not isinstance(birth, dt.date):
        return []
    age = age_on(birth, today)
    ok = age >= rules.min_age
    return [
        _finding(
            "identity.min_age",
            ok,
            f"the holder is {age}" + ("" if ok else f", under the minimum age of {rules.min_age}"),
            ["date_of_birth"],
        )
    ]


def _denied(doc: Document, rules: IdentityRules) -> list[Finding]:
    deny = {c.upper() for c in rules.deny_states}
    out = []
    for name in ("issuing_state", "nationality"):
        value = doc.value(name)
        if isinstance(value, str) and value in deny:
            label = name.replace("_", " ")
            out.append(
                _finding(
                    "identity.denied_state",
                    False,
                    f"{label} {value} is on the policy's deny list",
                    [name],
                )
            )
    return out


def _specimen(doc: Document, rules: IdentityRules) -> list[Finding]:
    reasons = []
    state = doc.value("issuing_state")
    if isinstance(state, str) and state in {s.upper() for s in rules.specimen_states}:
        reasons.append(f"issuing state {state} is a specimen code")
    name = fold(f"{doc.value('surname') or ''} {doc.value('given_names') or ''}")
    if name in {fold(n) for n in rules.specimen_names}:
        reasons.append(f"the holder {name} is a published specimen")
    number = doc.value("document_number")
    if isinstance(number, str) and number in {n.upper() for n in rules.specimen_numbers}:
        reasons.append(f"document number {number} is a published specimen's")
    text = fold(" ".join(p.text for p in doc.pages))
    if re.search(SPECIMEN_WORDS, text):
        reasons.append("the page is marked as a specimen")
    if not reasons:
        return []
    return [
        _finding(
            "identity.specimen",
            False,
            "a specimen, not a real document: " + "; ".join(reasons),
            ["document_number", "surname"],
        )
    ]


def compare_with_page(doc: Document) -> list[Comparison]:
    """Compare each field the MRZ and the printed page share."""
    lines = page_lines(doc.pages)

    def text(name: str) -> str:
        value = doc.value(name)
        return value if isinstance(value, str) else ""

    def date(name: str) -> dt.date | None:
        value = doc.value(name)
        return value if isinstance(value, dt.date) else None

    return [
        compare_names(text("surname"), "surname", lines),
        compare_names(text("given_names"), "given_names", lines),
        compare_number(text("document_number"), lines),
        compare_date(date("date_of_birth"), "date_of_birth", lines),
        compare_date(date("date_of_expiry"), "date_of_expiry", lines),
    ]


def _page(doc: Document) -> list[Finding]:
    comparisons = [c for c in compare_with_page(doc) if c.mrz_value]
    mismatched = [c for c in comparisons if c.status == MISMATCH]
    unread = [c for c in comparisons if c.status == NOT_FOUND]
    details = "; ".join(c.explanation for c in comparisons)
    if mismatched:
        return [
            _finding(
                "identity.mrz_vs_page",
                False,
                f"the MRZ and the printed page disagree: {details}",
                [c.field for c in mismatched],
            )
        ]
    if comparisons and len(unread) == len(comparisons):
        return [
            _finding(
                "identity.mrz_vs_page",
                False,
                "the printed page could not be compared with the MRZ: " + details,
                [c.field for c in unread],
                warn=True,
            )
        ]
    return [
        _finding(
            "identity.mrz_vs_page",
            True,
            f"the MRZ agrees with the printed page: {details}",
            [c.field for c in comparisons],
        )
    ]
