from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import Uuid, masked

T = TypeVar("T", bound="Customer")


@_attrs_define
class Customer:
    """A customer of a Malomo store.

    Attributes:
        created_at (datetime.datetime): When the customer was created on the Malomo Platform (UTC).
        email (str): Customer's email address.
        first_name (None | str): Customer's first name; null when unknown.
        id (UUID): Unique identifier for the customer.
        last_name (None | str): Customer's last name; null when unknown.
        phone_number (None | str): Customer's phone number; null when unknown.
        updated_at (datetime.datetime): When the customer was last updated (UTC); never before `created_at`.
    """

    created_at: datetime.datetime
    email: str
    first_name: None | str
    id: UUID
    last_name: None | str
    phone_number: None | str
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _request_id: str | None = _attrs_field(init=False, default=None, eq=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat().replace("+00:00", "Z")

        email = self.email

        first_name: None | str
        first_name = self.first_name

        id = str(self.id)

        last_name: None | str
        last_name = self.last_name

        phone_number: None | str
        phone_number = self.phone_number

        updated_at = self.updated_at.isoformat().replace("+00:00", "Z")

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "email": email,
                "first_name": first_name,
                "id": id,
                "last_name": last_name,
                "phone_number": phone_number,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        email = d.pop("email")

        first_name = cast(None | str, d.pop("first_name"))

        id = Uuid(d.pop("id"))

        last_name = cast(None | str, d.pop("last_name"))

        phone_number = cast(None | str, d.pop("phone_number"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        customer = cls(
            created_at=created_at,
            email=email,
            first_name=first_name,
            id=id,
            last_name=last_name,
            phone_number=phone_number,
            updated_at=updated_at,
        )

        customer.additional_properties = d
        return customer

    def to_json(self) -> str:
        """The JSON text of `to_dict()` (malomo)."""
        return json.dumps(self.to_dict())

    def __repr__(self) -> str:
        return (
            f"Customer("
            f"created_at={self.created_at!r}, "
            f"email={masked(self.email)}, "
            f"first_name={masked(self.first_name)}, "
            f"id={self.id!r}, "
            f"last_name={masked(self.last_name)}, "
            f"phone_number={masked(self.phone_number)}, "
            f"updated_at={self.updated_at!r}, "
            f"additional_keys={sorted(self.additional_properties)!r})"
        )

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())
