"""Variants that keep a promise for one example and break it elsewhere in the space its sentence covers:
the misses of the independent server (issue 27), each a promise tried with one value only before."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from support.broken_servers.asgi_rewrites import (
    Headers,
    json_or_none,
    response_rewrite,
    rewrite_json_request,
    rewrite_json_response,
    set_header,
)
from support.broken_servers.broken_variant import BrokenVariant
from support.broken_servers.spec_facts import (
    CREATE_FIELDS,
    CUSTOMER_FIELDS,
    DOCUMENT,
    ERROR_REQUEST_ID_FIELD,
    REQUEST_ID_HEADER,
    SERVER_TIMESTAMPS,
    operation_id,
)

_MEDIA_TYPE = str(DOCUMENT.extension("x-malomo-media-type"))
_VERSION = DOCUMENT.api_version
_EMAIL = next(name for name, field in CREATE_FIELDS.items() if field.format == "email")
_VERSION_PARAMETER = re.compile(rb"version\s*=\s*\"?([^\";,]*)", re.IGNORECASE)


def _accept_rewrite(change: Any) -> Any:
    def wrap(app: ASGIApp, key: str) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                accept = dict(scope["headers"]).get(b"accept", b"")
                changed = change(accept)
                if changed != accept:
                    scope = {**scope, "headers": set_header(list(scope["headers"]), b"accept", changed)}
            await app(scope, receive, send)

        return middleware

    return wrap


def _only_the_previous_version_refused(accept: bytes) -> bytes:
    """Versions other than the spec's and the one before it are served as the spec's."""
    found = _VERSION_PARAMETER.search(accept)
    previous = str(int(_VERSION) - 1).encode() if _VERSION.isdigit() else b""
    if found is None or found.group(1) in (_VERSION.encode(), previous):
        return accept
    return f"{_MEDIA_TYPE}; version={_VERSION}".encode()


def _case_sensitive_media_type(accept: bytes) -> bytes:
    """The vendor type is recognised only in lower case; any other spelling is taken for another version."""
    if _MEDIA_TYPE.encode() in accept.lower() and (
        _MEDIA_TYPE.encode() not in accept or b"VERSION" in accept
    ):
        return f"{_MEDIA_TYPE}; version=0".encode()
    return accept


def _email_repaired_on_update(scope: Scope, document: dict[str, Any]) -> dict[str, Any]:
    """On update only, an email outside the grammar is 'repaired' into one inside it and stored."""
    email = document.get(_EMAIL)
    if operation_id(scope) != "updateCustomer" or not isinstance(email, str) or "@" not in email:
        return document
    local, _, domain = email.rpartition("@")
    local = re.sub(r"\.+", ".", re.sub(r"[\"() ]", "", local)).strip(".") or "x"
    document[_EMAIL] = f"{local[:64]}@{domain.replace('_', '-') or 'example.com'}"
    return document


def _null_unknown_fields_dropped(scope: Scope, document: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in document.items() if name in CUSTOMER_FIELDS or value is not None}


def _one_request_id(scope: Scope, status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
    document = json_or_none(body)
    if isinstance(document, dict) and ERROR_REQUEST_ID_FIELD in document:
        body = json.dumps({**document, ERROR_REQUEST_ID_FIELD: "req_same"}).encode()
    if any(name == REQUEST_ID_HEADER for name, _ in headers):
        headers = set_header(headers, REQUEST_ID_HEADER, b"req_same")
    return status, headers, body


def _a_day_earlier(scope: Scope, status: int, document: Any) -> Any:
    def shift(record: Any) -> Any:
        if not isinstance(record, dict):
            return record
        for name in SERVER_TIMESTAMPS:
            if isinstance(record.get(name), str):
                when = datetime.fromisoformat(record[name].replace("Z", "+00:00")) - timedelta(days=1)
                record[name] = when.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return record

    return [shift(item) for item in document] if isinstance(document, list) else shift(document)


def _json_label_ignored(app: ASGIApp, key: str) -> ASGIApp:
    """A body labelled text/plain is read as JSON all the same."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and dict(scope["headers"]).get(b"content-type", b"").startswith(
            b"text/plain"
        ):
            scope = {
                **scope,
                "headers": set_header(list(scope["headers"]), b"content-type", b"application/json"),
            }
        await app(scope, receive, send)

    return middleware


VERSION_REFUSED_ONLY_FOR_THE_PREVIOUS = BrokenVariant(
    "version_refused_only_for_the_previous",
    "only the version before the spec's is refused; any other is served",
    _accept_rewrite(_only_the_previous_version_refused),
)
MEDIA_TYPE_CASE_SENSITIVE = BrokenVariant(
    "media_type_case_sensitive",
    "the vendor media type is recognised only in lower case",
    _accept_rewrite(_case_sensitive_media_type),
)
EMAIL_UNCHECKED_ON_UPDATE = BrokenVariant(
    "email_unchecked_on_update",
    "the email grammar is kept on create; on update a bad address is repaired and stored",
    rewrite_json_request(_email_repaired_on_update),
)
UNKNOWN_NULL_FIELDS_ACCEPTED = BrokenVariant(
    "unknown_null_fields_accepted",
    "an unknown field is refused unless its value is null",
    rewrite_json_request(_null_unknown_fields_dropped),
)
REQUEST_ID_REPEATED = BrokenVariant(
    "request_id_repeated", "every answer carries the same request id", response_rewrite(_one_request_id)
)
TIMESTAMPS_A_DAY_OFF = BrokenVariant(
    "timestamps_a_day_off",
    "every timestamp answered is a day before the write",
    rewrite_json_response(_a_day_earlier, lambda scope, status: 200 <= status < 300),
)
JSON_LABEL_IGNORED = BrokenVariant(
    "json_label_ignored", "a JSON body labelled text/plain is accepted", _json_label_ignored
)
