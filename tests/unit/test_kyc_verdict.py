"""A KYC case's verdict from hand-built document results: every check and how it is explained."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from paperclerk.identity.case import Applicant, CaseDocument, Reason, Verdict
from paperclerk.identity.matching import compare_address, compare_name, employer_in, fold
from paperclerk.identity.policy import (
    KycPolicy,
    KycPolicyError,
    kyc_policy_from_dict,
    load_kyc_policy_yaml,
)
from paperclerk.identity.verdict import compute_verdict
from paperclerk.model import DocType, Finding, Severity
from tests.unit.kyc_helpers import (
    APPLICANT,
    TODAY,
    case,
    full_case,
    make_doc,
    passport,
    payslip,
    statement,
    utility_bill,
)


def reason(verdict: Verdict, code: str) -> Reason:
    (found,) = [r for r in verdict.reasons if r.code == code]
    return found


def test_a_complete_consistent_case_is_approved() -> None:
    verdict = compute_verdict(case(*full_case()), APPLICANT, today=TODAY)
    assert verdict.outcome == "approved", [(r.code, r.status, r.message) for r in verdict.reasons]
    codes = [r.code for r in verdict.reasons]
    assert codes == [
        "identity",
        "identity.declared_name",
        "proof_of_address.date",
        "proof_of_address.name",
        "proof_of_address.address",
        "income.name",
        "income.credits",
    ]
    credits = reason(verdict, "income.credits")
    assert "NORTHWIND SALARY MAY" in credits.message and "names the employer" in credits.message
    matched = credits.evidence["payslips"][0]["matched_credit"]
    assert matched["line"] == 2 and matched["amount"] == "2637.60"
    when = reason(verdict, "proof_of_address.date")  # both proofs pass: the newer counts
    assert when.evidence["age_days"] == 15 and when.evidence["document_id"] == f"{4:032x}"
    assert when.evidence["other_proofs"] == [f"{2:032x}"]


def test_an_expired_identity_document_rejects_the_case() -> None:
    docs = full_case()
    docs[0] = passport(expiry=dt.date(2026, 1, 31))
    verdict = compute_verdict(case(*docs), APPLICANT, today=TODAY)
    assert verdict.outcome == "rejected"
    identity = reason(verdict, "identity")
    assert identity.status == "fail"
    assert "expired on 2026-01-31" in identity.message
    assert identity.evidence["failed_rules"] == ["identity.expired"]


@pytest.mark.parametrize(
    "rule", ["identity.mrz_check_digit", "identity.specimen", "identity.denied_state"]
)
def test_failed_identity_findings_reject(rule: str) -> None:
    docs = full_case()
    docs[0].findings.append(
        Finding(id="x", rule_id=rule, severity=Severity.ERROR, passed=False, message=f"{rule}!")
    )
    verdict = compute_verdict(case(*docs), APPLICANT, today=TODAY)
    assert verdict.outcome == "rejected"
    assert f"{rule}!" in reason(verdict, "identity").message


def test_a_warning_on_the_identity_document_needs_review() -> None:
    docs = full_case()
    docs[0].findings.append(
        Finding(
            id="x",
            rule_id="identity.expiring",
            severity=Severity.WARNING,
            passed=False,
            message="the document expires in 20 days",
        )
    )
    verdict = compute_verdict(case(*docs), APPLICANT, today=TODAY)
    assert verdict.outcome == "needs_review"
    assert reason(verdict, "identity").status == "review"


def test_an_old_proof_of_address_needs_review() -> None:
    docs = full_case()
    docs[1] = utility_bill(issued=dt.date(2026, 2, 1))
    docs[3] = statement()
    docs[3].fields["period_end"] = (
        docs[3].fields["period_end"].model_copy(update={"value": dt.date(2026, 1, 31)})
    )
    verdict = compute_verdict(case(*docs[:2], docs[2]), APPLICANT, today=TODAY)
    assert verdict.outcome == "needs_review"
    when = reason(verdict, "proof_of_address.date")
    assert when.status == "fail"
    assert "2026-02-01, 134 days ago" in when.message and "92 days" in when.message
    assert when.evidence["max_age_days"] == 92


def test_a_recent_proof_wins_over_an_old_one() -> None:
    docs = [
        passport(),
        utility_bill(issued=dt.date(2025, 1, 1)),
        utility_bill(issued=dt.date(2026, 6, 10)),
        payslip(),
        statement(),
    ]
    verdict = compute_verdict(case(*docs), APPLICANT, today=TODAY)
    assert verdict.outcome == "approved"
    assert reason(verdict, "proof_of_address.date").evidence["document_id"] == f"{3:032x}"


def test_a_name_mismatch_is_explained() -> None:
    docs = full_case()
    docs[1] = utility_bill(name="Mr Piotr Nowak")
    verdict = compute_verdict(case(*docs[:3]), APPLICANT, today=TODAY)
    assert verdict.outcome == "needs_review"
    name = reason(verdict, "proof_of_address.name")
    assert name.status == "fail"
    assert "'Mr Piotr Nowak'" in name.message and "does not match" in name.message
    assert "ZOFIA MARIA KOWALCZYK" in name.message and "score" in name.message
    assert name.evidence["surname_found"] is False
    assert name.evidence["score"] < 70


def test_a_first_name_alone_is_not_the_holder() -> None:
    found = compare_name("KOWALCZYK", "ZOFIA MARIA", "Zofia")
    assert found.token_set == 100 and not found.surname_found and found.score < 70


def test_a_close_name_is_a_grey_zone_for_a_person() -> None:
    docs = full_case()
    docs[1] = utility_bill(name="Z. Kowalczyk")
    verdict = compute_verdict(case(*docs[:3]), APPLICANT, today=TODAY)
    name = reason(verdict, "proof_of_address.name")
    assert name.status == "review", name.message
    assert "only close to" in name.message and "initials only" in name.message
    other_initial = compare_name("KOWALCZYK", "ZOFIA MARIA", "J. Kowalczyk")
    assert other_initial.given_names == "other" and other_initial.score < 70
    assert compare_name("KOWALCZYK", "ZOFIA MARIA", "Kowalczyk").score == 80


def test_accents_order_and_middle_names_do_not_matter() -> None:
    assert compare_name("MULLER", "JURGEN", "Jürgen Müller").score == 100
    assert compare_name("KOWALCZYK", "ZOFIA MARIA", "KOWALCZYK, Zofia").score == 100
    assert fold("Søren Ødegård-Łukasz") == "soren odegard lukasz"


def test_an_address_with_another_house_number_does_not_match() -> None:
    found = compare_address("7 Mill Lane, Bristol BS1 5TR", "9 Mill Lane, Bristol BS1 5TR")
    assert found.missing_numbers == ["7"] and found.score <= 60
    same = compare_address("7 Mill Lane, Bristol BS1 5TR", "7 MILL LN BRISTOL BS1 5TR")
    assert same.score >= 95
    town_only = compare_address("7 Mill Lane, Bristol BS1 5TR", "Bristol")
    assert town_only.score < 65


def test_the_address_is_found_in_a_statement_s_lines() -> None:
    verdict = compute_verdict(case(passport(), payslip(), statement()), APPLICANT, today=TODAY)
    address = reason(verdict, "proof_of_address.address")
    assert address.status == "pass", address.message
    assert address.evidence["comparisons"][0]["where"] == "lines of page 1"


def test_an_unmatched_address_is_explained() -> None:
    docs = full_case()
    docs[1] = utility_bill(address="12 Harbour Road, Leeds LS1 4AB")
    verdict = compute_verdict(case(*docs[:3]), APPLICANT, today=TODAY)
    address = reason(verdict, "proof_of_address.address")
    assert address.status == "fail"
    assert "does not match" in address.message and "the numbers" in address.message


def test_no_declared_address_leaves_the_address_missing() -> None:
    verdict = compute_verdict(case(*full_case()), Applicant(), today=TODAY)
    assert verdict.outcome == "needs_review"
    address = reason(verdict, "proof_of_address.address")
    assert address.status == "missing" and "give the applicant's address" in address.message


def test_income_not_found_among_the_credits() -> None:
    docs = full_case()
    docs[3] = statement(salary="1900.00")
    verdict = compute_verdict(case(*docs), APPLICANT, today=TODAY)
    assert verdict.outcome == "needs_review"
    credits = reason(verdict, "income.credits")
    assert credits.status == "fail"
    assert "no credit within 10% of net pay 2637.60" in credits.message
    assert "the closest is 1900.00 on 2026-05-28" in credits.message
    assert "'NORTHWIND SALARY MAY'" in credits.message


def test_income_within_tolerance_matches() -> None:
    docs = full_case()
    docs[3] = statement(salary="2500.00")  # 5 % below the net pay
    verdict = compute_verdict(case(*docs), APPLICANT, today=TODAY)
    assert reason(verdict, "income.credits").status == "pass"


def test_a_statement_with_broken_balances_cannot_confirm_the_pay() -> None:
    docs = full_case()
    docs[3].findings = [
        Finding(
            id="c",
            rule_id="bank_statement.balance_continuity",
            severity=Severity.WARNING,
            passed=False,
            message="row 2 breaks",
        )
    ]
    verdict = compute_verdict(case(*docs), APPLICANT, today=TODAY)
    credits = reason(verdict, "income.credits")
    assert credits.status == "review" and "do not add up" in credits.message


def test_a_payslip_in_another_name() -> None:
    docs = full_case()
    docs[2] = payslip(employee="Jan Novak")
    verdict = compute_verdict(case(*docs), APPLICANT, today=TODAY)
    assert reason(verdict, "income.name").status == "fail"
    assert verdict.outcome == "needs_review"


def test_declared_income_is_compared_with_the_pay() -> None:
    applicant = APPLICANT.model_copy(update={"declared_income": Decimal("3300")})
    verdict = compute_verdict(case(*full_case()), applicant, today=TODAY)
    assert reason(verdict, "income.declared").status == "pass"
    inflated = APPLICANT.model_copy(update={"declared_income": Decimal("6000")})
    verdict = compute_verdict(case(*full_case()), inflated, today=TODAY)
    declared = reason(verdict, "income.declared")
    assert declared.status == "fail" and "6000" in declared.message
    assert verdict.outcome == "needs_review"


def test_missing_documents_need_review_and_say_what_is_missing() -> None:
    verdict = compute_verdict(case(passport()), APPLICANT, today=TODAY)
    assert verdict.outcome == "needs_review"
    assert reason(verdict, "proof_of_address").status == "missing"
    assert "no proof of address" in reason(verdict, "proof_of_address").message
    assert reason(verdict, "income").status == "missing"
    empty = compute_verdict([], Applicant(), today=TODAY)
    assert empty.outcome == "needs_review"
    assert reason(empty, "identity").message == "the case has no identity document"


def test_documents_not_processed_yet_are_waited_for() -> None:
    docs = [*case(passport()), CaseDocument("f" * 32, "queued", None, None)]
    verdict = compute_verdict(docs, APPLICANT, today=TODAY)
    proof = reason(verdict, "proof_of_address")
    assert proof.status == "missing" and "not processed yet" in proof.message
    assert proof.evidence["pending_documents"] == ["f" * 32]


def test_a_failed_document_is_unreadable() -> None:
    docs = [*case(passport()), CaseDocument("e" * 32, "dead", "utility_bill", None)]
    verdict = compute_verdict(docs, APPLICANT, today=TODAY)
    assert "could not be read" in reason(verdict, "proof_of_address").message


def test_low_confidence_fields_go_to_a_person() -> None:
    docs = full_case()
    docs[1] = utility_bill()
    name = docs[1].fields["customer_name"]
    docs[1].fields["customer_name"] = name.model_copy(update={"confidence": 0.3})
    verdict = compute_verdict(case(*docs[:3]), APPLICANT, today=TODAY)
    assert reason(verdict, "proof_of_address.name").status == "review"
    assert verdict.outcome == "needs_review"


def test_income_optional_by_policy() -> None:
    policy = kyc_policy_from_dict({"require_income": False})
    verdict = compute_verdict(case(passport(), utility_bill()), APPLICANT, policy, today=TODAY)
    assert verdict.outcome == "approved"


def test_other_documents_are_ignored_and_listed() -> None:
    receipt = make_doc(DocType.RECEIPT, {"total": Decimal("3.00")})
    docs = case(*full_case(), receipt)
    verdict = compute_verdict(docs, APPLICANT, today=TODAY)
    assert verdict.outcome == "approved"
    assert verdict.ignored_documents == [f"{5:032x}"]


def test_employer_names_in_descriptions() -> None:
    assert employer_in("Northwind Traders Ltd", "NORTHWIND SALARY") == 100
    assert employer_in("Northwind Traders Ltd", "ACME LTD SALARY") < 80


def test_policy_is_data() -> None:
    policy = load_kyc_policy_yaml("proof_of_address_max_age_days: 30\nincome_tolerance: 0.05\n")
    assert policy.proof_of_address_max_age_days == 30
    assert policy.income_tolerance == Decimal("0.05")
    assert load_kyc_policy_yaml("") == KycPolicy()
    with pytest.raises(KycPolicyError, match="name_match_mni: unknown key"):
        kyc_policy_from_dict({"name_match_mni": 90})
    with pytest.raises(KycPolicyError, match="name_review_min"):
        kyc_policy_from_dict({"name_review_min": 95})
    with pytest.raises(KycPolicyError, match="not valid YAML"):
        load_kyc_policy_yaml("a: [")
