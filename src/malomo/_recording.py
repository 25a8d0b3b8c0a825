"""Recording traffic to a HAR 1.2 file: RecordingTransport and AsyncRecordingTransport write each exchange
through a HarRecorder, which always redacts secrets and by default masks customers' personal data.

The file is a complete, valid HAR document after every exchange: each entry is written together with the
closing ``]}}`` in one ``pwrite`` over the previous closing, under a lock. A process killed at any moment
(SIGKILL too) leaves the exchanges recorded so far, and concurrent requests never interleave in an entry.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import os
import threading
import time
import weakref
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import httpx

from ._version import VERSION
from .personal_data import ExchangeMasking, PersonalDataMasker

# PersonalDataMasker stays importable from here: the contract suite used this name before personal_data.
__all__ = ["AsyncRecordingTransport", "HarRecorder", "PersonalDataMasker", "RecordingTransport"]

REDACTED = "[redacted]"
# Header values that are never written, whatever the personal-data switch says.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})
_TRAILER = b"\n]}}\n"


class HarRecorder:
    """Writes exchanges to one HAR 1.2 file (created, or emptied, on open; mode 0600).

    ``keep_personal_data=False`` (the default) replaces the values of the fields the spec marks personal
    (``personal_fields``: malomo.personal_data.PERSONAL_FIELDS by default) in JSON bodies and query strings
    with consistent placeholders that follow each field's schema; the recorded sizes and ``Content-Length``
    are those of the masked bodies, so nothing tells how long a masked value was.
    ``Authorization``, ``Proxy-Authorization``, ``Cookie``, ``Set-Cookie`` and ``X-Api-Key`` values are
    always redacted, and so is every secret given to ``add_secret`` wherever it appears in an entry.
    ``for_path`` shares one recorder per file within a process, so several clients can record to it.
    """

    _shared: ClassVar[weakref.WeakValueDictionary[str, HarRecorder]] = weakref.WeakValueDictionary()
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        keep_personal_data: bool = False,
        personal_fields: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.path = Path(path)
        self.keep_personal_data = keep_personal_data
        self.masker = PersonalDataMasker() if personal_fields is None else PersonalDataMasker(personal_fields)
        self._secrets: set[str] = set()
        self._lock = threading.Lock()
        self._entries = 0
        header = {"version": "1.2", "creator": {"name": "malomo-openapi", "version": VERSION}, "pages": []}
        opening = json.dumps({"log": header})[:-2] + ',"entries":[\n'
        self._fd: int | None = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._finalizer = weakref.finalize(self, os.close, self._fd)
        os.write(self._fd, opening.encode() + _TRAILER)
        self._end = len(opening.encode())

    @classmethod
    def for_path(cls, path: str | os.PathLike[str], *, keep_personal_data: bool = False) -> HarRecorder:
        """The recorder already writing ``path`` in this process, else a new one."""
        key = os.path.realpath(path)
        with cls._shared_lock:
            recorder = cls._shared.get(key)
            if recorder is None or recorder.closed:
                recorder = cls._shared[key] = cls(path, keep_personal_data=keep_personal_data)
            elif recorder.keep_personal_data != keep_personal_data:
                raise ValueError(
                    f"{path} is already being recorded with keep_personal_data={recorder.keep_personal_data}"
                )
            return recorder

    def __repr__(self) -> str:
        return f"HarRecorder({str(self.path)!r}, keep_personal_data={self.keep_personal_data})"

    @property
    def closed(self) -> bool:
        return self._fd is None

    @property
    def entries(self) -> int:
        """How many exchanges were written."""
        return self._entries

    def add_secret(self, secret: str) -> None:
        """A value (an API key) that must never be written, wherever it would appear."""
        if secret:
            self._secrets.add(secret)

    def close(self) -> None:
        """Stop recording; the file stays a complete HAR document."""
        with self._lock:
            if self._fd is not None:
                self._fd = None
                self._finalizer()

    def record(
        self,
        request: httpx.Request,
        request_body: bytes,
        response: httpx.Response,
        response_body: bytes,
        started: datetime,
        seconds: float,
    ) -> None:
        """Write one exchange. ``response_body`` is the decoded body (content-encoding undone).

        The entry is written out as JSON text field by field rather than built as a dict and encoded:
        it runs on every call, and this halves its cost."""
        masking = None if self.keep_personal_data else ExchangeMasking(self.masker)
        url, query = self._recorded_url(request, masking)
        http_version = response.extensions.get("http_version", b"HTTP/1.1")
        if isinstance(http_version, bytes):
            http_version = http_version.decode("ascii", "replace")
        version = _string(http_version)
        milliseconds = round(seconds * 1000, 3)
        request_headers, request_wanted = _request_headers(_without_secrets(request.headers))
        response_headers, response_wanted = _headers(_without_secrets(response.headers))
        request_type = request_wanted.get("content-type", ("", ""))[0]
        response_type = response_wanted.get("content-type", ("", ""))[0]
        query_json = ",".join(f'{{"name":{_string(n)},"value":{_string(v)}}}' for n, v in query)
        post_data, request_size = "", 0
        if request_body:
            mime_type = request_type or "application/octet-stream"
            content, request_size = _content(request_body, mime_type, masking)
            post_data = f',"postData":{{"mimeType":{_string(mime_type)},{content}}}'
        response_content, response_size = _content(response_body, response_type, masking)
        if masking is not None:
            request_headers = _sized(request_headers, request_wanted, request_size)
            response_headers = _sized(response_headers, response_wanted, response_size)
        when = started.isoformat(timespec="microseconds").replace("+00:00", "Z")
        line = (
            f'{{"startedDateTime":"{when}","time":{milliseconds},'
            f'"request":{{"method":{_string(request.method)},"url":{_string(str(url))},"httpVersion":{version},'
            f'"cookies":[],"headers":{request_headers},"queryString":[{query_json}],'
            f'"headersSize":-1,"bodySize":{request_size}{post_data}}},'
            f'"response":{{"status":{response.status_code},"statusText":{_string(response.reason_phrase)},'
            f'"httpVersion":{version},"cookies":[],"headers":{response_headers},'
            f'"content":{{"size":{response_size},"mimeType":{_string(response_type or "x-unknown")},'
            f"{response_content}}},"
            f'"redirectURL":{_string(response_wanted.get("location", ("", ""))[0])},"headersSize":-1,'
            f'"bodySize":{response_size}}},'
            f'"cache":{{}},"timings":{{"send":0,"wait":{milliseconds},"receive":0}}}}'
        )
        self._append(line)

    def _recorded_url(
        self, request: httpx.Request, masking: ExchangeMasking | None
    ) -> tuple[httpx.URL, list[tuple[str, str]]]:
        """The request's URL as recorded (no user info, personal query values masked) and its query items."""
        url = request.url.copy_with(userinfo=b"") if request.url.userinfo else request.url
        query = url.params.multi_items() if url.query else []
        personal = self.masker.fields
        if masking is not None and any(name in personal for name, _ in query):
            query = [(n, masking.value(n, v) if n in personal else v) for n, v in query]
            url = url.copy_with(params=query)
        return url, query

    def _append(self, line: str) -> None:
        """Write one entry's JSON text, secrets redacted, after the entries already in the file."""
        for secret in self._secrets:
            line = line.replace(secret, REDACTED)
        data = line.encode()
        with self._lock:
            if self._fd is None:
                return
            if self._entries:
                data = b",\n" + data
            os.pwrite(self._fd, data + _TRAILER, self._end)
            self._end += len(data)
            self._entries += 1


