"""The server under test: where it is, the key it takes, whether the suite may write to it, and the
httpx clients the suite's own tests reach it through.
"""

from __future__ import annotations

import functools
import ipaddress
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

import httpx
import pytest

from malomo_contract.spec_contract import accept_header

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
# Small pages on the embedded server, so that every walk crosses several page boundaries.
EMBEDDED_PAGE_SIZE = 5
RATE_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def is_loopback_url(url: str) -> bool:
    """Whether `url` points at this machine (127.0.0.0/8, ::1 or localhost), where writes are harmless."""
    host = (urlsplit(url).hostname or "").lower()
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def mask_secret(secret: str) -> str:
    """A form of `secret` that is safe to print: its kind prefix (`sk_`, `pk_`) and nothing else."""
    prefix, sep, _ = secret.partition("_")
    if sep and len(prefix) <= 4:
        return f"{prefix}_****"
    return "****"


@dataclass(frozen=True)
class ContractTarget:
    """One server under test, from the options; `started()` fills in the embedded server's URL and key."""

    base_url: str
    api_key: str = field(repr=False)
    embedded: bool
    allows_writes: bool
    rate_limit: str | None = None  # as schemathesis' `rate-limit`: `N/s`, `N/m`, `N/h` or `N/d`
    embedded_page_size: int = EMBEDDED_PAGE_SIZE

    @classmethod
    def from_options(
        cls,
        base_url: str | None,
        api_key: str | None,
        allow_writes: bool,
        rate_limit: str | None,
        embedded_page_size: int = EMBEDDED_PAGE_SIZE,
    ) -> ContractTarget:
        """The target the options ask for; no `--base-url` (None) means the embedded server."""
        return cls(
            base_url=(base_url or "").rstrip("/"),
            api_key=api_key or "",
            embedded=base_url is None,
            allows_writes=base_url is None or is_loopback_url(base_url) or allow_writes,
            rate_limit=rate_limit,
            embedded_page_size=embedded_page_size,
        )

    @contextmanager
    def started(self) -> Iterator[ContractTarget]:
        """This target, serving: the embedded server runs for the block; any other already runs."""
        if not self.embedded:
            yield self
            return
        from malomo_mock import running

        with running(page_size=self.embedded_page_size) as server:
            yield replace(self, base_url=server.base_url, api_key=server.api_key)

    @property
    def auth_headers(self) -> dict[str, str]:
        """The key, and the API version the spec names, as the client sends it."""
        return {"Authorization": f"Bearer {self.api_key}", "Accept": accept_header()}

    def describe(self) -> str:
        """One line for the pytest header; the key appears masked."""
        kind = (
            f"embedded reference server, page size {self.embedded_page_size}"
            if self.embedded
            else "external server"
        )
        writes = "writes allowed" if self.allows_writes else "read-only (pass --allow-writes to write)"
        limit = f", at most {self.rate_limit} requests" if self.rate_limit else ""
        return f"{self.base_url} ({kind}, key {mask_secret(self.api_key)}, {writes}{limit})"

    def client(
        self,
        *,
        with_key: bool = True,
        for_cleanup: bool = False,
        observers: Sequence[Callable[[httpx.Response], None]] = (),
    ) -> httpx.Client:
        """A client for the suite's own requests: the key (unless told), the API version, the write refusal,
        the rate limit and `observers` of every answer (the run's counts). The end-of-session cleanup may
        delete."""
        refusal = [] if for_cleanup else [self.refuse_write]
        pacing = [request_pacer(self.rate_limit)] if self.rate_limit else []
        return httpx.Client(
            base_url=self.base_url,
            headers=self.auth_headers if with_key else {"Accept": accept_header()},
            timeout=30.0,
            event_hooks={"request": [*refusal, *pacing], "response": list(observers)},
            verify=tls_settings(),
        )

    def refuse_write(self, request: httpx.Request) -> None:
        """httpx request hook behind the `writes` mark (conftest.py skips marked tests on a read-only target):
        a write is never sent there, and a test that tries one fails for lacking the mark."""
        if request.method in WRITE_METHODS and not self.allows_writes:
            pytest.fail(
                f"{request.method} {request.url.path} was not sent: writes to {self.base_url} need "
                "--allow-writes, and a test that writes needs the `writes` mark",
                pytrace=False,
            )


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


@functools.cache
def tls_settings() -> ssl.SSLContext:
    """httpx's default TLS settings, made once per process: each client would load the CA bundle again."""
    return httpx.create_ssl_context()
