"""Loading a `--seed` JSON file of customers and their events into the store.

A customer's fields are those of the spec's `createCustomer` body, with its rules; an event's are those of
the spec's `Event`. With the spec of this repository, the file is one JSON object (UTF-8)::

    {
      "customers": [
        {
          "id": "a0a877c6-4164-4e8a-8179-48f8d4752b4e",   # optional: a new uuid4 when left out
          "email": "johnny@rosevideo.com",                 # required, same rules as the API
          "first_name": "Johnny",                          # optional, string or null
          "last_name": "Rose",                             # optional, string or null
          "phone_number": "555-555-5555",                  # optional, string or null
          "created_at": "2019-01-30T13:30:00Z",            # optional RFC 3339: load time when left out
          "updated_at": "2019-01-30T13:30:00Z",            # optional: created_at when left out
          "events": [                                      # optional
            {
              "id": "1a3c1090-efd1-11eb-9a03-0242ac130003", # optional: a new uuid4
              "type": "ShopifyOrderFulfilled",             # required string
              "label": "Order #1000 fulfilled",            # required string
              "link_back_url": "https://...",              # optional, string or null
              "properties": {"shopify_order": {"id": "5555555555555"}},  # optional object: {}
              "timestamp": 1548855000,                     # optional unix seconds: created_at's
              "created_at": "2019-01-30T13:30:00Z",        # optional: the customer's created_at
              "updated_at": "2019-01-30T13:30:00Z"         # optional: created_at
            }
          ]
        }
      ]
    }

Customers whose id is already stored (a `--db` file seeded before) are left as they are. Any other problem is
a `SeedError` whose message is one line naming the offending entry.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

from malomo_mock.customers_store import EVENT_OPERATION
from malomo_mock.openapi_contract import Contract, load_contract
from malomo_mock.store_records import CREATED_FIELD, ID_FIELD, UPDATED_FIELD, parse_timestamp
from malomo_mock.value_rules import InvalidValue, ValueRule

# The operation whose body rules a seed customer's fields.
_CREATE_OPERATION: Final = "createCustomer"
# A customer's list of events in the seed file (the seed format's own key, not a field of the spec).
_EVENTS_KEY: Final = "events"
# What the loader gives a record itself, beside the spec's fields: the store's own key columns.
_RECORD_KEYS: Final = frozenset({ID_FIELD, CREATED_FIELD, UPDATED_FIELD})
# The records given to the store (`CustomersStore.insert_customers`) carry its own key columns, `id`,
# `created_us` and `updated_us`, and a customer its `events`, beside the spec's fields.
# The event field an event left out takes from its created_at, in unix seconds (the seed format's rule).
_EVENT_SECONDS: Final = "timestamp"


class SeedError(ValueError):
    """The seed file cannot be read or does not follow the documented format."""


def _object(raw: Any, where: str, keys: Iterable[str]) -> dict[str, Any]:
    """`raw`, when it is an object of no other fields than `keys`."""
    if not isinstance(raw, dict):
        raise SeedError(f"{where}: must be an object")
    unknown = sorted(set(raw) - set(keys))
    if unknown:
        raise SeedError(f"{where}: unknown field {unknown[0]!r}")
    return raw


def _fields(rule: ValueRule, given: dict[str, Any], where: str) -> dict[str, Any]:
    """`given` when it follows `rule` (an object schema of the spec); else SeedError naming the field."""
    try:
        rule.check_body(given)
    except InvalidValue as exc:
        raise SeedError(f"{where}.{exc}") from None
    return given


def _id(raw: dict[str, Any], where: str) -> str:
    """The canonical text of the uuid `raw["id"]`, or a new uuid4 when it is left out."""
    if ID_FIELD not in raw:
        return str(uuid.uuid4())
    with contextlib.suppress(ValueError):
        if isinstance(raw[ID_FIELD], str):
            return str(uuid.UUID(raw[ID_FIELD]))
    raise SeedError(f"{where}.{ID_FIELD}: {raw[ID_FIELD]!r} is not a uuid")


def _moment(raw: dict[str, Any], name: str, where: str, default_us: int) -> int:
    """Microseconds of the RFC 3339 date-time `raw[name]`, or `default_us` when it is left out."""
    if name not in raw:
        return default_us
    try:
        return parse_timestamp(raw[name])
    except (ValueError, TypeError):
        raise SeedError(f"{where}.{name}: {raw[name]!r} is not an RFC 3339 date-time") from None


def _left_out_value(name: str, rule: ValueRule, created_us: int) -> Any:
    """What an event field left out of a seed file holds: null when it may be, `{}` for an object, the
    created_at's unix seconds for the timestamp; `...` when it must be given."""
    if rule.nullable:
        return None
    if rule.type == "object":
        return {}
    return created_us // 1_000_000 if name == _EVENT_SECONDS else ...


