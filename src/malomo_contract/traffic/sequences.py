"""Promises that span exchanges: which earlier exchanges of a recording (or of live traffic, one exchange at a
time) a later one must agree with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

from malomo_contract.record_fields import ID_FIELD, UPDATED_AT
from malomo_contract.rfc3339 import parse_rfc3339
from malomo_contract.spec_contract import CURSOR_RELS, cursor_parameters
from malomo_contract.traffic.exchanges import Exchange, json_or_none


def link_sequences(exchanges: Sequence[Exchange]) -> None:
    """Attach to each exchange of a recording the earlier ones it must agree with (`SequenceLinker`)."""
    linker = SequenceLinker()
    for exchange in exchanges:
        linker.add(exchange)


class SequenceLinker:
    """Links each exchange, as it comes, to the earlier ones it must agree with: the last update of the
    customer it reads (a get after an update shows the update), the delete of the customer it addresses,
    the last answer showing the customer it updates (`updated_at` moves forward), and the pages of the list
    walk whose cursor it follows (no page and no id twice)."""

    def __init__(self) -> None:
        self.last_update: dict[str, Exchange] = {}
        self.deleted: dict[str, Exchange] = {}
        self.last_seen: dict[str, Exchange] = {}
        # (path, rel, cursor) -> the pages of the walk a request with that cursor continues.
        self.walks: dict[tuple[str, str, str], list[Exchange]] = {}

    def add(self, exchange: Exchange) -> None:
        called = exchange.spec_operation
        if (
            called is not None
            and exchange.method == "GET"
            and exchange.status == 200
            and not called.path_parameters
        ):
            self._follow_walk(exchange)
        customer_id = exchange.customer_id()
        if customer_id is not None:
            self._link_customer(exchange, customer_id)
        shown = _customer_shown(exchange)
        if shown is not None:
            self.last_seen[shown] = exchange

    def _link_customer(self, exchange: Exchange, customer_id: str) -> None:
        delete = self.deleted.get(customer_id)
        if delete is not None and delete.precedes(exchange):
            exchange.follows.append((delete, "delete"))
        if not exchange.addresses_the_record:
            return  # the customer's events: only the delete applies
        update = self.last_update.get(customer_id)
        seen = self.last_seen.get(customer_id)
        if (
            exchange.method == "GET"
            and exchange.status == 200
            and update is not None
            and update.precedes(exchange)
        ):
            exchange.follows.append((update, "update"))
        elif exchange.method == "PUT" and exchange.status == 200:
            if seen is not None and seen.precedes(exchange):
                exchange.follows.append((seen, "rewrite"))
            self.last_update[customer_id] = exchange
        elif exchange.method == "DELETE" and 200 <= exchange.status < 300:
            self.deleted[customer_id] = exchange

    def _follow_walk(self, exchange: Exchange) -> None:
        """Join the page to the walk whose cursor it was asked with (or start walks); register its links."""
        path = exchange.path
        query = parse_qs(urlsplit(exchange.url).query)
        walks: list[tuple[str, list[Exchange]]] = []
        asked = [(rel, values[-1]) for rel in cursor_parameters() if (values := query.get(rel))]
        if asked:
            rel, cursor = asked[0]
            earlier = self.walks.get((path, rel, cursor))
            if earlier is None:
                return  # a cursor from outside the traffic seen: not a walk we can follow
            exchange.walk, exchange.walk_rel = list(earlier), rel
            walks.append((rel, [*earlier, exchange]))
        else:
            walks = [(rel, [exchange]) for rel in CURSOR_RELS if rel in cursor_parameters()]
        links = exchange.response().links
        for rel, pages in walks:
            target = links.get(rel, {}).get("url")
            cursor = parse_qs(urlsplit(target).query).get(rel, [""])[-1] if target else ""
            if cursor:
                self.walks[(path, rel, cursor)] = pages


def _customer_shown(exchange: Exchange) -> str | None:
    """The id of the customer a successful create, read or update answered with."""
    called = exchange.spec_operation
    if called is None or exchange.status != 200 or exchange.method not in ("POST", "GET", "PUT"):
        return None
    if exchange.method == "GET" and not exchange.addresses_the_record:
        return None
    body = json_or_none(exchange.response_body)
    shown = body.get(ID_FIELD) if isinstance(body, dict) else None
    return str(shown).lower() if isinstance(shown, str) and UPDATED_AT in body else None


def later_write(written: Any, fetched: Any) -> bool:
    """The customer was written again (by someone else) between the update and the get."""
    try:
        return parse_rfc3339(fetched[UPDATED_AT]) > parse_rfc3339(written[UPDATED_AT])
    except (KeyError, TypeError, ValueError):
        return False
