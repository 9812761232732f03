"""Identity rules as policy data: expiry, age, deny list, specimens, each saying why."""

from __future__ import annotations

import datetime as dt

from paperclerk.model import Document, ExtractedField, FieldSource, Page, Severity
from paperclerk.pipeline.policy import packaged_policy
from paperclerk.rules.identity import IdentityRules, age_on, identity_findings

TODAY = dt.date(2026, 12, 3)


def _doc(**values: object) -> Document:
    base: dict[str, object] = {
        "mrz": "…", "surname": "NOVAK", "given_names": "JANA", "document_number": "XA1234567",
        "issuing_state": "NLD", "nationality": "NLD", "date_of_birth": dt.date(1990, 5, 1),
        "date_of_expiry": dt.date(2030, 1, 1),
    }  # fmt: skip
    base.update(values)
    doc = Document(
        sha256="0" * 64,
        media_type="image/jpeg",
        size_bytes=1,
        pages=[Page(index=0, width=1, height=1)],
    )
    doc.fields = {
        k: ExtractedField(name=k, value=v, confidence=0.99, source=FieldSource.MRZ)  # type: ignore[arg-type]
        for k, v in base.items()
        if v is not None
    }
    return doc


def _failed(doc: Document, rules: IdentityRules | None = None) -> dict[str, str]:
    rules = rules or IdentityRules(compare_page=False)
    return {f.rule_id: f.message for f in identity_findings(doc, rules, TODAY) if not f.passed}


def test_a_valid_adult_document_passes_every_rule() -> None:
    assert _failed(_doc()) == {}


def test_expired_and_expiring_within_the_policys_days() -> None:
    assert (
        "expired on 2026-12-02"
        in _failed(_doc(date_of_expiry=dt.date(2026, 12, 2)))["identity.expired"]
    )
    soon = identity_findings(
        _doc(date_of_expiry=dt.date(2026, 12, 20)), IdentityRules(compare_page=False), TODAY
    )
    expiring = next(f for f in soon if f.rule_id == "identity.expiring")
    assert expiring.severity == Severity.WARNING and "17 days" in expiring.message
    relaxed = IdentityRules(compare_page=False, expiring_within_days=7)
    assert "identity.expiring" not in _failed(_doc(date_of_expiry=dt.date(2026, 12, 20)), relaxed)


def test_minimum_age() -> None:
    assert age_on(dt.date(2008, 12, 4), TODAY) == 17
    assert age_on(dt.date(2008, 12, 3), TODAY) == 18
    assert (
        "under the minimum age of 18"
        in _failed(_doc(date_of_birth=dt.date(2008, 12, 4)))["identity.min_age"]
    )
    assert "identity.min_age" not in _failed(_doc(date_of_birth=dt.date(2008, 12, 3)))
    assert (
        _failed(
            _doc(date_of_birth=dt.date(2010, 1, 1)), IdentityRules(compare_page=False, min_age=None)
        )
        == {}
    )


def test_deny_list_of_states() -> None:
    rules = IdentityRules(compare_page=False, deny_states=["xxa", "PRK"])
    msg = _failed(_doc(nationality="PRK"), rules)["identity.denied_state"]
    assert "nationality PRK is on the policy's deny list" in msg


def test_specimens_by_state_name_number_and_page() -> None:
    msg = _failed(_doc(issuing_state="UTO", surname="ERIKSSON", given_names="ANNA MARIA"))[
        "identity.specimen"
    ]
    assert "UTO is a specimen code" in msg and "ERIKSSON ANNA MARIA" in msg
    assert "published specimen's" in _failed(_doc(document_number="L898902C3"))["identity.specimen"]


def test_nothing_without_an_mrz() -> None:
    assert identity_findings(_doc(mrz=None), IdentityRules(), TODAY) == []


def test_the_packaged_policy_carries_the_identity_rules() -> None:
    policy = packaged_policy().for_type("identity_document")  # type: ignore[arg-type]
    assert policy.identity is not None and policy.identity.min_age == 18
    assert policy.thresholds["document_number"] >= 0.99
    overridden = packaged_policy().with_override(
        {"types": {"identity_document": {"identity": {"min_age": 21, "deny_states": ["PRK"]}}}}
    )
    rules = overridden.for_type("identity_document").identity  # type: ignore[arg-type]
    assert rules is not None and rules.min_age == 21 and rules.deny_states == ["PRK"]
