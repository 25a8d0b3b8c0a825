"""The server under test: where it is, the key it takes, and whether the suite may write to it.

Resolved once per session from `--base-url`/`--api-key` (or `MALOMO_BASE_URL`/`MALOMO_API_KEY`).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

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

    @property
    def is_loopback(self) -> bool:
        return is_loopback_url(self.base_url)

    @property
    def allows_writes(self) -> bool:
        """Writes are allowed on this machine's servers, elsewhere only with `--allow-writes`."""
        return self.is_loopback or self.allow_writes_flag

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def describe(self) -> str:
        """One line for the pytest header; the key appears masked."""
        kind = "embedded reference server" if self.embedded else "external server"
        writes = "writes allowed" if self.allows_writes else "read-only (pass --allow-writes to write)"
        return f"{self.base_url} ({kind}, key {mask_secret(self.api_key)}, {writes})"
