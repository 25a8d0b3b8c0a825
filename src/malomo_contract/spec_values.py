"""Values and request bodies derived from the spec's schemas: valid ones for each field, and the one-change
invalid variants and boundary probes the suite's negative tests send.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from malomo_contract.customer_records import EMAIL_DOMAIN, filler_labels, tagged_email
from malomo_contract.spec_contract import Field, Operation

# Local-part length of the long addresses `email_of_length` makes (the domain takes the rest).
LOCAL_PART_FILL = 16


def field_value(field: Field, variant: int, example: Any = None, label: str = "value") -> Any:
    """A valid value for `field`; different `variant`s give different values (variant 0 is the spec's
    example where it has one). Emails are always fresh, undeliverable addresses of the suite."""
    schema = field.schema
    if "enum" in schema:
        return schema["enum"][variant % len(schema["enum"])]
    kind = field.type
    if kind == "string":
        if field.format == "email":
            return tagged_email(label)
        if field.format == "uuid":
            return str(uuid.uuid4())
        if field.format == "date-time":
            return f"20{10 + variant % 80:02d}-01-30T13:30:00Z"
        text = example if variant == 0 and isinstance(example, str) else f"{field.name} {variant}"
        return _fit(text, field, str(variant))
    if kind == "integer":
        return int(schema.get("minimum", 0)) + variant
    if kind == "number":
        return float(schema.get("minimum", 0)) + variant + 0.5
    if kind == "boolean":
        return variant % 2 == 0
    if kind == "array":
        return []
    return {}


def _fit(text: str, field: Field, tail: str) -> str:
    if field.max_length is not None and len(text) > field.max_length:
        text = (text[: max(field.max_length - len(tail), 0)] + tail)[-field.max_length :]
    return text.ljust(field.min_length, "x")


def wrong_type_value(field: Field) -> Any:
    """A value of another JSON type than `field`'s."""
    return {"string": 42, "integer": "42", "number": "4.2", "boolean": "true", "array": {}}.get(
        field.type or "", "not an object"
    )


def valid_body(
    operation: Operation, label: str, variant: int = 0, *, every_field: bool = False
) -> dict[str, Any]:
    """A body `operation` must accept: its required fields (or every field), from the spec's example where
    it has one."""
    example = operation.body_example()
    return {
        name: field_value(field, variant, example.get(name), label)
        for name, field in operation.body_fields().items()
        if field.required or every_field
    }


def string_of_length(field: Field, length: int) -> str:
    """A value of `field` that is exactly `length` characters long (and valid, but for its length)."""
    if field.format == "email":
        return email_of_length(length)
    return "x" * length


def email_of_length(length: int) -> str:
    """An undeliverable address of exactly `length` characters under the suite's domain."""
    room = length - 1 - len(EMAIL_DOMAIN)
    if room < 1:
        raise ValueError(f"no address under {EMAIL_DOMAIN} is {length} characters long")
    if room <= 2 * LOCAL_PART_FILL:
        return "a" * room + "@" + EMAIL_DOMAIN
    return "a" * LOCAL_PART_FILL + "@" + filler_labels(room - LOCAL_PART_FILL - 1) + "." + EMAIL_DOMAIN


def padded_json(body: Mapping[str, Any], size: int) -> bytes:
    """`body` as JSON, padded with insignificant whitespace to exactly `size` bytes (when it is shorter)."""
    import json

    text = json.dumps(body).encode()
    return text[:-1] + b" " * max(size - len(text), 0) + text[-1:]
