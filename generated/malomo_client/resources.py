"""The resources of malomo.Malomo and malomo.AsyncMalomo (`client.customers.create(...)`), one method per operation.

Rendered by tools/codegen/generate.py from openapi/templates/resources.py.jinja; the naming rule is in
tools/codegen/render_context.py's method_path().
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Unpack
from uuid import UUID

from .models.customer import Customer
from .models.customer_create import CustomerCreate
from .models.customer_update import CustomerUpdate
from .models.event import Event
from .resource_operations import (
    CREATE_CUSTOMER,
    DELETE_CUSTOMER,
    GET_CUSTOMER,
    LIST_CUSTOMER_EVENTS,
    LIST_CUSTOMERS,
    UPDATE_CUSTOMER,
)
from .types import UNSET, Unset

if TYPE_CHECKING:
    from malomo.resource_runtime import (
        AsyncPage,
        AsyncPaginator,
        AsyncRequester,
        RawResponse,
        RequestOptions,
        SyncPage,
        SyncRequester,
    )


class CustomersEventsWithRawResponse:
    """`client.customers.events.with_raw_response`: each method gives the raw answer, `.parse()` gives its result."""

    def __init__(self, client: SyncRequester) -> None:
        self._client = client

    def list(
        self,
        customer_id: str | UUID,
        *,
        next: str | Unset = UNSET,
        prev: str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> RawResponse[SyncPage[Event]]:
        """List a customer's events (`list_customer_events`)."""
        return self._client.page_raw(
            LIST_CUSTOMER_EVENTS,
            {
                "customer_id": self._client.path_id("customers.events.list", "customer_id", customer_id),
                "next": next,
                "prev": prev,
            },
            options,
        )


