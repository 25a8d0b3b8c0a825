from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import Uuid

if TYPE_CHECKING:
    from ..models.event_properties import EventProperties


T = TypeVar("T", bound="Event")


@_attrs_define
class Event:
    """One entry in a customer's event log.

    `type_` is the JSON field `type` (renamed: a Python keyword or builtin).

    Attributes:
        id (UUID): Unique identifier for the event.
        label (str): Human-readable summary of the event.
        link_back_url (None | str): Where the event can be seen in the store's admin, when there is such a place.
        properties (EventProperties): Free-form details of the event.
        timestamp (int): When the event happened, in unix seconds.
        type_ (str): The kind of event, e.g. `ShopifyOrderFulfilled`.
        created_at (datetime.datetime): When the event was recorded (UTC).
        updated_at (datetime.datetime): When the event was last updated (UTC).
    """

    id: UUID
    label: str
    link_back_url: None | str
    properties: EventProperties
    timestamp: int
    type_: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _request_id: str | None = _attrs_field(init=False, default=None, eq=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        label = self.label

        link_back_url: None | str
        link_back_url = self.link_back_url

        properties = self.properties.to_dict()

        timestamp = self.timestamp

        type_ = self.type_

        created_at = self.created_at.isoformat().replace("+00:00", "Z")

        updated_at = self.updated_at.isoformat().replace("+00:00", "Z")

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "label": label,
                "link_back_url": link_back_url,
                "properties": properties,
                "timestamp": timestamp,
                "type": type_,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.event_properties import EventProperties

        d = dict(src_dict)
        id = Uuid(d.pop("id"))

        label = d.pop("label")

        link_back_url = cast(None | str, d.pop("link_back_url"))

        properties = EventProperties.from_dict(d.pop("properties"))

        timestamp = d.pop("timestamp")

        type_ = d.pop("type")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        event = cls(
            id=id,
            label=label,
            link_back_url=link_back_url,
            properties=properties,
            timestamp=timestamp,
            type_=type_,
            created_at=created_at,
            updated_at=updated_at,
        )

        event.additional_properties = d
        return event

    def to_json(self) -> str:
        """The JSON text of `to_dict()` (malomo)."""
        return json.dumps(self.to_dict())

    def __repr__(self) -> str:
        return (
            f"Event("
            f"id={self.id!r}, "
            f"label={self.label!r}, "
            f"link_back_url={self.link_back_url!r}, "
            f"properties={self.properties!r}, "
            f"timestamp={self.timestamp!r}, "
            f"type_={self.type_!r}, "
            f"created_at={self.created_at!r}, "
            f"updated_at={self.updated_at!r}, "
            f"additional_keys={sorted(self.additional_properties)!r})"
        )

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())
