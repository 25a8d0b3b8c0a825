"""Which answer fields a replay expects to differ from the recording, read from the spec: ids the server makes
(`format: uuid`, `readOnly`), times (`format: date-time` or `date`, integers the spec documents as unix time)
and the error body's request id; plus the names given with `--ignore-field`. And the comparison itself."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from malomo_contract.record_fields import ERROR_REQUEST_ID
from malomo_contract.spec_contract import spec

ID_FORMATS = frozenset({"uuid"})
TIME_FORMATS = frozenset({"date-time", "date"})


def _properties() -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every (name, merged schema) of a property of the spec's component schemas."""
    document = spec()
    for name in document.schemas():
        merged = document.schema(str(name))
        for property_name, property_schema in merged.get("properties", {}).items():
            yield str(property_name), document.merged(property_schema)


def _is_time(schema: Mapping[str, Any]) -> bool:
    if schema.get("format") in TIME_FORMATS:
        return True
    described = str(schema.get("description", "")).lower()
    return schema.get("type") == "integer" and "unix" in described


@functools.cache
def server_made_ids() -> frozenset[str]:
    """Names of the fields whose values the server makes up: mapped from the recording to the new run."""
    return frozenset(
        name for name, schema in _properties() if schema.get("format") in ID_FORMATS or schema.get("readOnly")
    )


@functools.cache
def documented_fields() -> frozenset[str]:
    """Names of every property the spec documents."""
    return frozenset(name for name, _ in _properties())


@functools.cache
def spec_volatile_fields() -> frozenset[str]:
    """Names of the fields expected to differ between two runs of the same traffic."""
    times = {name for name, schema in _properties() if _is_time(schema)}
    return frozenset(server_made_ids() | times | {ERROR_REQUEST_ID})


def differences(recorded: Any, new: Any, ignored: Iterable[str], where: str = "") -> list[str]:
    """The paths (`/0/email`) at which two JSON answers differ, fields named in `ignored` left out."""
    skip = frozenset(ignored)
    if isinstance(recorded, dict) and isinstance(new, dict):
        found: list[str] = []
        for name in sorted(recorded.keys() | new.keys()):
            if name in skip:
                continue
            if name not in recorded and name in documented_fields():
                continue  # a field the spec gained after the recording: the schema check judges it
            if name not in recorded or name not in new:
                found.append(f"{where}/{name} ({'only now' if name in new else 'only recorded'})")
            else:
                found += differences(recorded[name], new[name], skip, f"{where}/{name}")
        return found
    if isinstance(recorded, list) and isinstance(new, list):
        found = (
            [f"{where or '/'} ({len(recorded)} items recorded, {len(new)} now)"]
            if len(recorded) != len(new)
            else []
        )
        for index, (old, now) in enumerate(zip(recorded, new, strict=False)):
            found += differences(old, now, skip, f"{where}/{index}")
        return found
    return [] if recorded == new else [where or "/"]