class CustomersEvents:
    """`client.customers.events`: list."""

    def __init__(self, client: SyncRequester) -> None:
        self._client = client

    @property
    def with_raw_response(self) -> CustomersEventsWithRawResponse:
        """The same methods, each giving the raw answer (status, headers, request_id) and `.parse()`."""
        return CustomersEventsWithRawResponse(self._client)

    def list(
        self,
        customer_id: str | UUID,
        *,
        next: str | Unset = UNSET,
        prev: str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> SyncPage[Event]:
        """List a customer's events (`list_customer_events`)."""
        return self._client.page(
            LIST_CUSTOMER_EVENTS,
            {
                "customer_id": self._client.path_id("customers.events.list", "customer_id", customer_id),
                "next": next,
                "prev": prev,
            },
            options,
        )


class CustomersWithRawResponse:
    """`client.customers.with_raw_response`: each method gives the raw answer, `.parse()` gives its result."""

    def __init__(self, client: SyncRequester) -> None:
        self._client = client
        self.events = CustomersEventsWithRawResponse(client)

    def list(
        self, *, next: str | Unset = UNSET, prev: str | Unset = UNSET, **options: Unpack[RequestOptions]
    ) -> RawResponse[SyncPage[Customer]]:
        """List customers (`list_customers`)."""
        return self._client.page_raw(
            LIST_CUSTOMERS,
            {
                "next": next,
                "prev": prev,
            },
            options,
        )

    def create(
        self,
        *,
        email: str,
        first_name: None | str | Unset = UNSET,
        last_name: None | str | Unset = UNSET,
        phone_number: None | str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> RawResponse[Customer]:
        """Create a customer (`create_customer`)."""
        return self._client.call_raw(
            CREATE_CUSTOMER,
            {
                "body": CustomerCreate(
                    email=email,
                    first_name=first_name,
                    last_name=last_name,
                    phone_number=phone_number,
                ),
            },
            options,
        )

    def retrieve(self, id: str | UUID, **options: Unpack[RequestOptions]) -> RawResponse[Customer]:
        """Retrieve a customer (`get_customer`)."""
        return self._client.call_raw(
            GET_CUSTOMER,
            {
                "id": self._client.path_id("customers.retrieve", "id", id),
            },
            options,
        )

    def update(
        self,
        id: str | UUID,
        *,
        email: str | Unset = UNSET,
        first_name: None | str | Unset = UNSET,
        last_name: None | str | Unset = UNSET,
        phone_number: None | str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> RawResponse[Customer]:
        """Update a customer (`update_customer`)."""
        return self._client.call_raw(
            UPDATE_CUSTOMER,
            {
                "id": self._client.path_id("customers.update", "id", id),
                "body": CustomerUpdate(
                    email=email,
                    first_name=first_name,
                    last_name=last_name,
                    phone_number=phone_number,
                ),
            },
            options,
        )

    def delete(self, id: str | UUID, **options: Unpack[RequestOptions]) -> RawResponse[None]:
        """Delete a customer (`delete_customer`)."""
        return self._client.call_raw(
            DELETE_CUSTOMER,
            {
                "id": self._client.path_id("customers.delete", "id", id),
            },
            options,
        )


class Customers:
    """`client.customers`: list, create, retrieve, update, delete."""

    def __init__(self, client: SyncRequester) -> None:
        self._client = client
        self.events = CustomersEvents(client)

    @property
    def with_raw_response(self) -> CustomersWithRawResponse:
        """The same methods, each giving the raw answer (status, headers, request_id) and `.parse()`."""
        return CustomersWithRawResponse(self._client)

    def list(
        self, *, next: str | Unset = UNSET, prev: str | Unset = UNSET, **options: Unpack[RequestOptions]
    ) -> SyncPage[Customer]:
        """List customers (`list_customers`)."""
        return self._client.page(
            LIST_CUSTOMERS,
            {
                "next": next,
                "prev": prev,
            },
            options,
        )

    def create(
        self,
        *,
        email: str,
        first_name: None | str | Unset = UNSET,
        last_name: None | str | Unset = UNSET,
        phone_number: None | str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> Customer:
        """Create a customer (`create_customer`)."""
        return self._client.call(
            CREATE_CUSTOMER,
            {
                "body": CustomerCreate(
                    email=email,
                    first_name=first_name,
                    last_name=last_name,
                    phone_number=phone_number,
                ),
            },
            options,
        )

    def retrieve(self, id: str | UUID, **options: Unpack[RequestOptions]) -> Customer:
        """Retrieve a customer (`get_customer`)."""
        return self._client.call(
            GET_CUSTOMER,
            {
                "id": self._client.path_id("customers.retrieve", "id", id),
            },
            options,
        )

    def update(
        self,
        id: str | UUID,
        *,
        email: str | Unset = UNSET,
        first_name: None | str | Unset = UNSET,
        last_name: None | str | Unset = UNSET,
        phone_number: None | str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> Customer:
        """Update a customer (`update_customer`)."""
        return self._client.call(
            UPDATE_CUSTOMER,
            {
                "id": self._client.path_id("customers.update", "id", id),
                "body": CustomerUpdate(
                    email=email,
                    first_name=first_name,
                    last_name=last_name,
                    phone_number=phone_number,
                ),
            },
            options,
        )

    def delete(self, id: str | UUID, **options: Unpack[RequestOptions]) -> None:
        """Delete a customer (`delete_customer`)."""
        self._client.call(
            DELETE_CUSTOMER,
            {
                "id": self._client.path_id("customers.delete", "id", id),
            },
            options,
        )


class AsyncCustomersEventsWithRawResponse:
    """`client.customers.events.with_raw_response`: each method gives the raw answer, `.parse()` gives its result."""

    def __init__(self, client: AsyncRequester) -> None:
        self._client = client

    async def list(
        self,
        customer_id: str | UUID,
        *,
        next: str | Unset = UNSET,
        prev: str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> RawResponse[AsyncPage[Event]]:
        """List a customer's events (`list_customer_events`)."""
        return await self._client.page_raw(
            LIST_CUSTOMER_EVENTS,
            {
                "customer_id": self._client.path_id("customers.events.list", "customer_id", customer_id),
                "next": next,
                "prev": prev,
            },
            options,
        )


class AsyncCustomersEvents:
    """`client.customers.events`: list."""

    def __init__(self, client: AsyncRequester) -> None:
        self._client = client

    @property
    def with_raw_response(self) -> AsyncCustomersEventsWithRawResponse:
        """The same methods, each giving the raw answer (status, headers, request_id) and `.parse()`."""
        return AsyncCustomersEventsWithRawResponse(self._client)

    def list(
        self,
        customer_id: str | UUID,
        *,
        next: str | Unset = UNSET,
        prev: str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> AsyncPaginator[Event]:
        """List a customer's events (`list_customer_events`)."""
        return self._client.paginator(
            LIST_CUSTOMER_EVENTS,
            {
                "customer_id": self._client.path_id("customers.events.list", "customer_id", customer_id),
                "next": next,
                "prev": prev,
            },
            options,
        )


class AsyncCustomersWithRawResponse:
    """`client.customers.with_raw_response`: each method gives the raw answer, `.parse()` gives its result."""

    def __init__(self, client: AsyncRequester) -> None:
        self._client = client
        self.events = AsyncCustomersEventsWithRawResponse(client)

    async def list(
        self, *, next: str | Unset = UNSET, prev: str | Unset = UNSET, **options: Unpack[RequestOptions]
    ) -> RawResponse[AsyncPage[Customer]]:
        """List customers (`list_customers`)."""
        return await self._client.page_raw(
            LIST_CUSTOMERS,
            {
                "next": next,
                "prev": prev,
            },
            options,
        )

    async def create(
        self,
        *,
        email: str,
        first_name: None | str | Unset = UNSET,
        last_name: None | str | Unset = UNSET,
        phone_number: None | str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> RawResponse[Customer]:
        """Create a customer (`create_customer`)."""
        return await self._client.call_raw(
            CREATE_CUSTOMER,
            {
                "body": CustomerCreate(
                    email=email,
                    first_name=first_name,
                    last_name=last_name,
                    phone_number=phone_number,
                ),
            },
            options,
        )

    async def retrieve(self, id: str | UUID, **options: Unpack[RequestOptions]) -> RawResponse[Customer]:
        """Retrieve a customer (`get_customer`)."""
        return await self._client.call_raw(
            GET_CUSTOMER,
            {
                "id": self._client.path_id("customers.retrieve", "id", id),
            },
            options,
        )

    async def update(
        self,
        id: str | UUID,
        *,
        email: str | Unset = UNSET,
        first_name: None | str | Unset = UNSET,
        last_name: None | str | Unset = UNSET,
        phone_number: None | str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> RawResponse[Customer]:
        """Update a customer (`update_customer`)."""
        return await self._client.call_raw(
            UPDATE_CUSTOMER,
            {
                "id": self._client.path_id("customers.update", "id", id),
                "body": CustomerUpdate(
                    email=email,
                    first_name=first_name,
                    last_name=last_name,
                    phone_number=phone_number,
                ),
            },
            options,
        )

    async def delete(self, id: str | UUID, **options: Unpack[RequestOptions]) -> RawResponse[None]:
        """Delete a customer (`delete_customer`)."""
        return await self._client.call_raw(
            DELETE_CUSTOMER,
            {
                "id": self._client.path_id("customers.delete", "id", id),
            },
            options,
        )


class AsyncCustomers:
    """`client.customers`: list, create, retrieve, update, delete."""

    def __init__(self, client: AsyncRequester) -> None:
        self._client = client
        self.events = AsyncCustomersEvents(client)

    @property
    def with_raw_response(self) -> AsyncCustomersWithRawResponse:
        """The same methods, each giving the raw answer (status, headers, request_id) and `.parse()`."""
        return AsyncCustomersWithRawResponse(self._client)

    def list(
        self, *, next: str | Unset = UNSET, prev: str | Unset = UNSET, **options: Unpack[RequestOptions]
    ) -> AsyncPaginator[Customer]:
        """List customers (`list_customers`)."""
        return self._client.paginator(
            LIST_CUSTOMERS,
            {
                "next": next,
                "prev": prev,
            },
            options,
        )

    async def create(
        self,
        *,
        email: str,
        first_name: None | str | Unset = UNSET,
        last_name: None | str | Unset = UNSET,
        phone_number: None | str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> Customer:
        """Create a customer (`create_customer`)."""
        return await self._client.call(
            CREATE_CUSTOMER,
            {
                "body": CustomerCreate(
                    email=email,
                    first_name=first_name,
                    last_name=last_name,
                    phone_number=phone_number,
                ),
            },
            options,
        )

    async def retrieve(self, id: str | UUID, **options: Unpack[RequestOptions]) -> Customer:
        """Retrieve a customer (`get_customer`)."""
        return await self._client.call(
            GET_CUSTOMER,
            {
                "id": self._client.path_id("customers.retrieve", "id", id),
            },
            options,
        )

    async def update(
        self,
        id: str | UUID,
        *,
        email: str | Unset = UNSET,
        first_name: None | str | Unset = UNSET,
        last_name: None | str | Unset = UNSET,
        phone_number: None | str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> Customer:
        """Update a customer (`update_customer`)."""
        return await self._client.call(
            UPDATE_CUSTOMER,
            {
                "id": self._client.path_id("customers.update", "id", id),
                "body": CustomerUpdate(
                    email=email,
                    first_name=first_name,
                    last_name=last_name,
                    phone_number=phone_number,
                ),
            },
            options,
        )

    async def delete(self, id: str | UUID, **options: Unpack[RequestOptions]) -> None:
        """Delete a customer (`delete_customer`)."""
        await self._client.call(
            DELETE_CUSTOMER,
            {
                "id": self._client.path_id("customers.delete", "id", id),
            },
            options,
        )


class MalomoResources:
    """The top-level resources of malomo.Malomo."""

    def __init__(self, client: SyncRequester) -> None:
        self.customers = Customers(client)


class AsyncMalomoResources:
    """The top-level resources of malomo.AsyncMalomo."""

    def __init__(self, client: AsyncRequester) -> None:
        self.customers = AsyncCustomers(client)
