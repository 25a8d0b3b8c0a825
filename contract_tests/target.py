"""The server under test: where it is, the key it takes, and whether the suite may write to it.

Resolved once per session from `--base-url`/`--api-key` (or `MALOMO_BASE_URL`/`MALOMO_API_KEY`).
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from .contract_coverage import COVERAGE

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


def is_loopback_url(url: str) -> bool:
    """Whether `url` points at this machine (127.0.0.0/8, ::1 or localhost), where writes are harmless."""
    host = (urlsplit(url).hostname or "").lower()
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def writes_allowed(base_url: str | None, allow_writes_flag: bool) -> bool:
    """Writes go to the embedded server (no URL) and to this machine's servers, elsewhere only when asked."""
    return base_url is None or is_loopback_url(base_url) or allow_writes_flag


def mask_secret(secret: str) -> str:
    """A form of `secret` that is safe to print: its kind prefix (`sk_`, `pk_`) and nothing else."""
    prefix, sep, _ = secret.partition("_")
    if sep and len(prefix) <= 4:
        return f"{prefix}_****"
    return "****"


@dataclass(frozen=True)
class ContractTarget:
    """One server under test. `repr` never shows the key."""

    base_url: str
    api_key: str = field(repr=False)
    embedded: bool
    allow_writes_flag: bool
    # `N/s`, `N/m`, `N/h` or `N/d` (as schemathesis' `rate-limit`), or None for no limit.
    rate_limit: str | None = None

    @property
    def allows_writes(self) -> bool:
        """Writes are allowed on this machine's servers, elsewhere only with `--allow-writes`."""
        return writes_allowed(self.base_url, self.allow_writes_flag)

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def describe(self) -> str:
        """One line for the pytest header; the key appears masked."""
        kind = "embedded reference server" if self.embedded else "external server"
        writes = "writes allowed" if self.allows_writes else "read-only (pass --allow-writes to write)"
        limit = f", at most {self.rate_limit} requests" if self.rate_limit else ""
        return f"{self.base_url} ({kind}, key {mask_secret(self.api_key)}, {writes}{limit})"

    def request_hooks(self, *, guard_writes: bool = True, observe: bool = True) -> dict[str, list[Any]]:
        """httpx `event_hooks` for the suite's clients: the write guard (unless told), then the rate limit;
        on answers, the coverage report's count (unless told: the end-of-session cleanup checks nothing)."""
        hooks: list[Callable[[httpx.Request], None]] = [write_guard(self)] if guard_writes else []
        if self.rate_limit:
            hooks.append(request_pacer(self.rate_limit))
        observers = [COVERAGE.response_observer(self.base_url)] if observe and COVERAGE.active else []
        return {"request": hooks, "response": observers}


def write_guard(target: ContractTarget) -> Callable[[httpx.Request], None]:
    """An httpx request hook that skips the test instead of sending a write the target does not allow."""

    def refuse_writes(request: httpx.Request) -> None:
        if request.method in WRITE_METHODS and not target.allows_writes:
            pytest.skip(f"writes to {target.base_url} need --allow-writes")

    return refuse_writes


RATE_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def seconds_between_requests(rate: str) -> float:
    """The spacing `N/unit` asks for; ValueError when `rate` is not of that form."""
    count, _, unit = rate.partition("/")
    if unit not in RATE_UNITS or not count.isdigit() or int(count) < 1:
        raise ValueError(f"a rate limit looks like 10/s, 300/m or 5000/h, not {rate!r}")
    return RATE_UNITS[unit] / int(count)


def request_pacer(rate: str) -> Callable[[httpx.Request], None]:
    """An httpx request hook that spaces requests evenly to stay within `rate`."""
    interval = seconds_between_requests(rate)
    lock = threading.Lock()
    next_slot = 0.0

    def pace(request: httpx.Request) -> None:
        nonlocal next_slot
        with lock:
            now = time.monotonic()
            wait = next_slot - now
            next_slot = max(now, next_slot) + interval
        if wait > 0:
            time.sleep(wait)

    return pace
