"""Reading HAR files (from malomo, browsers or mitmproxy; a truncated one up to its last complete exchange)
into exchanges, each matched to its operation of the spec."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from malomo_contract.rfc3339 import parse_rfc3339
from malomo_contract.spec_contract import operation_for
from malomo_contract.traffic.exchanges import Exchange, Recording, RecordingError, json_or_none
from malomo_contract.traffic.sequences import link_sequences

if TYPE_CHECKING:  # the replay reads HAR files without loading schemathesis
    from schemathesis.specs.openapi.schemas import OpenApiSchema

__all__ = ["json_or_none", "load_recording", "read_entries"]

# Headers that describe the wire form of a body, not the decoded text a HAR file holds.
WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})
_ENTRIES_START = re.compile(r'"entries"\s*:\s*\[')
_SEPARATOR = re.compile(r"\s*,?\s*")


def read_entries(path: Path) -> tuple[list[Any], bool]:
    """The `log.entries` of a HAR file, and whether the file was cut short (then: its complete entries)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RecordingError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RecordingError(f"{path}: not UTF-8 text, so not a HAR file") from None
    try:
        document = json.loads(text)
    except ValueError as exc:
        entries = _complete_entries(text)
        if entries is None:
            where = f"{getattr(exc, 'msg', exc)} at line {getattr(exc, 'lineno', '?')}"
            raise RecordingError(f"{path}: not JSON ({where}), and not the beginning of a HAR file") from None
        if not entries and not _ENTRIES_START.search(text):
            raise RecordingError(f"{path}: a HAR file cut short before its first exchange") from None
        return entries, True
    log = document.get("log") if isinstance(document, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        raise RecordingError(f"{path}: JSON, but not a HAR file (it has no log.entries list)")
    return entries, False


def _complete_entries(text: str) -> list[Any] | None:
    """The entries before the cut of a HAR file that was cut short, or None if `text` is no HAR beginning."""
    if not text.lstrip().startswith("{") or '"log"' not in text:
        return None
    start = _ENTRIES_START.search(text)
    if start is None:
        return []
    decoder = json.JSONDecoder()
    entries: list[Any] = []
    position = start.end()
    while True:
        position = _SEPARATOR.match(text, position).end()  # type: ignore[union-attr]
        try:
            entry, position = decoder.raw_decode(text, position)
        except ValueError:
            return entries
        entries.append(entry)


def _headers(message: dict[str, Any]) -> list[tuple[str, str]]:
    """The headers of a HAR request or response, without HTTP/2 pseudo-headers and WIRE_HEADERS."""
    headers = message.get("headers")
    if not isinstance(headers, list):
        return []
    return [
        (str(item["name"]), str(item.get("value", "")))
        for item in headers
        if isinstance(item, dict)
        and "name" in item
        and not str(item["name"]).startswith(":")
        and str(item["name"]).lower() not in WIRE_HEADERS
    ]


def _body(content: Any) -> bytes | None:
    if not isinstance(content, dict) or not isinstance(content.get("text"), str):
        return None
    if content.get("encoding") == "base64":
        try:
            return base64.b64decode(content["text"], validate=True)
        except (binascii.Error, ValueError):
            return None
    text: str = content["text"]
    return text.encode("utf-8", "surrogatepass")


def _timestamp(value: Any) -> datetime | None:
    try:
        return parse_rfc3339(str(value))
    except ValueError:
        return None


def exchange_from_entry(source: str, index: int, entry: Any, path: Path) -> Exchange | None:
    """The exchange of one HAR entry; None for a request that got no answer (status 0, as browsers write)."""
    request = entry.get("request") if isinstance(entry, dict) else None
    response = entry.get("response") if isinstance(entry, dict) else None
    if not isinstance(request, dict) or not isinstance(request.get("url"), str) or "method" not in request:
        raise RecordingError(f"{path}: entry #{index} is not a HAR entry (it has no request.method and url)")
    status = response.get("status") if isinstance(response, dict) else None
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or status < 100:
        return None
    assert isinstance(response, dict)
    started = _timestamp(entry.get("startedDateTime"))
    elapsed = entry.get("time")
    ended = None
    if started is not None and isinstance(elapsed, int | float) and elapsed >= 0:
        ended = started + timedelta(milliseconds=elapsed)
    return Exchange(
        source=source,
        index=index,
        method=str(request["method"]).upper(),
        url=request["url"],
        request_headers=_headers(request),
        request_body=_body(request.get("postData")) or b"",
        status=status,
        response_headers=_headers(response),
        response_body=_body(response.get("content")),
        started=started,
        ended=ended,
    )


def _host_matches(url: str, hosts: Sequence[str]) -> bool:
    if not hosts:
        return True
    parts = urlsplit(url)
    names = {(parts.hostname or "").lower(), (parts.netloc.rpartition("@")[2]).lower()}
    return any(host.lower() in names for host in hosts)


def load_recording(path: Path, schema: OpenApiSchema, hosts: Sequence[str]) -> Recording:
    """Read `path` and sort its exchanges: checked (matching an operation), unmatched, unanswered."""
    entries, truncated = read_entries(path)
    recording = Recording(path=path, truncated=truncated, total=len(entries))
    for index, entry in enumerate(entries):
        exchange = exchange_from_entry(path.name, index, entry, path)
        url = exchange.url if exchange is not None else str(entry["request"]["url"])
        if not _host_matches(url, hosts):
            recording.other_hosts += 1
        elif exchange is None:
            recording.unanswered.append(
                Exchange(path.name, index, str(entry["request"]["method"]).upper(), url, [], b"", 0, [], None)
            )
        else:
            matched = operation_for(exchange.method, exchange.path)
            if matched is not None:
                exchange.attach(*matched, schema)
            (recording.checked if exchange.operation is not None else recording.unmatched).append(exchange)
    link_sequences(recording.checked)
    return recording
