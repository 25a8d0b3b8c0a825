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
import re
import threading
import time
import weakref
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import httpx

REDACTED = "[redacted]"
# Header values that are never written, whatever the personal-data switch says.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})
# Customer fields (in JSON bodies and query strings) that hold personal data.
PERSONAL_FIELDS = frozenset({"email", "first_name", "last_name", "phone_number"})
# Shorter personal values are not searched for inside other strings (error messages that echo them).
MIN_ECHO_LENGTH = 3

_TRAILER = b"\n]}}\n"
_JSON_STRING = r'"(?:[^"\\]|\\.)*"'
# A personal member of a JSON object: its name, the colon, and its string (or number) value.
_PERSONAL_MEMBER = re.compile(
    rf'"({"|".join(sorted(PERSONAL_FIELDS))})"(\s*:\s*)({_JSON_STRING}|-?\d[\d.eE+-]*)'
)
# Every JSON string, in order, and the colon after it when it is a member name.
_JSON_STRINGS = re.compile(rf"({_JSON_STRING})(\s*:)?")


class PersonalDataMasker:
    """Placeholders that keep a value's format (an email stays an email, a phone number keeps its
    punctuation) and are the same for the same value for the masker's lifetime (one file)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._placeholders: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}

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
                known = self._placeholders[key] = _make_placeholder(field, value, number)
            return known

    def mask_json_text(self, text: str) -> str:
        """JSON text with its personal members masked, and their values remembered, so that
        replace_known() masks them wherever they show up later."""
        return _ExchangeMasking(self).json_text(text)

    def replace_known(self, text: str) -> str:
        """`text` with every value this masker has replaced so far replaced again (for bodies that are
        not JSON: their personal data cannot be found by field name)."""
        with self._lock:
            known = [(value, placeholder) for (_, value), placeholder in self._placeholders.items()]
        for value, placeholder in known:
            if len(value) >= MIN_ECHO_LENGTH:
                text = text.replace(value, placeholder)
        return text


def _make_placeholder(field: str, value: str, number: int) -> str:
    if field == "email":
        return f"person{number}@redacted.invalid"
    if field == "phone_number":
        digit_count = sum(char.isdigit() for char in value)
        if digit_count == 0:
            return f"phone{number}"
        digits = iter(str(number).zfill(digit_count)[-digit_count:])
        return "".join(next(digits) if char.isdigit() else "x" if char.isalpha() else char for char in value)
    return f"{'First' if field == 'first_name' else 'Last'}{number}"


class _ExchangeMasking:
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
        text = _PERSONAL_MEMBER.sub(self._masked_member, text)
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
            # Placeholders hold no character that JSON escapes.
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


class HarRecorder:
    """Writes exchanges to one HAR 1.2 file (created, or emptied, on open; mode 0600).

    ``keep_personal_data=False`` (the default) replaces customers' emails, first and last names and
    phone numbers in JSON bodies and query strings with consistent, format-keeping placeholders.
    ``Authorization``, ``Proxy-Authorization``, ``Cookie``, ``Set-Cookie`` and ``X-Api-Key`` values are
    always redacted, and so is every secret given to ``add_secret`` wherever it appears in an entry.
    ``for_path`` shares one recorder per file within a process, so several clients can record to it.
    """

    _shared: ClassVar[weakref.WeakValueDictionary[str, HarRecorder]] = weakref.WeakValueDictionary()
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, path: str | os.PathLike[str], *, keep_personal_data: bool = False) -> None:
        self.path = Path(path)
        self.keep_personal_data = keep_personal_data
        self.masker = PersonalDataMasker()
        self._secrets: set[str] = set()
        self._lock = threading.Lock()
        self._entries = 0
        from ._client_factory import VERSION  # not at the top: _client_factory imports this module

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
        masking = None if self.keep_personal_data else _ExchangeMasking(self.masker)
        url = request.url.copy_with(userinfo=b"") if request.url.userinfo else request.url
        query = url.params.multi_items() if url.query else []
        if masking is not None and any(name in PERSONAL_FIELDS for name, _ in query):
            query = [(n, masking.value(n, v) if n in PERSONAL_FIELDS else v) for n, v in query]
            url = url.copy_with(params=query)
        http_version = response.extensions.get("http_version", b"HTTP/1.1")
        if isinstance(http_version, bytes):
            http_version = http_version.decode("ascii", "replace")
        version = _string(http_version)
        milliseconds = round(seconds * 1000, 3)
        request_headers, request_wanted = _request_headers(_without_secrets(request.headers))
        response_headers, response_wanted = _headers(_without_secrets(response.headers))
        request_type = request_wanted.get("content-type", "")
        response_type = response_wanted.get("content-type", "")
        query_json = ",".join(f'{{"name":{_string(n)},"value":{_string(v)}}}' for n, v in query)
        post_data = ""
        if request_body:
            mime_type = request_type or "application/octet-stream"
            content = _content(request_body, mime_type, masking)
            post_data = f',"postData":{{"mimeType":{_string(mime_type)},{content}}}'
        when = started.isoformat(timespec="microseconds").replace("+00:00", "Z")
        line = (
            f'{{"startedDateTime":"{when}","time":{milliseconds},'
            f'"request":{{"method":{_string(request.method)},"url":{_string(str(url))},"httpVersion":{version},'
            f'"cookies":[],"headers":{request_headers},"queryString":[{query_json}],'
            f'"headersSize":-1,"bodySize":{len(request_body)}{post_data}}},'
            f'"response":{{"status":{response.status_code},"statusText":{_string(response.reason_phrase)},'
            f'"httpVersion":{version},"cookies":[],"headers":{response_headers},'
            f'"content":{{"size":{len(response_body)},"mimeType":{_string(response_type or "x-unknown")},'
            f"{_content(response_body, response_type, masking)}}},"
            f'"redirectURL":{_string(response_wanted.get("location", ""))},"headersSize":-1,'
            f'"bodySize":{len(response_body)}}},'
            f'"cache":{{}},"timings":{{"send":0,"wait":{milliseconds},"receive":0}}}}'
        )
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
_WANTED_HEADERS = ("content-type", "location")
_SECRET_HEADER_NAMES = frozenset(name.encode() for name in SECRET_HEADERS)
_REDACTED_BYTES = REDACTED.encode()


def _without_secrets(headers: httpx.Headers) -> tuple[tuple[bytes, bytes], ...]:
    """The raw header pairs with secret values already redacted: no key reaches the cache below."""
    return tuple(
        (key, _REDACTED_BYTES if key.lower() in _SECRET_HEADER_NAMES else value) for key, value in headers.raw
    )


def _headers(raw: tuple[tuple[bytes, bytes], ...]) -> tuple[str, dict[str, str]]:
    """A HAR header list as JSON, and the values of the headers the entry needs, from raw pairs whose
    secrets are redacted (httpx's own decoding re-checks each header on access)."""
    items, wanted = [], {}
    for key, value in raw:
        name, lowered = key.decode("latin-1"), key.lower().decode("latin-1")
        text = value.decode("latin-1")
        items.append(f'{{"name":{_string(name)},"value":{_string(text)}}}')
        if lowered in _WANTED_HEADERS and lowered not in wanted:
            wanted[lowered] = text
    return "[" + ",".join(items) + "]", wanted


# A client sends the same request headers again and again; answers differ in their date and request id,
# so caching them would only cost.
_request_headers = functools.lru_cache(maxsize=64)(_headers)


def _content(body: bytes, mime_type: str, masking: _ExchangeMasking | None) -> str:
    """HAR ``text`` (plus ``encoding`` for bytes that are not UTF-8) as JSON members, personal data masked."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return f'"text":"{base64.b64encode(body).decode("ascii")}","encoding":"base64"'
    if masking is not None and text:
        # JSON whatever the declared type: a server that mislabels its JSON still leaks it.
        if "json" in mime_type.lower() or text.lstrip()[:1] in ("{", "["):
            text = masking.json_text(text)
        else:
            text = masking.masker.replace_known(text)
    return f'"text":{_string(text)}'


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
