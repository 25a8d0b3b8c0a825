"""Opaque, HMAC-signed pagination cursors: a list position plus the list it belongs to.

A cursor is `base64url(json [list, created_us, id]) + "." + base64url(hmac_sha256(secret, payload)[:16])`.
Anything that does not verify, or that belongs to another list, is refused with `CursorError`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from typing import Final

from malomo_mock.store_records import Position

_CANONICAL_UUID: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class CursorError(ValueError):
    """The cursor is malformed, tampered with, or belongs to another list."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text.isascii():
        raise CursorError("cursor is not ASCII")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise CursorError("cursor is not base64url") from exc
    if _b64(data) != text:  # one spelling per cursor: no unused bits, no padding, no stray characters
        raise CursorError("cursor is not canonical base64url")
    return data


class CursorCodec:
    """Encodes and verifies cursors with one server-wide secret."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _signature(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()[:16]

    def encode(self, list_name: str, position: Position) -> str:
        payload = json.dumps([list_name, position.created_us, position.id], separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._signature(payload))}"

    def decode(self, list_name: str, cursor: str) -> Position:
        """The position in `cursor`; CursorError unless it was made by this server for `list_name`."""
        payload_text, dot, signature_text = cursor.partition(".")
        if not dot:
            raise CursorError("cursor has no signature")
        payload = _unb64(payload_text)
        if not hmac.compare_digest(_unb64(signature_text), self._signature(payload)):
            raise CursorError("cursor signature does not match")
        try:
            owner, created_us, item_id = json.loads(payload)
        except (ValueError, TypeError) as exc:
            raise CursorError("cursor payload is malformed") from exc
        if owner != list_name:
            raise CursorError("cursor belongs to another list")
        if (
            type(created_us) is not int
            or not isinstance(item_id, str)
            or not _CANONICAL_UUID.fullmatch(item_id)
        ):
            raise CursorError("cursor payload is malformed")
        return Position(created_us, item_id)
