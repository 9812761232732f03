"""Human in the loop: the review queue, corrections, decisions, audit trail and dashboard.

Plain functions over an open `Session` (none commits); the web UI and the API are thin
layers on top.
"""

from paperclerk.review.audit import Actor, AuditEntry, list_entries, record
from paperclerk.review.corrections import Checked, Correction, Problem, check
from paperclerk.review.decisions import (
    Approved,
    BlockingProblemsError,
    Reviewer,
    approve,
    load,
    reject,
    reopen,
    reopen_for_api,
    type_policy,
)
from paperclerk.review.learning import remember
from paperclerk.review.queue import (
    QueueCounts,
    QueueFilter,
    claim,
    claim_next,
    claimable,
    list_queue,
    queue_counts,
    release,
)
from paperclerk.review.results import on_result_stored

__all__ = [
    "Actor",
    "Approved",
    "AuditEntry",
    "BlockingProblemsError",
    "Checked",
    "Correction",
    "Problem",
    "QueueCounts",
    "QueueFilter",
    "Reviewer",
    "approve",
    "check",
    "claim",
    "claim_next",
    "claimable",
    "list_entries",
    "list_queue",
    "load",
    "on_result_stored",
    "queue_counts",
    "record",
    "reject",
    "release",
    "remember",
    "reopen",
    "reopen_for_api",
    "type_policy",
]
