"""What one JSON value or query parameter may be (OpenAPI 3.0 schema keywords as `ValueRule`s), and the
check of a value against it that names the field at fault."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

# The JSON value types of each OpenAPI `type`.
JSON_TYPES: Final[dict[str, tuple[type, ...]]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}
_ARTICLES: Final = {"integer": "an integer", "object": "an object", "array": "an array"}
_INTEGER_FORMATS: Final = {"int32": 2**31, "int64": 2**63}
# `format: email` as the spec's Email description words it: an RFC 5322 dot-atom local part (no quoted
# strings) and a host name of letter, digit and hyphen labels (a dotless one too).
_EMAIL: Final = re.compile(
    r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+(?:\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)*"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
)
_UUID: Final = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_INTEGER_TEXT: Final = re.compile(r"-?[0-9]{1,20}")
_NUMBER_TEXT: Final = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


class InvalidValue(ValueError):
    """A value that breaks the contract; the message names the field at fault."""


def is_email(value: str) -> bool:
    """True for `local@domain` addresses: dot-atom local part (at most 64 characters), LDH domain labels."""
    if not _EMAIL.fullmatch(value):
        return False
    local, _, domain = value.rpartition("@")
    return len(local) <= 64 and all(len(label) <= 63 for label in domain.split("."))


def is_uuid(value: str) -> bool:
    """True for the text of a uuid (`format: uuid`), in either case."""
    return _UUID.fullmatch(value) is not None


def _is_date_time(value: str) -> bool:
    if len(value) < 20 or value[10] not in "Tt":
        return False
    try:
        moment = datetime.fromisoformat(value[:-1] + "+00:00" if value[-1] in "Zz" else value)
    except ValueError:
        return False
    return moment.tzinfo is not None


_STRING_FORMATS: Final = {
    "email": (is_email, "is not a valid email address"),
    "uuid": (is_uuid, "is not a uuid"),
    "date-time": (_is_date_time, "is not an RFC 3339 date-time"),
}


@dataclass(frozen=True, slots=True)
class ValueRule:
    """What one JSON value may be: the OpenAPI 3.0 keywords of `_RULES`, nested for objects and arrays."""

    type: str | None = None
    nullable: bool = False
    format: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: re.Pattern[str] | None = None
    enum: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    min_items: int | None = None
    max_items: int | None = None
    items: ValueRule | None = None
    properties: Mapping[str, ValueRule] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    # `additionalProperties: false`; otherwise other properties follow `additional` (None: anything goes).
    closed: bool = False
    additional: ValueRule | None = None
    min_properties: int | None = None
    max_properties: int | None = None

    def check(self, value: Any, where: str) -> None:
        """InvalidValue naming `where` (the field's path) unless `value` follows this rule."""
        if value is None:
            if not self.nullable:
                raise InvalidValue(f"{where}: cannot be null.")
            return
        if self.type is not None and (
            not isinstance(value, JSON_TYPES[self.type])
            or (isinstance(value, bool) and self.type != "boolean")
        ):
            raise InvalidValue(f"{where}: must be {_ARTICLES.get(self.type, 'a ' + self.type)}.")
        if self.enum is not None and value not in self.enum:
            raise InvalidValue(f"{where}: must be one of {', '.join(map(repr, self.enum))}.")
        if isinstance(value, str):
            self._check_string(value, where)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            self._check_number(value, where)
        elif isinstance(value, list):
            self._check_array(value, where)
        elif isinstance(value, dict):
            self._check_object(value, where)

    def _check_string(self, value: str, where: str) -> None:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidValue(f"{where}: contains an unpaired surrogate.") from None
        if self.max_length is not None and len(value) > self.max_length:
            raise InvalidValue(f"{where}: is longer than {self.max_length} characters.")
        if self.min_length is not None and len(value) < self.min_length:
            raise InvalidValue(f"{where}: must have at least {_count(self.min_length, 'character')}.")
        if self.pattern is not None and not self.pattern.search(value):
            raise InvalidValue(f"{where}: does not match the pattern {self.pattern.pattern!r}.")
        if self.format in _STRING_FORMATS:
            accepts, complaint = _STRING_FORMATS[self.format]
            if not accepts(value):
                raise InvalidValue(f"{where}: {complaint}.")

    def _check_number(self, value: float, where: str) -> None:
        bound = _INTEGER_FORMATS.get(self.format or "")
        if bound is not None and not -bound <= value < bound:
            raise InvalidValue(f"{where}: is out of the {self.format} range.")
        if self.minimum is not None and (
            value < self.minimum or (self.exclusive_minimum and value == self.minimum)
        ):
            raise InvalidValue(f"{where}: is below the minimum {self.minimum:g}.")
        if self.maximum is not None and (
            value > self.maximum or (self.exclusive_maximum and value == self.maximum)
        ):
            raise InvalidValue(f"{where}: is above the maximum {self.maximum:g}.")

    def _check_array(self, value: list[Any], where: str) -> None:
        if self.max_items is not None and len(value) > self.max_items:
            raise InvalidValue(f"{where}: has more than {self.max_items} items.")
        if self.min_items is not None and len(value) < self.min_items:
            raise InvalidValue(f"{where}: must have at least {_count(self.min_items, 'item')}.")
        if self.items is not None:
            for index, item in enumerate(value):
                self.items.check(item, f"{where}[{index}]")

    def _check_object(self, value: dict[str, Any], where: str) -> None:
        for name, item in value.items():
            rule = self.properties.get(name)
            if rule is None and self.closed:
                raise InvalidValue(f"{_joined(where, name[:64])}: is not a field of this body.")
            rule = rule or self.additional
            if rule is not None:
                rule.check(item, _joined(where, name[:64]))
        missing = sorted(self.required - value.keys())
        if missing:
            raise InvalidValue(f"{_joined(where, missing[0])}: is required.")
        if self.max_properties is not None and len(value) > self.max_properties:
            raise InvalidValue(f"{where}: has more than {self.max_properties} fields.")
        if self.min_properties is not None and len(value) < self.min_properties:
            raise InvalidValue(f"{where}: must have at least {_count(self.min_properties, 'field')}.")

    def check_body(self, document: dict[str, Any]) -> None:
        """Check a whole request body: its fields are named without a prefix in the messages."""
        self._check_object(document, "")

    def parse_query_text(self, text: str, where: str) -> Any:
        """The value of a query parameter's text for this rule's type; InvalidValue when it is not one."""
        if self.type == "integer":
            if not _INTEGER_TEXT.fullmatch(text):
                raise InvalidValue(f"{where}: must be an integer.")
            return int(text)
        if self.type == "number":
            if not _NUMBER_TEXT.fullmatch(text):
                raise InvalidValue(f"{where}: must be a number.")
            return float(text)
        if self.type == "boolean":
            if text not in ("true", "false"):
                raise InvalidValue(f"{where}: must be true or false.")
            return text == "true"
        return text


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _joined(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


@dataclass(frozen=True, slots=True)
class QueryParameter:
    """One query parameter of an operation (form style: an array is the parameter repeated)."""

    name: str
    required: bool
    rule: ValueRule

    def check(self, values: list[str]) -> None:
        if not values:
            if self.required:
                raise InvalidValue(f"{self.name}: is required.")
            return
        if self.rule.type == "array":
            item_rule = self.rule.items or ValueRule()
            parsed = [item_rule.parse_query_text(text, self.name) for text in values]
            self.rule.check(parsed, self.name)
            return
        for text in values:
            self.rule.check(self.rule.parse_query_text(text, self.name), self.name)
