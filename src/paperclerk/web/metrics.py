"""Prometheus metrics read from the app database at scrape time.

Workers run in other processes (or on other machines), so the database, not process memory,
is where documents, queue depth, errors and stage timings are counted. The figures cover
every workspace, so they are for the operator only (`check_metrics_access`).
"""

from __future__ import annotations

import ipaddress
import secrets
from collections import defaultdict
from collections.abc import Iterator

from fastapi import Request
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry
from sqlalchemy import func, select

from paperclerk.queue.jobs import queue_depth
from paperclerk.settings import get_settings
from paperclerk.storage.tables import DocumentRow, DriftAlarmRow
from paperclerk.web.errors import ApiError
from paperclerk.web.state import AppState

RECENT = 500


def check_metrics_access(request: Request) -> None:
    """Refuse a scrape without the metrics token, or from off this machine when none is set.

    With `PAPERCLERK_METRICS_TOKEN`, `Authorization: Bearer <token>` is required (401
    otherwise); without it, only loopback clients are answered (403 otherwise). Behind a
    reverse proxy on the same machine every client looks local: set a token there.
    """
    token = get_settings().metrics_token
    if token:
        scheme, _, sent = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(
            sent.strip().encode(), token.encode()
        ):
            raise ApiError(401, "unauthorized", "send the metrics token as 'Authorization: Bearer'")
        return
    host = request.client.host if request.client is not None else ""
    try:
        local = ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    if not local:
        raise ApiError(
            403, "forbidden", "metrics answer loopback clients only; set PAPERCLERK_METRICS_TOKEN"
        )


class MetricsCollector(Collector):
    """Documents by status, jobs by lane and status, errors by code, stage seconds, drift alarms."""

    def __init__(self, state: AppState) -> None:
        self.state = state
        self.registry = CollectorRegistry()
        self.registry.register(self)

    def collect(self) -> Iterator[Metric]:
        """Query the database and yield the metric families."""
        documents = GaugeMetricFamily(
            "paperclerk_documents", "Documents by status", labels=["status"]
        )
        jobs = GaugeMetricFamily(
            "paperclerk_queue_jobs", "Jobs by lane and status", labels=["lane", "status"]
        )
        errors = GaugeMetricFamily(
            "paperclerk_document_errors", "Documents whose last attempt failed, by error code",
            labels=["code"],
        )  # fmt: skip
        stages = GaugeMetricFamily(
            "paperclerk_stage_seconds_mean",
            f"Mean seconds per pipeline stage over the last {RECENT} finished documents",
            labels=["stage"],
        )
        drift = GaugeMetricFamily(
            "paperclerk_drift_alarms_open",
            "Open drift alarms (1) by workspace, document type and signal; see /v1/drift",
            labels=["workspace", "doc_type", "signal"],
        )
        with self.state.sessions() as session:
            for alarm in session.scalars(
                select(DriftAlarmRow).where(DriftAlarmRow.acknowledged_at.is_(None))
            ):
                drift.add_metric([alarm.workspace_id, alarm.doc_type, alarm.signal], 1.0)
            by_status = select(DocumentRow.status, func.count()).group_by(DocumentRow.status)
            for row in session.execute(by_status):
                documents.add_metric([str(row[0])], float(row[1]))
            for lane, counts in queue_depth(session).items():
                for status, count in counts.items():
                    jobs.add_metric([lane, status], float(count))
            by_code = (
                select(DocumentRow.error_code, func.count())
                .where(DocumentRow.error_code.is_not(None))
                .group_by(DocumentRow.error_code)
            )
            for code, count in session.execute(by_code):
                errors.add_metric([str(code)], float(count))
            recent = (
                select(DocumentRow.result)
                .where(DocumentRow.result.is_not(None))
                .order_by(DocumentRow.completed_at.desc())
                .limit(RECENT)
            )
            totals: dict[str, list[float]] = defaultdict(list)
            for result in session.scalars(recent):
                for stage, seconds in (result or {}).get("timings", {}).items():
                    totals[stage].append(float(seconds))
            for stage, values in sorted(totals.items()):
                stages.add_metric([stage], sum(values) / len(values))
        yield from (documents, jobs, errors, stages, drift)