# A JSON string literal, escapes and all (the json module's own C encoder; UTF-8 kept as is).
_string = json.encoder.encode_basestring
_WANTED_HEADERS = ("content-type", "location", "content-length", "content-encoding")
_SECRET_HEADER_NAMES = frozenset(name.encode() for name in SECRET_HEADERS)
_REDACTED_BYTES = REDACTED.encode()


def _without_secrets(headers: httpx.Headers) -> tuple[tuple[bytes, bytes], ...]:
    """The raw header pairs with secret values already redacted: no key reaches the cache below."""
    secret = _SECRET_HEADER_NAMES
    return tuple((key, _REDACTED_BYTES if key.lower() in secret else value) for key, value in headers.raw)


def _headers(raw: tuple[tuple[bytes, bytes], ...]) -> tuple[str, dict[str, tuple[str, str]]]:
    """A HAR header list as JSON, and the headers the entry needs (value, JSON item), from raw pairs whose
    secrets are redacted (httpx's own decoding re-checks each header on access)."""
    items, wanted = [], {}
    for key, value in raw:
        name, lowered = key.decode("latin-1"), key.lower().decode("latin-1")
        text = value.decode("latin-1")
        item = f'{{"name":{_string(name)},"value":{_string(text)}}}'
        items.append(item)
        if lowered in _WANTED_HEADERS and lowered not in wanted:
            wanted[lowered] = (text, item)
    return "[" + ",".join(items) + "]", wanted


