"""Reading and validating request bodies exactly as the spec's `CustomerCreate` / `CustomerUpdate` say.

Every problem is raised as `BodyError(status, code, message)`, turned into the documented Error answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from typing import Any, Final

from starlette.requests import Request

MAX_BODY_BYTES: Final = 1024 * 1024
# An oversized body up to this size is read and dropped, so that the client is not cut off mid-send.
_MAX_DRAINED_BYTES: Final = 16 * MAX_BODY_BYTES
_DRAIN_SECONDS: Final = 2.0
# The one copy of what the spec says of a customer's writable fields (`CustomerCreate`,
# `CustomerUpdate`): each field's maxLength, which may be null, which create requires.
# tests/test_spec.py fails when these disagree with openapi/malomo.yaml.
MAX_LENGTHS: Final = {"email": 254, "first_name": 255, "last_name": 255, "phone_number": 64}
NULLABLE_FIELDS: Final = frozenset({"first_name", "last_name", "phone_number"})
REQUIRED_ON_CREATE: Final = frozenset({"email"})
CUSTOMER_FIELDS: Final = tuple(MAX_LENGTHS)
# RFC 5322 dot-atom local part (no quoted strings) and a hostname of LDH labels (a dotless one too).
_EMAIL: Final = re.compile(
    r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+(?:\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)*"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
)


class BodyError(Exception):
    """A request body the server refuses, with the status and code of the answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def is_email(value: str) -> bool:
    """True for `local@domain` addresses: dot-atom local part (at most 64 characters), LDH domain labels."""
    if not _EMAIL.fullmatch(value):
        return False
    local, _, domain = value.rpartition("@")
    return len(local) <= 64 and all(len(label) <= 63 for label in domain.split("."))


def _check_content_type(request: Request) -> None:
    media_type, _, params = request.headers.get("content-type", "").partition(";")
    if media_type.strip().lower() != "application/json":
        raise BodyError(415, "unsupported_media_type", "The request body must be application/json.")
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise BodyError(415, "unsupported_media_type", "The request body must be UTF-8 encoded JSON.")


async def _discard_rest(request: Request, size: int) -> None:
    """Read and drop the rest of an oversized body (bounded in bytes and time): the client sees the 413."""

    async def drain() -> None:
        nonlocal size
        async for chunk in request.stream():
            size += len(chunk)
            if size > _MAX_DRAINED_BYTES:
                return

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(drain(), _DRAIN_SECONDS)


async def _read_limited(request: Request) -> bytes:
    too_large = BodyError(413, "payload_too_large", "The request body is larger than 1 MiB.")
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise BodyError(400, "bad_request", "Content-Length is not a number.")
        if int(declared) > MAX_BODY_BYTES:
            if int(declared) <= _MAX_DRAINED_BYTES:
                await _discard_rest(request, 0)
            raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            chunks.clear()
            await _discard_rest(request, size)
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


async def read_json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object: 415 for another media type, 413 over 1 MiB, 400 for anything malformed."""
    _check_content_type(request)
    raw = await _read_limited(request)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(400, "bad_request", "The request body is not valid UTF-8.") from exc
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError as exc:
        raise BodyError(400, "bad_request", "The request body is nested too deeply.") from exc
    except ValueError as exc:
        raise BodyError(400, "bad_request", "The request body is not valid JSON.") from exc
    if not isinstance(document, dict):
        raise BodyError(400, "bad_request", "The request body must be a JSON object.")
    return document


def validate_customer_fields(document: dict[str, Any], *, creating: bool) -> dict[str, str | None]:
    """The fields of a `CustomerCreate` (creating) or `CustomerUpdate` body; else BodyError 400."""
    unknown = sorted(set(document) - MAX_LENGTHS.keys())
    if unknown:
        raise BodyError(400, "bad_request", f"Unknown field: {unknown[0][:64]!r}.")
    missing = sorted(REQUIRED_ON_CREATE - document.keys()) if creating else []
    if missing:
        raise BodyError(400, "bad_request", f"{missing[0]}: is required.")
    fields: dict[str, str | None] = {}
    for name, value in document.items():
        if value is None:
            if name not in NULLABLE_FIELDS:
                raise BodyError(400, "bad_request", f"{name}: cannot be null.")
            fields[name] = None
            continue
        if not isinstance(value, str):
            raise BodyError(400, "bad_request", f"{name}: must be a string.")
        if len(value) > MAX_LENGTHS[name]:
            raise BodyError(400, "bad_request", f"{name}: is longer than {MAX_LENGTHS[name]} characters.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise BodyError(400, "bad_request", f"{name}: contains an unpaired surrogate.") from exc
        if name == "email" and not is_email(value):
            raise BodyError(400, "bad_request", "email: is not a valid email address.")
        fields[name] = value
    return fields
