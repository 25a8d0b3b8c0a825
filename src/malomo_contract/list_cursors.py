"""Cursors the server has issued, per list, so generated list requests can send real ones.

A cursor is opaque and only the server can make one; a generated string is rightly refused with 400.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from urllib.parse import parse_qs, urlsplit

import httpx

from malomo_contract.spec_contract import cursor_parameters, operation_for

# The query parameters a list's cursors travel in, as the spec names them.
CURSOR_PARAMS = tuple(cursor_parameters())
# Cursors kept per list and direction; older ones are dropped first.
MAX_CURSORS_PER_LIST = 20


def list_key(method: str, path: str) -> str | None:
    """`<operationId>` plus its path parameters (`listCustomerEvents:<id>`) for a request to a list operation
    of the spec, None for any other request."""
    matched = operation_for(method, path)
    if matched is None or not matched[0].is_list:
        return None
    operation, parameters = matched
    return ":".join([operation.operation_id, *(parameters[name].lower() for name in sorted(parameters))])


class CursorPool:
    """Cursors seen in `Link` headers, keyed by list and by the query parameter that carries them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cursors: dict[tuple[str, str], list[str]] = {}

    def harvest(self, key: str, link_headers: Sequence[str]) -> None:
        """Remember the cursors in the `Link` header (its values) of one list answer."""
        links = httpx.Response(200, headers=[("link", value) for value in link_headers]).links
        with self._lock:
            for rel in CURSOR_PARAMS:
                for cursor in parse_qs(urlsplit(links.get(rel, {}).get("url", "")).query).get(rel, []):
                    known = self._cursors.setdefault((key, rel), [])
                    if cursor not in known:
                        known.append(cursor)
                        del known[:-MAX_CURSORS_PER_LIST]

    def cursors(self, key: str, rel: str) -> list[str]:
        with self._lock:
            return list(self._cursors.get((key, rel), []))

    def clear(self) -> None:
        with self._lock:
            self._cursors.clear()
