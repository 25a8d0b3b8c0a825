"""What report text (the coverage report, the terminal's and the JUnit file's reproductions) may show of a
run's traffic: never the key; the suite's own test data as it is, and the server's renderings of it (the
evidence of a failure: a trailing space, a change of case); the server's other personal values masked.
"""

from __future__ import annotations

import itertools
import json
import re
import shlex
import threading
from collections.abc import Iterator
from typing import Any

from malomo.personal_data import PERSONAL_FIELDS, PersonalDataMasker

FILTERED = "[Filtered]"
# Shorter personal values are masked only where quoted: bare, they would match inside other words.
MIN_BARE_LENGTH = 3
# A server's value shorter than a value the suite sent is shown as that value cut short from this length on:
# a shorter one could be anyone's name that happens to start a generated string.
MIN_CUT_LENGTH = 8
# What comes before a member's value in JSON and in a Python repr.
MEMBER_COLONS = ('":', '": ', "':", "': ")
# Numbers that stand for numbers the server sent in a personal field (a type break the report must show).
NUMBER_PLACEHOLDER_BASE = 9_000_000_000


class ReportMasker:
    """What report text may show. Never the key. Customers' personal data (the properties the spec marks
    `x-personal-data`) is shown where the suite sent it itself: that is made-up test data, and the evidence
    of a failure. So is what the server made of a value the suite sent in the same field: equal to it but
    for case and whitespace (`'a@b.co '`, `'JOHNNY'`), or the start of it (a value cut short), which tells
    nothing the suite did not know. Any other personal value that came from the server becomes a
    placeholder that keeps it apart from every other value and keeps its JSON type (a number stays a
    number, a string a quoted string). With `masking=False` (`--no-mask`) values are shown as they are.

    The collector tells it what the suite sent (`sent`) and what the server answered (`learn`); `clean`
    and `clean_curl` then give the text to keep.
    """

    def __init__(self, masking: bool = True) -> None:
        self.masking = masking
        self._lock = threading.Lock()
        self._strings = PersonalDataMasker()
        self._numbers = itertools.count(NUMBER_PLACEHOLDER_BASE + 1)
        self._secrets: set[str] = set()
        # Values by their JSON text (`"5550003"` and `5550003` are different values).
        self._sent: set[str] = set()
        # The strings sent per personal field, as `_folded` spells them.
        self._sent_folded: dict[str, set[str]] = {}
        self._received: dict[str, str | int] = {}
        # The field each received string came in, to drop it from `_received` when its sent form comes later.
        self._received_fields: dict[str, str] = {}

    def add_secret(self, secret: str) -> None:
        if secret:
            self._secrets.add(secret)
            # Its random part too (`sk_test_<this>`), in case something showed it apart from its prefix.
            tail = secret.rpartition("_")[2]
            if len(tail) >= 8:
                self._secrets.add(tail)

    def sent(self, text: str) -> None:
        """Remember the personal values in a JSON body the suite sent: they are shown as they are."""
        with self._lock:
            new = False
            for field, value in _personal_values(text):
                self._sent.add(json.dumps(value))
                folded = self._sent_folded.setdefault(field, set())
                if isinstance(value, str) and _folded(value) not in folded:
                    folded.add(_folded(value))
                    new = True
            # A value the server answered before the suite sent what it renders (rare): shown from now on.
            for key, field in list(self._received_fields.items()) if new else ():
                if self._renders_sent(field, json.loads(key)):
                    del self._received[key], self._received_fields[key]

    def learn(self, text: str) -> None:
        """Remember the personal values in a JSON body the server sent, to mask them in any later text."""
        for field, value in _personal_values(text):
            key = json.dumps(value)
            with self._lock:
                if key in self._received or key in self._sent:
                    continue
                if isinstance(value, str):
                    if self._renders_sent(field, value):
                        continue
                    self._received_fields[key] = field
                self._received[key] = (
                    self._strings.placeholder(field, value) if isinstance(value, str) else next(self._numbers)
                )

    def _renders_sent(self, field: str, value: str) -> bool:
        """Whether `value`, received in `field`, is what the server made of a string the suite sent there:
        the same but for case and whitespace, or the start of it (a value cut short)."""
        sent = self._sent_folded.get(field, set())
        folded = _folded(value)
        if folded in sent:
            return True
        return len(folded) >= MIN_CUT_LENGTH and any(other.startswith(folded) for other in sent)

    def clean(self, text: str) -> str:
        if self.masking:
            text = self._mask(text)
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, FILTERED)
        return text

    def clean_curl(self, command: str) -> str:
        """`curl` lines (one, or a test's sequence of them) cleaned argument by argument: shell quoting
        would hide JSON strings from the masker (`'O'"'"'Hara'`). Notes after a blank line (schemathesis'
        warnings) are text."""
        script, separator, notes = command.partition("\n\n")
        cleaned = []
        for line in script.splitlines():
            try:
                arguments = shlex.split(line)
            except ValueError:
                return self.clean(command)
            cleaned.append(shlex.join(self.clean(argument) for argument in arguments))
        return "\n".join(cleaned) + separator + self.clean(notes)

    def _mask(self, text: str) -> str:
        with self._lock:
            masked = [
                (json.loads(key), shown) for key, shown in self._received.items() if key not in self._sent
            ]
        if not masked:
            return text
        forms = [form for value, shown in masked for form in _forms(value, shown)]
        # Numbers first: where one stands bare, it is the number; inside quotes, a string of the same digits.
        # Then the longest, so that a value inside a longer one does not break the longer one's replacement.
        forms.sort(key=lambda form: (not form[2], -len(form[0])))
        pattern = re.compile("|".join(f"({expression})" for _, expression, _, _ in forms))
        return pattern.sub(lambda match: forms[(match.lastindex or 1) - 1][3], text)


def _folded(value: str) -> str:
    """`value` without its whitespace and case: two spellings of one value spell it the same here."""
    return "".join(value.split()).casefold()


def _personal_values(text: str) -> Iterator[tuple[str, str | int | float]]:
    """(field, value) of each personal property with a string or number value, at any depth of JSON `text`."""
    try:
        document = json.loads(text)
    except ValueError:
        return
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for name, value in node.items():
                if (
                    name in PERSONAL_FIELDS
                    and isinstance(value, str | int | float)
                    and not isinstance(value, bool)
                ):
                    yield name, value
                else:
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)


def _forms(value: str | int | float, shown: str | int) -> list[tuple[str, str, bool, str]]:
    """How `value` can appear in text, and what replaces it there: (text, regular expression, whether it is a
    number, replacement). A string in its plain and its JSON-escaped spelling, a number where it stands as
    a number (not inside a string or a longer number); anywhere when long enough, else only where quoted
    or as a member's value (`"phone_number": 2`), so that a `2` elsewhere stays a 2."""
    if isinstance(value, str):
        spellings = {value: str(shown), json.dumps(value)[1:-1]: json.dumps(str(shown))[1:-1]}
    else:
        spellings = {json.dumps(value): str(shown)}
    forms = []
    for original, replacement in spellings.items():
        escaped = re.escape(original)
        if isinstance(value, str):
            short = rf"(?<=[\"']){escaped}(?=[\"'])"
            expression = escaped
        else:
            short = "|".join(rf"(?<={re.escape(colon)}){escaped}(?![\w.])" for colon in MEMBER_COLONS)
            expression = rf"(?<![\w.'\"=-]){escaped}(?![\w.'\"])"
        long_enough = len(original) >= MIN_BARE_LENGTH
        forms.append(
            (original, expression if long_enough else short, not isinstance(value, str), replacement)
        )
    return forms
