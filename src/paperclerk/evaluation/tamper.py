"""`tamper_caught` of `paperclerk eval duplicates`: whether receipts with an edited total pay.

For every receipt the evaluation paints a bigger total over the printed one, once alone and
once with the cash line changed to match (`paperclerk.evaluation.tamper_edits`). Each edit
is read by the real pipeline and decided by the loyalty slice (`decide_submission`) for a
campaign that accepts every shop, date and amount, in a workspace of its own with nothing
submitted before: the fraudster's first try. `tamper_caught` is the share of edits that
are not approved. Beside it: how many were approved with the painted total (money lost;
an approved edit whose total was read from another, untouched line pays the true amount),
how many edits were flagged by a tamper or fraud finding
(not just sent to review for another reason), how many were read with the new total at
all, the same edits submitted after their untouched original (the "rejected, edited,
resubmitted" case), and how the untouched originals fare (the false alarms the checks
cost honest shoppers).
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from paperclerk.evaluation.parallel import WorkerSetup, process_many
from paperclerk.evaluation.tamper_edits import TotalEdit, edit_total
from paperclerk.ingest import load_bytes
from paperclerk.loyalty.campaign import Campaign, Reward
from paperclerk.loyalty.decide import Outcome
from paperclerk.loyalty.service import SubmissionResult, decide_submission
from paperclerk.model import DocType, Document
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.migrate import upgrade
from paperclerk.storage.workspaces import create_workspace

NOW = dt.datetime(2099, 12, 1, tzinfo=dt.UTC)
OPEN_CAMPAIGN = Campaign(
    id="eval-open",
    starts=dt.date(1990, 1, 1),
    ends=dt.date(2099, 12, 31),
    reward=Reward(kind="percentage", percent=Decimal(10)),
)
TAMPER_RULES = ("tamper.", "fraud.", "duplicates.")


@dataclass
class Tally:
    """Decisions on one group of submissions."""

    submitted: int = 0
    approved: int = 0
    flagged: int = 0  # a failed tamper, fraud or duplicate finding
    read_as_edited: int = 0  # the total read is the painted one
    paid_as_edited: int = 0  # approved with the painted total: money lost
    unconfirmed: int = 0  # approved, but nothing else on the receipt confirms the total

    def to_json(self) -> dict[str, Any]:
        """Return the counts and the share not approved."""
        return {
            "submitted": self.submitted,
            "approved": self.approved,
            "not_approved_share": round(1 - self.approved / self.submitted, 4)
            if self.submitted
            else None,
            "flagged": self.flagged,
            "read_as_edited": self.read_as_edited,
            "approved_with_edited_total": self.paid_as_edited,
            "approved_unconfirmed": self.unconfirmed,
            "approved_with_confirm_total": self.approved - self.unconfirmed,
        }


@dataclass
class TamperReport:
    """Edits made, and how each group of submissions was decided."""

    receipts: int = 0
    skipped: int = 0  # receipts with no total row to edit
    alone: dict[str, Tally] = field(default_factory=dict)  # "total", "total_and_cash"
    after_original: Tally = field(default_factory=Tally)
    originals: Tally = field(default_factory=Tally)
    missed: list[str] = field(default_factory=list)

    @property
    def edits(self) -> int:
        """Edited receipts submitted alone (both variants)."""
        return sum(t.submitted for t in self.alone.values())

    @property
    def tamper_caught_confirm_total(self) -> float:
        """`tamper_caught` had the campaign set `confirm_total` (unconfirmed totals reviewed)."""
        approved = sum(t.approved - t.unconfirmed for t in self.alone.values())
        return 1 - approved / self.edits if self.edits else 1.0

    @property
    def tamper_caught(self) -> float:
        """Share of edited receipts, submitted alone, that are not approved."""
        approved = sum(t.approved for t in self.alone.values())
        return 1 - approved / self.edits if self.edits else 1.0

    def to_json(self) -> dict[str, Any]:
        """Return the figures as JSON."""
        return {
            "receipts": self.receipts,
            "skipped": self.skipped,
            "edits": self.edits,
            "tamper_caught": round(self.tamper_caught, 4),
            "tamper_caught_with_confirm_total": round(self.tamper_caught_confirm_total, 4),
            "alone": {k: t.to_json() for k, t in self.alone.items()},
            "after_original": self.after_original.to_json(),
            "originals": self.originals.to_json(),
            "missed": self.missed[:50],
        }


@dataclass(frozen=True)
class _Sub:
    name: str
    data: bytes
    edit: TotalEdit | None


def make_edits(paths: list[Path], seed: int) -> tuple[list[_Sub], list[_Sub], list[_Sub], int]:
    """Return the originals and both kinds of edits of the receipts that could be edited."""
    originals: list[_Sub] = []
    totals: list[_Sub] = []
    with_cash: list[_Sub] = []
    skipped = 0
    for path in paths:
        rng = random.Random(f"{seed}:{path.stem}")
        edit = edit_total(path, rng, with_cash=False)
        if edit is None:
            skipped += 1
            continue
        originals.append(_Sub(path.stem, path.read_bytes(), None))
        totals.append(_Sub(f"{path.stem}~total", edit.data, edit))
        cash = edit_total(path, random.Random(f"{seed}:{path.stem}"), with_cash=True)
        if cash is not None:
            with_cash.append(_Sub(f"{path.stem}~total+cash", cash.data, cash))
    return originals, totals, with_cash, skipped


def _read(
    subs: list[_Sub], workers: int, model: str | None, tick: Callable[[str], None]
) -> dict[str, Document | None]:
    out: dict[str, Document | None] = {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for n, sub in enumerate(subs):
            path = Path(tmp) / f"{n:05d}.jpg"
            path.write_bytes(sub.data)
            paths.append(path)
        outcomes = process_many(paths, WorkerSetup(receipt_model=model), workers, DocType.RECEIPT)
        for sub, outcome in zip(subs, outcomes, strict=True):
            out[sub.name] = outcome.document
            tick(sub.name)
    return out


def _decide(session: Any, workspace: str, sub: _Sub, doc: Document, who: str) -> SubmissionResult:
    return decide_submission(
        session, workspace, OPEN_CAMPAIGN, who, sub.data, load_bytes(sub.data), doc, now=NOW
    )


def _count(tally: Tally, result: SubmissionResult, sub: _Sub, report: TamperReport) -> None:
    tally.submitted += 1
    if result.outcome == Outcome.APPROVED:
        tally.approved += 1
        tally.unconfirmed += any(
            f.rule_id == "tamper.confirmed_total" and not f.evidence.get("confirmed_by")
            for f in result.findings
        )
        if sub.edit is not None:
            report.missed.append(f"{sub.name}: read total {result.receipt.total}")
    if any(not f.passed and f.rule_id.startswith(TAMPER_RULES) for f in result.findings):
        tally.flagged += 1
    if sub.edit is not None and result.receipt.total == sub.edit.new_total:
        tally.read_as_edited += 1
        tally.paid_as_edited += result.outcome == Outcome.APPROVED


def evaluate_tamper(
    paths: list[Path],
    seed: int,
    workers: int,
    model: str | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> TamperReport:
    """Edit, read and decide every receipt; return the report behind `tamper_caught`."""
    tick = on_progress or (lambda _name: None)
    report = TamperReport(receipts=len(paths))
    originals, totals, with_cash, report.skipped = make_edits(paths, seed)
    docs = _read(originals + totals + with_cash, workers, model, tick)
    report.alone = {"total": Tally(), "total_and_cash": Tally()}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'tamper.db'}"
        upgrade(url)
        engine = make_engine(url)
        try:
            factory = make_session_factory(engine)
            groups = [
                ("originals", originals, report.originals),
                ("total", totals, report.alone["total"]),
                ("total_and_cash", with_cash, report.alone["total_and_cash"]),
            ]
            for label, subs, tally in groups:
                with factory.begin() as session:
                    workspace = create_workspace(session, f"tamper-{label}").id
                for n, sub in enumerate(subs):
                    doc = docs.get(sub.name)
                    if doc is None:
                        continue
                    with factory.begin() as session:
                        _count(tally, _decide(session, workspace, sub, doc, f"p{n}"), sub, report)
            with factory.begin() as session:
                workspace = create_workspace(session, "tamper-after-original").id
            by_stem = {o.name: o for o in originals}
            for n, sub in enumerate(totals):
                original = by_stem[sub.name.split("~")[0]]
                first, second = docs.get(original.name), docs.get(sub.name)
                if first is None or second is None:
                    continue
                with factory.begin() as session:
                    _decide(session, workspace, original, first, f"p{n}")
                with factory.begin() as session:
                    result = _decide(session, workspace, sub, second, f"p{n}")
                    _count(report.after_original, result, sub, report)
        finally:
            engine.dispose()
    return report
