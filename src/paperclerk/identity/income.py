"""The income checks: payslips in the holder's name, paid into the bank as they say.

Each payslip's net pay must arrive as a credit on a bank statement of the case that
covers its pay window (from the start of the pay period to `pay_credit_days` after the
pay date or period end): a credit within `income_tolerance` of the net pay, preferably one
whose description names the employer. The line that matched, or the closest credit when
none did, is named in the reason. A statement whose balances do not add up
(`bank_statement.balance_continuity` failed) or that is in another person's name cannot
confirm a pay by itself: a person looks. A declared monthly income is compared with the
payslips' gross and net pay.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from paperclerk.identity.address import name_reason
from paperclerk.identity.case import (
    Applicant,
    CaseDocument,
    Grouped,
    Reason,
    ReasonStatus,
    field,
    group,
    worst,
)
from paperclerk.identity.holder import Holder
from paperclerk.identity.matching import compare_name, employer_in
from paperclerk.identity.policy import KycPolicy
from paperclerk.model import Document

CONTINUITY = "bank_statement.balance_continuity"
EMPLOYER_NAMED = 80.0
"""A description names the employer from this score (see `matching.employer_in`)."""
DEFAULT_PERIOD_DAYS = 31
"""Pay window before a pay date when the payslip shows no period."""


@dataclass(frozen=True)
class Credit:
    """A credit on a statement line, with where it is."""

    document_id: str
    line: int
    day: dt.date
    amount: Decimal
    description: str


def _window(slip: Document, policy: KycPolicy) -> tuple[dt.date, dt.date] | None:
    """Return the days a payslip's pay may arrive on, or None when it shows no date."""
    start, _ = field(slip, "period_start")
    end, _ = field(slip, "period_end")
    paid, _ = field(slip, "pay_date")
    last = paid if isinstance(paid, dt.date) else end if isinstance(end, dt.date) else None
    if last is None:
        return None
    if isinstance(end, dt.date) and end > last:
        last = end
    first = start if isinstance(start, dt.date) else last - dt.timedelta(days=DEFAULT_PERIOD_DAYS)
    return min(first, last), last + dt.timedelta(days=policy.pay_credit_days)


def _credits(document_id: str, statement: Document) -> list[Credit]:
    out = []
    for item in statement.line_items:
        day, amount = item.value("date"), item.value("amount")
        if isinstance(day, dt.date) and isinstance(amount, Decimal) and amount > 0:
            text = item.value("description")
            out.append(Credit(document_id, item.index + 1, day, amount, str(text or "")))
    return out


def _covers(statement: Document, first: dt.date, last: dt.date) -> bool:
    """Whether a statement's period (or, without one, its lines) overlaps the pay window."""
    start, _ = field(statement, "period_start")
    end, _ = field(statement, "period_end")
    if isinstance(start, dt.date) and isinstance(end, dt.date):
        return start <= last and end >= first
    days = [
        d for d in (item.value("date") for item in statement.line_items) if isinstance(d, dt.date)
    ]
    return any(first <= d <= last for d in days)


def _statement_doubts(
    document_id: str, statement: Document, holder: Holder | None, policy: KycPolicy
) -> list[str]:
    """Say why a statement cannot confirm a pay alone: broken balances, another holder."""
    doubts = []
    if any(f.rule_id == CONTINUITY and not f.passed for f in statement.findings):
        doubts.append(f"the balances of statement {document_id} do not add up (misread or edited)")
    owner, _ = field(statement, "account_holder")
    if holder is not None and isinstance(owner, str) and owner.strip():
        score = compare_name(holder.surname, holder.given_names, owner).score
        if score < policy.name_review_min:
            doubts.append(f"statement {document_id} is in the name of {owner!r}, not the applicant")
    return doubts


def _credit_reason(
    slip_id: str,
    slip: Document,
    statements: Grouped,
    holder: Holder | None,
    policy: KycPolicy,
) -> tuple[ReasonStatus, str, dict[str, Any]]:
    """Judge one payslip's net pay against the statements' credits."""
    net, confidence = field(slip, "net_pay")
    employer, _ = field(slip, "employer")
    evidence: dict[str, Any] = {"payslip_id": slip_id}
    if not isinstance(net, Decimal) or net <= 0:
        return "missing", f"no net pay could be read on payslip {slip_id}", evidence
    window = _window(slip, policy)
    evidence["net_pay"] = str(net)
    if window is None:
        return (
            "missing",
            f"payslip {slip_id} shows no pay date or period to look for its pay",
            evidence,
        )
    first, last = window
    evidence["window"] = [first.isoformat(), last.isoformat()]
    covering = [(i, s) for i, s in statements.done if _covers(s, first, last)]
    span = f"between {first.isoformat()} and {last.isoformat()}"
    if not covering:
        message, more = statements.absent(f"bank statement covering {span}")
        evidence.update(more)
        return "missing", f"net pay {net} of payslip {slip_id}: {message}", evidence
    tolerance = net * policy.income_tolerance
    credits = [c for i, s in covering for c in _credits(i, s) if first <= c.day <= last]
    evidence["statement_ids"] = [i for i, _ in covering]
    employer_text = employer if isinstance(employer, str) else ""

    def named(c: Credit) -> float:
        return employer_in(employer_text, c.description) if employer_text else 0.0

    near = [c for c in credits if abs(c.amount - net) <= tolerance]
    if not near:
        closest = min(credits, key=lambda c: abs(c.amount - net), default=None)
        text = f"no credit within {policy.income_tolerance:.0%} of net pay {net} {span}"
        if closest is not None:
            text += (
                f"; the closest is {closest.amount} on {closest.day.isoformat()}"
                f" ({closest.description!r}, statement {closest.document_id} line {closest.line})"
            )
            evidence["closest_credit"] = _credit_evidence(closest)
        return "fail", f"payslip {slip_id}: {text}", evidence
    best = max(near, key=lambda c: (named(c) >= EMPLOYER_NAMED, -abs(c.amount - net)))
    evidence["matched_credit"] = {**_credit_evidence(best), "employer_score": named(best)}
    text = (
        f"net pay {net} of payslip {slip_id} arrived on {best.day.isoformat()}: "
        f"{best.amount} {best.description!r} (statement {best.document_id} line {best.line})"
    )
    text += (
        ", which names the employer"
        if named(best) >= EMPLOYER_NAMED
        else ", though the description does not name the employer"
    )
    doubts = _statement_doubts(best.document_id, dict(covering)[best.document_id], holder, policy)
    if doubts:
        evidence["doubts"] = doubts
        return "review", f"{text}; but {'; '.join(doubts)}", evidence
    if confidence < policy.min_field_confidence:
        evidence["net_pay_confidence"] = confidence
        return "review", f"{text}; but the net pay was read with low confidence", evidence
    return "pass", text, evidence


