"""Masking customers' personal data: the fields the spec marks `x-personal-data: true` get placeholders
that follow each field's schema (an email stays an email) and hide the original value and its length.

Used by the recorder (malomo.HarRecorder) and by the contract suite's reports.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from typing import Any

from malomo_client.personal_fields import PERSONAL_FIELDS

__all__ = ["PERSONAL_FIELDS", "PersonalDataMasker"]

# Shorter personal values are not searched for inside other strings (error messages that echo them).
MIN_ECHO_LENGTH = 3
_JSON_STRING = r'"(?:[^"\\]|\\.)*"'
# Every JSON string, in order, and the colon after it when it is a member name.
_JSON_STRINGS = re.compile(rf"({_JSON_STRING})(\s*:)?")


def placeholder_for(field: str, schema: Mapping[str, Any], number: int) -> str:
    """The `number`-th placeholder of `field`, fitting its schema; its length tells nothing of the value's.

    An email is ``person<n>@redacted.invalid``, a uuid, date or date-time a fixed one of that format, an
    integer or number its digits; any other string ``<FieldName><n>``, fitted to the length limits.
    """
    kind, fmt = schema.get("type"), schema.get("format")
    if fmt == "email":
        text = f"person{number}@redacted.invalid"
    elif fmt == "uuid":
        text = f"00000000-0000-4000-8000-{number:012d}"
    elif fmt == "date":
        text = "2000-01-01"
    elif fmt == "date-time":
        text = "2000-01-01T00:00:00Z"
    elif kind in ("integer", "number"):
        text = str(number)
    else:
        label = "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", field) if part) or "Value"
        text = f"{label}{number}"
        if "maxLength" in schema and len(text) > schema["maxLength"]:
            text = text[-schema["maxLength"] :]
        text = text.ljust(schema.get("minLength", 0), "x")
    return text


class PersonalDataMasker:
    """Placeholders for personal values, the same for the same value for the masker's lifetime (one file).

    ``fields`` maps each personal property name to its schema facts; the default is every property the
    spec marks personal (generated from the spec, so a newly marked field needs no code change).
    """

    def __init__(self, fields: Mapping[str, Mapping[str, Any]] = PERSONAL_FIELDS) -> None:
        self.fields = dict(fields)
        self._lock = threading.Lock()
        self._placeholders: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}
        names = "|".join(re.escape(name) for name in sorted(self.fields)) or r"(?!)"
        # A personal member of a JSON object: its name, the colon, and its string (or number) value.
        self.member_pattern = re.compile(rf'"({names})"(\s*:\s*)({_JSON_STRING}|-?\d[\d.eE+-]*)')

    def placeholder(self, field: str, value: str) -> str:
        key = (field, value)
        known = self._placeholders.get(key)
        if known is not None:
            return known
        with self._lock:
            known = self._placeholders.get(key)
            if known is None:
                number = self._counts.get(field, 0) + 1
                self._counts[field] = number
                known = placeholder_for(field, self.fields.get(field, {}), number)
                self._placeholders[key] = known
            return known

    def mask_json_text(self, text: str) -> str:
        """JSON text with its personal members masked, and their values remembered, so that
        replace_known() masks them wherever they show up later."""
        return ExchangeMasking(self).json_text(text)

    def replace_known(self, text: str) -> str:
        """`text` with every value this masker has replaced so far replaced again (for bodies that are
        not JSON: their personal data cannot be found by field name)."""
        with self._lock:
            known = [(value, placeholder) for (_, value), placeholder in self._placeholders.items()]
        for value, placeholder in known:
            if len(value) >= MIN_ECHO_LENGTH:
                text = text.replace(value, placeholder)
        return text


class ExchangeMasking:
    """Masks the personal data of one exchange; remembers what it replaced, to also catch echoes of it."""

    def __init__(self, masker: PersonalDataMasker) -> None:
        self.masker = masker
        self.replaced: dict[str, str] = {}

    def value(self, field: str, value: str, escaped: str | None = None) -> str:
        """The placeholder of `value`; `escaped` is how it appears inside a JSON string, when known."""
        placeholder = self.masker.placeholder(field, value)
        if len(value) >= MIN_ECHO_LENGTH:  # remembered as it appears inside a JSON string
            if escaped is None:
                escaped = json.dumps(value, ensure_ascii=False)[1:-1]
            self.replaced[escaped] = placeholder
        return placeholder

    def json_text(self, text: str) -> str:
        """JSON text with the personal members masked (found by name at any depth, no parsing: cheap), and
        echoes of the masked values in other strings (an error message quoting an email) replaced."""
        text = self.masker.member_pattern.sub(self._masked_member, text)
        if self.replaced and any(original in text for original in self.replaced):
            text = _JSON_STRINGS.sub(self._masked_string, text)
        return text

    def _masked_member(self, match: re.Match[str]) -> str:
        field, separator, token = match.groups()
        if token.startswith('"'):
            escaped = token[1:-1]
            try:
                value = json.loads(token) if "\\" in escaped else escaped
            except ValueError:
                return match.group()
            # Placeholders hold letters, digits and `@.:-` only: nothing JSON escapes.
            return f'"{field}"{separator}"{self.value(field, value, escaped)}"'
        # A number where the spec says string: masked, and still a number, so the break shows.
        digits = "".join(char for char in self.value(field, token) if char.isdigit())
        return f'"{field}"{separator}{int("0" + digits)}'

    def _masked_string(self, match: re.Match[str]) -> str:
        text = match.group()
        if match.group(2):  # a member name
            return text
        for original, placeholder in self.replaced.items():
            text = text.replace(original, placeholder)
        return text
