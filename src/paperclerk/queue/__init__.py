"""Job queues: the durable one in the app database, and the in-memory hand-off.

The durable queue has leases, lanes, retries with backoff and dead jobs; `queue.memory`
hands requests that must not be stored (`retention=none`, campaign submissions) to workers.

The API side enqueues in the same transaction as the document row (`enqueue`); workers
`claim` a job, renew its lease with `heartbeat`, and end it with `finish_document` (result
and job state in one transaction), `complete` or `fail`. The same code runs on SQLite and
PostgreSQL.
"""

from paperclerk.queue.jobs import (
    DEFAULT_MAX_ATTEMPTS,
    backoff_delay,
    enqueue,
    finish_document,
    queue_depth,
    reprocess,
    requeue,
)
from paperclerk.queue.lease import DEFAULT_LEASE_S, LANE_ORDER, claim, complete, fail, heartbeat
from paperclerk.storage.columns import JobStatus, Lane
from paperclerk.storage.tables import Job

__all__ = [
    "DEFAULT_LEASE_S",
    "DEFAULT_MAX_ATTEMPTS",
    "LANE_ORDER",
    "Job",
    "JobStatus",
    "Lane",
    "backoff_delay",
    "claim",
    "complete",
    "enqueue",
    "fail",
    "finish_document",
    "heartbeat",
    "queue_depth",
    "reprocess",
    "requeue",
]
