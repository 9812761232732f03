"""Login throttling: failed logins per account and per client address lock them a while.

Counted in this process's memory (the API runs as one process per data folder), so a
restart forgets them. Every failed login and every lockout goes to the `paperclerk.audit`
log; the login route also records every attempt in the database (`login_events`).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable

audit_log = logging.getLogger("paperclerk.audit")
ADDRESS_FACTOR = 4
"""A client address may fail this many times more than one account: offices share one."""
MAX_TRACKED = 10_000
"""Past this many counted keys, those with no recent failure are forgotten."""


class LoginThrottle:
    """Failed logins counted per account and per client address, and the locks they earn.

    `max_failures` failures of one account within `lockout_s` seconds lock it for
    `lockout_s` seconds; a client address is locked the same way at four times as many.
    """

    def __init__(
        self, max_failures: int, lockout_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_failures = max_failures
        self.lockout_s = lockout_s
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(email: str, client: str) -> dict[str, int]:
        """Return the throttled keys of a login attempt with the failures each may have."""
        return {f"account:{email.strip().lower()}": 1, f"address:{client}": ADDRESS_FACTOR}

    def retry_after(self, email: str, client: str) -> int | None:
        """Return the seconds until this login may be tried again, or None when it may now."""
        now = self.clock()
        with self._lock:
            waits = [self._locked_until.get(key, 0.0) - now for key in self._keys(email, client)]
        wait = max(waits)
        return math.ceil(wait) if wait > 0 else None

    def failed(self, email: str, client: str) -> bool:
        """Count a failed login; lock the account or the address that reached its limit.

        Returns whether this failure locked one of them.
        """
        now = self.clock()
        audit_log.warning("login failed: account %r from %s", email, client)
        locked = False
        with self._lock:
            if len(self._failures) > MAX_TRACKED:
                self._prune(now)
            for key, factor in self._keys(email, client).items():
                times = self._failures.setdefault(key, deque())
                times.append(now)
                while times and times[0] <= now - self.lockout_s:
                    times.popleft()
                if len(times) >= self.max_failures * factor:
                    times.clear()
                    self._locked_until[key] = now + self.lockout_s
                    locked = True
                    audit_log.warning(
                        "login locked: %s for %d s after %d failures (last from %s)",
                        key, self.lockout_s, self.max_failures * factor, client,
                    )  # fmt: skip
        return locked

    def _prune(self, now: float) -> None:
        """Forget keys whose failures and lock are all older than the window (lock held)."""
        horizon = now - self.lockout_s
        for key in [k for k, t in self._failures.items() if not t or t[-1] <= horizon]:
            del self._failures[key]
        for key in [k for k, until in self._locked_until.items() if until <= now]:
            del self._locked_until[key]

    def succeeded(self, email: str) -> None:
        """Forget the account's failures after a good login.

        The address's failures stay: one good login must not reset the count of an
        address trying many accounts.
        """
        with self._lock:
            self._failures.pop(f"account:{email.strip().lower()}", None)
