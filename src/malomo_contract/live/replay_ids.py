"""The ids a replayed server makes up, mapped from the recording to the new run: learnt by reading each
recorded answer beside its new one (server-made id fields, `Link` cursors), applied to every later request's
path, query and body, and to the recorded answers before they are compared."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import httpx

from malomo_contract.spec_contract import CURSOR_RELS

# A word that may be an id or a cursor inside a longer string (an error message naming the customer);
# shorter values are mapped only where they are the whole string: inside text they could be anything.
_TOKEN = re.compile(r"[A-Za-z0-9_.~=-]{8,}")


class IdMap:
    """Recorded value -> the new run's value, for ids and cursors the server made."""

    def __init__(self, id_fields: frozenset[str]) -> None:
        self.id_fields = id_fields
        self.values: dict[str, str] = {}

    def learn(self, recorded: Any, new: Any) -> None:
        """Map the server-made ids of a recorded JSON answer to those at the same place in the new one."""
        if isinstance(recorded, dict) and isinstance(new, dict):
            for name, old in recorded.items():
                now = new.get(name)
                if name in self.id_fields and isinstance(old, str) and isinstance(now, str) and old != now:
                    self._map(old, now)
                    self._map(old.lower(), now)
                elif isinstance(old, dict | list):
                    self.learn(old, now)
        elif isinstance(recorded, list) and isinstance(new, list):
            for old, now in zip(recorded, new, strict=False):
                self.learn(old, now)

    def learn_links(self, recorded: httpx.Response, new: httpx.Response) -> None:
        """Map each recorded `Link` cursor to the new answer's cursor of the same rel."""
        for rel in CURSOR_RELS:
            old, now = _cursor(recorded, rel), _cursor(new, rel)
            if old and now and old != now:
                self._map(old, now)

    def _map(self, old: str, now: str) -> None:
        self.values[old] = now

    def path(self, path: str) -> str:
        return "/".join(quote(self.values.get(segment, segment), safe="@:") for segment in _segments(path))

    def query(self, query: str) -> str:
        if not query:
            return ""
        pairs = parse_qsl(query, keep_blank_values=True)
        return urlencode([(name, self.values.get(value, value)) for name, value in pairs])

    def body(self, body: bytes) -> bytes:
        """A JSON body with every mapped string value replaced (other bodies as they are)."""
        if not body or not self.values:
            return body
        try:
            document = json.loads(body)
        except ValueError:
            return body
        mapped = self.mapped(document)
        if mapped == document:
            return body  # the bytes as recorded
        return json.dumps(mapped, ensure_ascii=False, separators=(",", ":")).encode()

    def mapped(self, document: Any) -> Any:
        """A JSON document with every mapped string replaced, inside longer strings too (error messages)."""
        if isinstance(document, str):
            exact = self.values.get(document)
            if exact is not None:
                return exact
            return _TOKEN.sub(lambda match: self.values.get(match.group(), match.group()), document)
        if isinstance(document, dict):
            return {name: self.mapped(value) for name, value in document.items()}
        if isinstance(document, list):
            return [self.mapped(value) for value in document]
        return document


def _segments(path: str) -> list[str]:
    return [unquote(segment) for segment in path.split("/")]


def _cursor(response: httpx.Response, rel: str) -> str | None:
    target = response.links.get(rel, {}).get("url")
    if not target:
        return None
    values = [value for name, value in parse_qsl(urlsplit(target).query) if name == rel]
    return values[-1] if values else None
