"""Loading a `--seed` JSON file of customers and their events into the store.

The file is one JSON object (UTF-8)::

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
import json
import time
import uuid
from pathlib import Path
from typing import Any

from malomo_mock.customers_store import parse_timestamp
from malomo_mock.request_bodies import CUSTOMER_FIELDS, BodyError, validate_customer_fields

_CUSTOMER_KEYS = frozenset({"id", *CUSTOMER_FIELDS, "created_at", "updated_at", "events"})
_EVENT_KEYS = frozenset(
    {"id", "type", "label", "link_back_url", "properties", "timestamp", "created_at", "updated_at"}
)


class SeedError(ValueError):
    """The seed file cannot be read or does not follow the documented format."""


def _object(raw: Any, where: str, keys: frozenset[str]) -> dict[str, Any]:
    """`raw`, when it is an object of no other fields than `keys`."""
    if not isinstance(raw, dict):
        raise SeedError(f"{where}: must be an object")
    unknown = sorted(set(raw) - keys)
    if unknown:
        raise SeedError(f"{where}: unknown field {unknown[0]!r}")
    return raw


def _id(raw: dict[str, Any], where: str) -> str:
    """The canonical text of the uuid `raw["id"]`, or a new uuid4 when it is left out."""
    if "id" not in raw:
        return str(uuid.uuid4())
    with contextlib.suppress(ValueError):
        if isinstance(raw["id"], str):
            return str(uuid.UUID(raw["id"]))
    raise SeedError(f"{where}.id: {raw['id']!r} is not a uuid")


def _moment(raw: dict[str, Any], name: str, where: str, default_us: int) -> int:
    """Microseconds of the RFC 3339 date-time `raw[name]`, or `default_us` when it is left out."""
    if name not in raw:
        return default_us
    try:
        return parse_timestamp(raw[name])
    except (ValueError, TypeError):
        raise SeedError(f"{where}.{name}: {raw[name]!r} is not an RFC 3339 date-time") from None


def _event(raw: Any, where: str, customer_created_us: int) -> dict[str, Any]:
    raw = _object(raw, where, _EVENT_KEYS)
    for name in ("type", "label"):
        if not isinstance(raw.get(name), str):
            raise SeedError(f"{where}.{name}: must be a string")
    link = raw.get("link_back_url")
    if link is not None and not isinstance(link, str):
        raise SeedError(f"{where}.link_back_url: must be a string or null")
    properties = raw.get("properties", {})
    if not isinstance(properties, dict):
        raise SeedError(f"{where}.properties: must be an object")
    created_us = _moment(raw, "created_at", where, customer_created_us)
    updated_us = _moment(raw, "updated_at", where, created_us)
    timestamp = raw.get("timestamp", created_us // 1_000_000)
    if type(timestamp) is not int or not -(2**63) <= timestamp < 2**63:
        raise SeedError(f"{where}.timestamp: must be an integer (unix seconds)")
    return {
        "id": _id(raw, where),
        "type": raw["type"],
        "label": raw["label"],
        "link_back_url": link,
        "properties": properties,
        "timestamp": timestamp,
        "created_us": created_us,
        "updated_us": updated_us,
    }


def _customer(raw: Any, where: str, now_us: int) -> dict[str, Any]:
    raw = _object(raw, where, _CUSTOMER_KEYS)
    given = {name: value for name, value in raw.items() if name in CUSTOMER_FIELDS}
    try:
        fields = validate_customer_fields(given, creating=True)
    except BodyError as exc:
        raise SeedError(f"{where}.{exc.message}") from None
    created_us = _moment(raw, "created_at", where, now_us)
    updated_us = _moment(raw, "updated_at", where, created_us)
    if updated_us < created_us:
        raise SeedError(f"{where}.updated_at: is before created_at")
    events = raw.get("events", [])
    if not isinstance(events, list):
        raise SeedError(f"{where}.events: must be a list")
    return {
        **fields,
        "id": _id(raw, where),
        "created_us": created_us,
        "updated_us": updated_us,
        "events": [_event(event, f"{where}.events[{n}]", created_us) for n, event in enumerate(events)],
    }


def read_seed(path: Path) -> list[dict[str, Any]]:
    """The validated customers of a seed file; SeedError (one line) when it is unreadable or invalid."""
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
    now_us = time.time_ns() // 1000
    customers = [_customer(raw, f"customers[{n}]", now_us) for n, raw in enumerate(document["customers"])]
    ids = [customer["id"] for customer in customers]
    event_ids = [event["id"] for customer in customers for event in customer["events"]]
    if len(set(ids)) != len(ids) or len(set(event_ids)) != len(event_ids):
        raise SeedError(f"seed file {str(path)!r} repeats an id")
    return customers
