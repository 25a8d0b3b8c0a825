"""Promises that span exchanges: which earlier exchanges of a recording a later one must agree with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from malomo_contract.record_fields import UPDATED_AT
from malomo_contract.rfc3339 import parse_rfc3339
from malomo_contract.traffic.exchanges import Exchange


def link_sequences(exchanges: Sequence[Exchange]) -> None:
    """Attach to each exchange the earlier ones it must agree with: the last update of the customer it
    reads (a get after an update shows the update), and the delete of the customer it addresses."""
    last_update: dict[str, Exchange] = {}
    deleted: dict[str, Exchange] = {}
    for exchange in exchanges:
        customer_id = exchange.customer_id()
        if customer_id is None:
            continue
        delete = deleted.get(customer_id)
        if delete is not None and delete.precedes(exchange):
            exchange.follows.append((delete, "delete"))
        if not exchange.addresses_the_record:
            continue  # the customer's events: only the delete applies
        update = last_update.get(customer_id)
        if (
            exchange.method == "GET"
            and exchange.status == 200
            and update is not None
            and update.precedes(exchange)
        ):
            exchange.follows.append((update, "update"))
        elif exchange.method == "PUT" and exchange.status == 200:
            last_update[customer_id] = exchange
        elif exchange.method == "DELETE" and 200 <= exchange.status < 300:
            deleted[customer_id] = exchange


def later_write(written: Any, fetched: Any) -> bool:
    """The customer was written again (by someone else) between the update and the get."""
    try:
        return parse_rfc3339(fetched[UPDATED_AT]) > parse_rfc3339(written[UPDATED_AT])
    except (KeyError, TypeError, ValueError):
        return False