def _sized(headers: str, wanted: dict[str, tuple[str, str]], size: int) -> str:
    """The header list with ``Content-Length`` equal to the masked body's ``size``, or without it when the
    body was content-encoded (the compressed size would tell how long the masked values were)."""
    found = wanted.get("content-length")
    if found is None or (found[0] == str(size) and "content-encoding" not in wanted):
        return headers
    text, item = found
    if "content-encoding" in wanted:
        for gone in (f",{item}", f"{item},", item):
            if gone in headers:
                return headers.replace(gone, "", 1)
    return headers.replace(item, item.replace(f'"value":{_string(text)}', f'"value":"{size}"'), 1)


# A client sends the same request headers again and again; answers differ in their date and request id,
# so caching them would only cost.
_request_headers = functools.lru_cache(maxsize=64)(_headers)


def _content(body: bytes, mime_type: str, masking: ExchangeMasking | None) -> tuple[str, int]:
    """HAR ``text`` (plus ``encoding`` for bytes that are not UTF-8) as JSON members, personal data masked,
    and the size in bytes of the body as recorded."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return f'"text":"{base64.b64encode(body).decode("ascii")}","encoding":"base64"', len(body)
    if masking is not None and text:
        # JSON whatever the declared type: a server that mislabels its JSON still leaks it.
        if "json" in mime_type.lower() or text.lstrip()[:1] in ("{", "["):
            text = masking.json_text(text)
        else:
            text = masking.masker.replace_known(text)
        return f'"text":{_string(text)}', len(text.encode())
    return f'"text":{_string(text)}', len(body)


def _decoded(response: httpx.Response, raw: bytes) -> bytes:
    """The body with its content-encoding (gzip, br, ...) undone, as HAR's ``content.text`` holds it."""
    if "content-encoding" not in response.headers:
        return raw
    try:
        return httpx.Response(200, headers=response.headers, content=raw).content
    except httpx.DecodingError:
        return raw


def _replayable(response: httpx.Response, raw: bytes, request: httpx.Request) -> httpx.Response:
    """The answer again, its body held in memory (still encoded, so the client decodes it as usual)."""
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        stream=httpx.ByteStream(raw),
        extensions=response.extensions,
        request=request,
    )


class RecordingTransport(httpx.BaseTransport):
    """A sync transport that records every exchange of another one (``httpx.HTTPTransport()`` by default).

    ``recorder`` is a HarRecorder or a file path (shared with other transports recording to it). Bodies
    are read whole before they are handed on; a request that gets no answer is not recorded. Use it with
    any httpx client: ``httpx.Client(transport=malomo.RecordingTransport(recorder="traffic.har"))``.
    """

    def __init__(
        self,
        transport: httpx.BaseTransport | None = None,
        *,
        recorder: HarRecorder | str | os.PathLike[str],
    ) -> None:
        self._transport = transport if transport is not None else httpx.HTTPTransport()
        self.recorder = recorder if isinstance(recorder, HarRecorder) else HarRecorder.for_path(recorder)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = datetime.now(UTC)
        clock = time.perf_counter()
        request_body = request.read()
        response = self._transport.handle_request(request)
        if response.is_stream_consumed:  # read already by the transport below (e.g. httpx.MockTransport)
            recorded, body = response, response.content
        else:
            with contextlib.closing(response):
                raw = b"".join(response.iter_raw())
            recorded, body = _replayable(response, raw, request), _decoded(response, raw)
        self.recorder.record(request, request_body, recorded, body, started, time.perf_counter() - clock)
        return recorded

    def close(self) -> None:
        self._transport.close()


class AsyncRecordingTransport(httpx.AsyncBaseTransport):
    """The async twin of RecordingTransport, over ``httpx.AsyncHTTPTransport()`` by default."""

    def __init__(
        self,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        recorder: HarRecorder | str | os.PathLike[str],
    ) -> None:
        self._transport = transport if transport is not None else httpx.AsyncHTTPTransport()
        self.recorder = recorder if isinstance(recorder, HarRecorder) else HarRecorder.for_path(recorder)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = datetime.now(UTC)
        clock = time.perf_counter()
        request_body = await request.aread()
        response = await self._transport.handle_async_request(request)
        if response.is_stream_consumed:
            recorded, body = response, response.content
        else:
            async with contextlib.aclosing(response):
                raw = b"".join([chunk async for chunk in response.aiter_raw()])
            recorded, body = _replayable(response, raw, request), _decoded(response, raw)
        # One short pwrite under a lock: cheaper than a hop to a worker thread.
        self.recorder.record(request, request_body, recorded, body, started, time.perf_counter() - clock)
        return recorded

    async def aclose(self) -> None:
        await self._transport.aclose()
