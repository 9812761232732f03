"""What the reviewed memory knows per counterparty, for the admins' memory pages.

Counterparties are numbered by their place in the memory file (`key`), which never
changes: a spelling removed leaves its entry in place, and a counterparty whose last name
was removed stays as an empty gap that the pages skip.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from paperclerk.learning.memory import FORGETTABLE, Counterparty
from paperclerk.review.learning import reviewed_memory
from paperclerk.storage.errors import InvalidRequestError, NotFoundError

log = logging.getLogger(__name__)
MAX_LISTED = 500
FIELD_LABELS = {
    "names": "Name",
    "addresses": "Address",
    "tax_ids": "Tax id",
    "ibans": "IBAN",
    "phones": "Phone",
}
_KINDS = {"names": "name", "addresses": "address"}


@dataclass(frozen=True)
class CounterpartySummary:
    """One line of the memory list: key, chosen name, documents confirmed, fields known."""

    key: int
    name: str
    documents: int
    fields: list[str]


@dataclass(frozen=True)
class Spelling:
    """One learnt value of a field: how often confirmed, and whether the memory prefers it.

    `chosen` marks the spelling filled in when the page does not point to another one (the
    one a person corrected to last, else the most confirmed); `corrected` the one a
    person corrected to. Tax ids, IBANs and phones have no counts (None).
    """

    value: str
    count: int | None
    chosen: bool
    corrected: bool


@dataclass(frozen=True)
class CounterpartyDetail:
    """Everything learnt about one counterparty, field by field (labels in `FIELD_LABELS`)."""

    key: int
    name: str
    documents: int
    fields: dict[str, list[Spelling]]


def _fields(entry: Counterparty) -> list[str]:
    """Return the fields an entry has values for, in `FORGETTABLE` order."""
    return [f for f in FORGETTABLE if getattr(entry, f)]


def list_counterparties(data_dir: Path, query: str = "") -> list[CounterpartySummary]:
    """Return the counterparties the data folder's memory knows, by name (`query` filters).

    The filter keeps counterparties any of whose names contains the query, ignoring case;
    at most `MAX_LISTED` are returned.
    """
    memory = reviewed_memory(data_dir).snapshot()
    wanted = query.strip().casefold()
    rows = [
        CounterpartySummary(i, e.name, e.confirmed, _fields(e))
        for i, e in enumerate(memory.entries)
        if not e.empty and (not wanted or any(wanted in n.casefold() for n in e.names))
    ]
    return sorted(rows, key=lambda r: (r.name.casefold(), r.key))[:MAX_LISTED]


def _entry(data_dir: Path, key: int) -> Counterparty:
    """Return the memory entry `key`; NotFound when there is none (or it was emptied)."""
    memory = reviewed_memory(data_dir).snapshot()
    if not 0 <= key < len(memory.entries) or memory.entries[key].empty:
        raise NotFoundError(f"the memory knows no counterparty {key}")
    return memory.entries[key]


def counterparty_detail(data_dir: Path, key: int) -> CounterpartyDetail:
    """Return the learnt spellings of one counterparty per field, most confirmed first."""
    entry = _entry(data_dir, key)
    fields: dict[str, list[Spelling]] = {}
    for name in _fields(entry):
        held: dict[str, int] | list[str] = getattr(entry, name)
        kind = _KINDS.get(name)
        chosen = entry.choice(kind) if kind else None
        corrected = entry.corrected.get(kind) if kind else None
        items: list[tuple[str, int | None]]
        if isinstance(held, dict):
            counts = held
            items = [(v, counts[v]) for v in sorted(counts, key=lambda v: (-counts[v], v))]
        else:
            items = [(v, None) for v in held]
        fields[name] = [Spelling(v, n, v == chosen, v == corrected) for v, n in items]
    return CounterpartyDetail(key, entry.name, entry.confirmed, fields)


def forget_value(data_dir: Path, key: int, field: str, value: str, by: str) -> bool:
    """Remove a wrong learnt value of a counterparty; return whether the counterparty is left.

    `by` (the admin's email) goes to the log with what was removed: the memory file is
    shared by every workspace, so no document's audit trail fits. Raises
    `InvalidRequestError` for an unknown field, `NotFoundError` when the counterparty or
    the value is not there.
    """
    if field not in FORGETTABLE:
        raise InvalidRequestError(f"unknown field {field!r}; use one of {', '.join(FORGETTABLE)}")
    _entry(data_dir, key)
    memory = reviewed_memory(data_dir)
    if not memory.remove(key, field, value):
        raise NotFoundError(f"the counterparty {key} has no such {FIELD_LABELS[field].lower()}")
    log.info("memory: %s removed %s %r of counterparty %d", by, field, value, key)
    current = memory.snapshot()
    return not current.entries[key].empty
