"""Every status each operation answered in the run, always counted: what the "every operation must succeed"
test reads."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

from malomo_contract.spec_contract import operation_for


class StatusTally:
    """Every status each operation answered in the run, to the suite's own requests and generated ones alike:
    what the "every operation must succeed" check reads. Always on, unlike the report's collector."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.statuses: dict[str, Counter[int]] = {}
        # Operations that generated tests were collected for in this session.
        self.generated: set[str] = set()

    def count(self, label: str, status: int) -> None:
        with self._lock:
            self.statuses.setdefault(label, Counter())[status] += 1

    def observe(self, base_url: str) -> Callable[[httpx.Response], None]:
        """An httpx response hook counting each answer under its operation."""
        base_path = urlsplit(base_url).path.rstrip("/")

        def observe(response: httpx.Response) -> None:
            request = response.request
            matched = operation_for(request.method, request.url.path.removeprefix(base_path) or "/")
            if matched is not None:
                self.count(matched[0].label, response.status_code)

        return observe

    def reset(self) -> None:
        with self._lock:
            self.statuses.clear()
            self.generated.clear()
