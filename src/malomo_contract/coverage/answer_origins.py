"""Whether the answers of a run are the API's: a gateway in front of a lost upstream (a proxy's HTML page,
its 502, 503 or 504) answers in its place, and a run against it tests nothing. The preflight asks this of its
one answer; the plugin of every answer, and stops the run when most are not the API's."""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Not at run time: the preflight uses this module before pytest starts (see preflight.py).
    import httpx

from malomo_contract.record_fields import ERROR_REQUEST_ID

# What a gateway answers when the upstream is down or slow; the API itself answers them with its error body.
GATEWAY_STATUSES = frozenset({502, 503, 504})
# The API answers JSON, never a page.
PAGE_TYPE = "text/html"
# Answers seen before the run may be judged by most of them; when every one so far was foreign (a gateway
# from the start: the run would be one error per test), one will do; and how many of the last ones all
# foreign also stop it (an upstream lost mid-run).
MIN_ANSWERS = 10
MIN_ALL_FOREIGN = 1
RECENT_ANSWERS = 50
TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


Header = Callable[[str], str | None]


def foreign_answer(status: int, content_type: str, header: Header, body: bytes) -> str | None:
    """None when the answer may be the API's; else what answered (`502 text/html from "nginx"`)."""
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type != PAGE_TYPE and status not in GATEWAY_STATUSES:
        return None
    if media_type != PAGE_TYPE and _is_api_error(body):
        return None
    who = header("server") or header("via")
    if who:
        source = f"from {json.dumps(who)}"
    else:
        title = TITLE.search(body[:4096].decode("utf-8", "replace"))
        named = json.dumps(html.unescape(title[1]).strip()) if title else ""
        source = f"titled {named}" if named else "from an unnamed server"
    return f"{status} {media_type or 'without a Content-Type'} {source}"


def _is_api_error(body: bytes) -> bool:
    try:
        document = json.loads(body)
    except ValueError:
        return False
    return isinstance(document, dict) and ERROR_REQUEST_ID in document


@dataclass
class AnswerOrigins:
    """How many answers of the run were not the API's, the first of them described, and the recent run of
    them. Thread-safe: generated requests and the suite's own are counted as they come."""

    total: int = 0
    foreign: int = 0
    recent_foreign: int = 0
    first: str = ""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def count(self, status: int, content_type: str, header: Header, body: bytes) -> None:
        described = foreign_answer(status, content_type, header, body)
        with self._lock:
            self.total += 1
            if described is None:
                self.recent_foreign = 0
                return
            self.foreign += 1
            self.recent_foreign += 1
            self.first = self.first or described

    def could_not_test(self) -> str | None:
        """The one line that ends the run when most answers (or all the recent ones) were not the API's."""
        with self._lock:
            most = self.total >= MIN_ANSWERS and self.foreign * 2 > self.total
            every = self.total >= MIN_ALL_FOREIGN and self.foreign == self.total
            if not (most or every or self.recent_foreign >= RECENT_ANSWERS):
                return None
            return f"could not test: {self.foreign} of {self.total} answers were not the API's ({self.first})"

    def count_httpx(self, response: httpx.Response) -> None:
        """Count one answer to the suite's own client (an httpx response hook: its body not read yet)."""
        content_type = response.headers.get("content-type", "")
        suspect = response.status_code in GATEWAY_STATUSES or PAGE_TYPE in content_type
        body = response.read() if suspect else b""
        self.count(response.status_code, content_type, response.headers.get, body)

    def count_generated(self, response: Any) -> None:
        """Count one answer to a generated request (schemathesis': headers as lists under lowercase names)."""
        headers: dict[str, list[str]] = response.headers

        def header(name: str) -> str | None:
            values = headers.get(name)
            return values[0] if values else None

        self.count(response.status_code, header("content-type") or "", header, response.content or b"")
