"""One way of breaking the contract, as the registry in `support.broken_servers` lists it."""

from __future__ import annotations

from dataclasses import dataclass

from support.broken_servers.asgi_rewrites import Wrap


@dataclass(frozen=True)
class BrokenVariant:
    """One way of breaking the contract: `wrap(app, api_key)` returns the broken app."""

    name: str
    breaks: str
    wrap: Wrap
    # The spec's operations the bug is planted in: a spec without one of them has no place for it.
    operations: tuple[str, ...] = ()
