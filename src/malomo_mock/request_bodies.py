"""Reading request bodies: media type, size limit, UTF-8 JSON objects without repeated keys.

Every problem is raised as `BodyError(status, code, message)`, turned into the documented Error answer. What
the fields of a body may hold, and its largest size, are read from the spec (`openapi_contract.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any, Final

from starlette.requests import Request

from malomo_mock.value_rules import InvalidValue, ValueRule

# An oversized body up to this many times the limit is read and dropped, so that the client is not cut off
# mid-send.
_DRAINED_TIMES_THE_LIMIT: Final = 16
_DRAIN_SECONDS: Final = 2.0
_BINARY_UNITS: Final = (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10))


class BodyError(Exception):
    """A request body the server refuses, with the status and code of the answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _check_content_type(request: Request) -> None:
    media_type, _, params = request.headers.get("content-type", "").partition(";")
    if media_type.strip().lower() != "application/json":
        raise BodyError(415, "unsupported_media_type", "The request body must be application/json.")
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise BodyError(415, "unsupported_media_type", "The request body must be UTF-8 encoded JSON.")


def size_text(size: int) -> str:
    """`size` bytes as a person reads it: 1048576 -> `1 MiB`, 1000 -> `1000 bytes`."""
    for unit, unit_bytes in _BINARY_UNITS:
        if size >= unit_bytes and size % unit_bytes == 0:
            return f"{size // unit_bytes} {unit}"
    return f"{size} bytes" if size != 1 else "1 byte"


async def _discard_rest(request: Request, size: int, max_drained: int) -> None:
    """Read and drop the rest of an oversized body (bounded in bytes and time): the client sees the 413."""

    async def drain() -> None:
        nonlocal size
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_drained:
                return

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(drain(), _DRAIN_SECONDS)


async def _read_limited(request: Request, max_bytes: int) -> bytes:
    too_large = BodyError(
        413, "payload_too_large", f"The request body is larger than {size_text(max_bytes)}."
    )
    max_drained = _DRAINED_TIMES_THE_LIMIT * max_bytes
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise BodyError(400, "bad_request", "Content-Length is not a number.")
        if int(declared) > max_bytes:
            if int(declared) <= max_drained:
                await _discard_rest(request, 0, max_drained)
            raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            chunks.clear()
            await _discard_rest(request, size, max_drained)
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class _RepeatedKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _object_without_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _RepeatedKey(key)
            seen.add(key)
    return document


async def read_json_object(request: Request, max_bytes: int) -> dict[str, Any]:
    """The body as a JSON object: 415 for another media type, 413 over `max_bytes` (the spec's limit), 400
    for anything malformed (a key given twice too: which one a reader keeps differs between parsers)."""
    _check_content_type(request)
    raw = await _read_limited(request, max_bytes)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(400, "bad_request", "The request body is not valid UTF-8.") from exc
    try:
        document = json.loads(
            text, parse_constant=_refuse_constant, object_pairs_hook=_object_without_repeated_keys
        )
    except _RepeatedKey as exc:
        raise BodyError(400, "bad_request", f"{exc.key[:64]}: is given more than once.") from None
    except RecursionError as exc:
        raise BodyError(400, "bad_request", "The request body is nested too deeply.") from exc
    except ValueError as exc:
        raise BodyError(400, "bad_request", "The request body is not valid JSON.") from exc
    if not isinstance(document, dict):
        raise BodyError(400, "bad_request", "The request body must be a JSON object.")
    return document


def checked_body(rule: ValueRule, document: dict[str, Any]) -> dict[str, Any]:
    """`document` when it follows the body's schema; else BodyError 400 naming the field at fault."""
    try:
        rule.check_body(document)
    except InvalidValue as exc:
        raise BodyError(400, "bad_request", str(exc)) from None
    return document
