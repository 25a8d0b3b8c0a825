"""Contains all the data models used in inputs/outputs"""

from .customer import Customer
from .customer_create import CustomerCreate
from .customer_update import CustomerUpdate
from .error import Error
from .event import Event
from .event_properties import EventProperties

__all__ = (
    "Customer",
    "CustomerCreate",
    "CustomerUpdate",
    "Error",
    "Event",
    "EventProperties",
)