class _SeedRules:
    """The spec's rules for a seed customer's fields and a seed event's fields."""

    def __init__(self, contract: Contract) -> None:
        self.customer = contract.operation(_CREATE_OPERATION).body or ValueRule()
        event = contract.response_rule(EVENT_OPERATION)
        properties = {n: rule for n, rule in event.properties.items() if n not in _RECORD_KEYS}
        self.event_defaults = {n for n, rule in properties.items() if _left_out_value(n, rule, 0) is not ...}
        self.event = dataclasses.replace(
            event,
            properties=properties,
            required=event.required - _RECORD_KEYS - self.event_defaults,
            closed=True,
        )

    def event_of(self, raw: Any, where: str, customer_created_us: int) -> dict[str, Any]:
        raw = _object(raw, where, {*self.event.properties, *_RECORD_KEYS})
        given = _fields(self.event, {n: v for n, v in raw.items() if n not in _RECORD_KEYS}, where)
        created_us = _moment(raw, CREATED_FIELD, where, customer_created_us)
        updated_us = _moment(raw, UPDATED_FIELD, where, created_us)
        return {
            **{
                name: _left_out_value(name, self.event.properties[name], created_us)
                for name in self.event_defaults
            },
            **given,
            "id": _id(raw, where),
            "created_us": created_us,
            "updated_us": updated_us,
        }

    def customer_of(self, raw: Any, where: str, now_us: int) -> dict[str, Any]:
        raw = _object(raw, where, {*self.customer.properties, *_RECORD_KEYS, _EVENTS_KEY})
        given = {name: value for name, value in raw.items() if name in self.customer.properties}
        fields = _fields(self.customer, given, where)
        created_us = _moment(raw, CREATED_FIELD, where, now_us)
        updated_us = _moment(raw, UPDATED_FIELD, where, created_us)
        if updated_us < created_us:
            raise SeedError(f"{where}.{UPDATED_FIELD}: is before {CREATED_FIELD}")
        events = raw.get(_EVENTS_KEY, [])
        if not isinstance(events, list):
            raise SeedError(f"{where}.{_EVENTS_KEY}: must be a list")
        return {
            **fields,
            "id": _id(raw, where),
            "created_us": created_us,
            "updated_us": updated_us,
            "events": [
                self.event_of(event, f"{where}.{_EVENTS_KEY}[{n}]", created_us)
                for n, event in enumerate(events)
            ],
        }


def read_seed(path: Path, contract: Contract | None = None) -> list[dict[str, Any]]:
    """The customers of a seed file, checked against `contract` (the packaged spec's by default);
    SeedError (one line) when it is unreadable or invalid."""
    try:
        document = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise SeedError(f"cannot read seed file {str(path)!r}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SeedError(f"seed file {str(path)!r} is not UTF-8") from None
    except (ValueError, RecursionError) as exc:
        raise SeedError(f"seed file {str(path)!r} is not valid JSON: {str(exc).splitlines()[0]}") from None
    if not isinstance(document, dict) or not isinstance(document.get("customers"), list):
        raise SeedError(f'seed file {str(path)!r} must be an object with a "customers" list')
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise SeedError(f"seed file {str(path)!r} holds a string with an unpaired surrogate") from None
    unknown = sorted(set(document) - {"customers"})
    if unknown:
        raise SeedError(f"seed file {str(path)!r}: unknown field {unknown[0]!r}")
    rules = _SeedRules(contract or load_contract())
    now_us = time.time_ns() // 1000
    customers = [
        rules.customer_of(raw, f"customers[{n}]", now_us) for n, raw in enumerate(document["customers"])
    ]
    ids = [customer["id"] for customer in customers]
    event_ids = [event["id"] for customer in customers for event in customer["events"]]
    if len(set(ids)) != len(ids) or len(set(event_ids)) != len(event_ids):
        raise SeedError(f"seed file {str(path)!r} repeats an id")
    return customers
