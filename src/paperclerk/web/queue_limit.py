"""The bound on waiting jobs that every queued submission (document or claim) checks first."""

from __future__ import annotations

from paperclerk.queue.jobs import queue_deeper_than
from paperclerk.settings import get_settings
from paperclerk.web.errors import ApiError
from paperclerk.web.state import AppState

QUEUE_FULL_RETRY_S = 30


def check_queue(state: AppState) -> None:
    """Refuse (429 `queue_full`, with Retry-After) while more jobs wait than the bound.

    `PAPERCLERK_MAX_QUEUE_DEPTH` keeps a burst from queueing more work than the workers
    can finish in reasonable time; the client is told when to try again.
    """
    bound = get_settings().max_queue_depth
    with state.sessions() as session:
        full = queue_deeper_than(session, bound)
    if full:
        raise ApiError(
            429,
            "queue_full",
            f"more than {bound} documents wait to be processed; try again later",
            headers={"Retry-After": str(QUEUE_FULL_RETRY_S)},
        )
