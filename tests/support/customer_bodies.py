"""Valid createCustomer bodies built from the spec, so that a test about something else keeps working when
a field becomes required (or gains a rule) in the spec."""

from __future__ import annotations

from typing import Any

import malomo_spec
from support.spec_document import DOCUMENT, resolve

_CREATE = resolve(malomo_spec.operation(DOCUMENT, "createCustomer").node["requestBody"])["content"][
    "application/json"
]
_EXAMPLE: dict[str, Any] = dict(_CREATE["example"])
REQUIRED_ON_CREATE: tuple[str, ...] = tuple(resolve(_CREATE["schema"]).get("required", ()))


def new_customer(**fields: Any) -> dict[str, Any]:
    """The spec's required create fields, valued from its example, overlaid with `fields`: the smallest
    valid body, for tests where which optional fields are sent does not matter."""
    return {**{name: _EXAMPLE[name] for name in REQUIRED_ON_CREATE}, **fields}


def full_customer(**fields: Any) -> dict[str, Any]:
    """Every field of the spec's create example, overlaid with `fields`."""
    return {**_EXAMPLE, **fields}
