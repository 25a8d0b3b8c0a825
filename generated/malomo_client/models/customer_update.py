from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset, masked

T = TypeVar("T", bound="CustomerUpdate")


@_attrs_define
class CustomerUpdate:
    """The fields to change. Fields left out are kept; `null` clears an optional
    field; unknown fields are refused.

        Attributes:
            email (str | Unset): Customer's email address, `local@domain`: the local part a dot-atom of at most
                64 characters (RFC 5322, no quoted strings or comments), the domain a host name
                of letter, digit and hyphen labels.
            first_name (None | str | Unset): A first or last name; null clears it.
            last_name (None | str | Unset): A first or last name; null clears it.
            phone_number (None | str | Unset): Customer's phone number, free-form; null clears it.
    """

    email: str | Unset = UNSET
    first_name: None | str | Unset = UNSET
    last_name: None | str | Unset = UNSET
    phone_number: None | str | Unset = UNSET
    _request_id: str | None = _attrs_field(init=False, default=None, eq=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        email = self.email

        first_name: None | str | Unset
        if isinstance(self.first_name, Unset):
            first_name = UNSET
        else:
            first_name = self.first_name

        last_name: None | str | Unset
        if isinstance(self.last_name, Unset):
            last_name = UNSET
        else:
            last_name = self.last_name

        phone_number: None | str | Unset
        if isinstance(self.phone_number, Unset):
            phone_number = UNSET
        else:
            phone_number = self.phone_number

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if email is not UNSET:
            field_dict["email"] = email
        if first_name is not UNSET:
            field_dict["first_name"] = first_name
        if last_name is not UNSET:
            field_dict["last_name"] = last_name
        if phone_number is not UNSET:
            field_dict["phone_number"] = phone_number

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        email = d.pop("email", UNSET)

        first_name = cast(None | str | Unset, d.pop("first_name", UNSET))

        last_name = cast(None | str | Unset, d.pop("last_name", UNSET))

        phone_number = cast(None | str | Unset, d.pop("phone_number", UNSET))

        customer_update = cls(
            email=email,
            first_name=first_name,
            last_name=last_name,
            phone_number=phone_number,
        )

        return customer_update

    def to_json(self) -> str:
        """The JSON text of `to_dict()` (malomo)."""
        return json.dumps(self.to_dict())

    def __repr__(self) -> str:
        return (
            f"CustomerUpdate("
            f"email={masked(self.email)}, "
            f"first_name={masked(self.first_name)}, "
            f"last_name={masked(self.last_name)}, "
            f"phone_number={masked(self.phone_number)})"
        )
