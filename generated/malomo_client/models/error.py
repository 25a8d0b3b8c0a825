from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Error")


@_attrs_define
class Error:
    """The body of every error answer.

    Attributes:
        code (str): Machine-readable error code, e.g. `not_found`.
        message (str): Human-readable explanation.
        request_id (str): The id of the request, also in the `X-Request-Id` header.
        status (int): The HTTP status of the answer.
    """

    code: str
    message: str
    request_id: str
    status: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _request_id: str | None = _attrs_field(init=False, default=None, eq=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        message = self.message

        request_id = self.request_id

        status = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "message": message,
                "request_id": request_id,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        code = d.pop("code")

        message = d.pop("message")

        request_id = d.pop("request_id")

        status = d.pop("status")

        error = cls(
            code=code,
            message=message,
            request_id=request_id,
            status=status,
        )

        error.additional_properties = d
        return error

    def to_json(self) -> str:
        """The JSON text of `to_dict()` (malomo)."""
        return json.dumps(self.to_dict())

    def __repr__(self) -> str:
        return (
            f"Error("
            f"code={self.code!r}, "
            f"message={self.message!r}, "
            f"request_id={self.request_id!r}, "
            f"status={self.status!r}, "
            f"additional_keys={sorted(self.additional_properties)!r})"
        )

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())