def _credit_evidence(c: Credit) -> dict[str, Any]:
    return {
        "statement_id": c.document_id,
        "line": c.line,
        "date": c.day.isoformat(),
        "amount": str(c.amount),
        "description": c.description,
    }


def _declared_reason(
    applicant: Applicant, slips: list[tuple[str, Document]], policy: KycPolicy
) -> Reason:
    """Compare the declared monthly income with the latest payslip's gross and net pay."""
    declared = applicant.declared_income
    assert declared is not None
    code = "income.declared"
    pays = []
    for slip_id, slip in slips:
        paid, _ = field(slip, "pay_date")
        end, _ = field(slip, "period_end")
        day = (
            paid if isinstance(paid, dt.date) else end if isinstance(end, dt.date) else dt.date.min
        )
        amounts = [field(slip, n)[0] for n in ("gross_pay", "net_pay")]
        pays.append((day, slip_id, [a for a in amounts if isinstance(a, Decimal)]))
    day, slip_id, amounts = max(pays, key=lambda p: p[0])
    evidence: dict[str, Any] = {
        "declared_income": str(declared),
        "payslip_id": slip_id,
        "pay": [str(a) for a in amounts],
    }
    if not amounts:
        return Reason(
            code=code,
            status="missing",
            message=f"no pay could be read on payslip {slip_id}",
            evidence=evidence,
        )
    close = [a for a in amounts if abs(a - declared) <= a * policy.income_tolerance]
    shown = " / ".join(str(a) for a in amounts)
    if close:
        return Reason(
            code=code,
            status="pass",
            evidence=evidence,
            message=f"the declared monthly income {declared} agrees with payslip "
            f"{slip_id} (gross / net {shown})",
        )
    return Reason(
        code=code,
        status="fail",
        evidence=evidence,
        message=f"the declared monthly income {declared} is not within "
        f"{policy.income_tolerance:.0%} of payslip {slip_id}'s gross / net pay {shown}",
    )


def check_income(
    docs: list[CaseDocument], applicant: Applicant, holder: Holder | None, policy: KycPolicy
) -> list[Reason]:
    """Return the income reasons: payslip names, pays found in the statements, declared income."""
    slips = group(docs, {"payslip"})
    statements = group(docs, {"bank_statement"})
    if not slips.done:
        if not policy.require_income and not slips.pending:
            return []
        message, absent = slips.absent("payslip")
        return [Reason(code="income", status="missing", message=message, evidence=absent)]
    names: list[Reason] = []
    for slip_id, slip in slips.done:
        printed, confidence = field(slip, "employee")
        evidence: dict[str, Any] = {"document_id": slip_id, "field": "employee"}
        if holder is None or not isinstance(printed, str) or not printed.strip():
            why = "no identity document to compare it with" if holder is None else "none was read"
            names.append(
                Reason(
                    code="income.name",
                    status="missing",
                    evidence=evidence,
                    message=f"the employee's name on payslip {slip_id}: {why}",
                )
            )
            continue
        names.append(
            name_reason("income.name", "payslip", printed, confidence, holder, policy, evidence)
        )
    judged = [_credit_reason(i, s, statements, holder, policy) for i, s in slips.done]
    credits = Reason(
        code="income.credits",
        status=worst([j[0] for j in judged]),
        message="; ".join(j[1] for j in judged),
        evidence={"payslips": [j[2] for j in judged], "tolerance": str(policy.income_tolerance)},
    )
    name = (
        names[0]
        if len(names) == 1
        else Reason(
            code="income.name",
            status=worst([r.status for r in names]),
            message="; ".join(r.message for r in names),
            evidence={"payslips": [r.evidence for r in names]},
        )
    )
    out = [name, credits]
    if applicant.declared_income is not None:
        out.append(_declared_reason(applicant, slips.done, policy))
    return out
