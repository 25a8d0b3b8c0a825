from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.customer import Customer
from ...models.error import Error
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    next_: str | Unset = UNSET,
    prev: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["next"] = next_

    params["prev"] = prev

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/customers",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | list[Customer] | None:
    if response.status_code == 200:
        response_200 = []
        _response_200 = response.json()
        for response_200_item_data in _response_200:
            response_200_item = Customer.from_dict(response_200_item_data)

            response_200.append(response_200_item)

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 406:
        response_406 = Error.from_dict(response.json())

        return response_406

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | list[Customer]]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    next_: str | Unset = UNSET,
    prev: str | Unset = UNSET,
) -> Response[Error | list[Customer]]:
    """List customers

     One page of customers in ascending (`created_at`, `id`) order. Follow the
    `Link` header's `rel="next"` target for the following page.

    Args:
        next_ (str | Unset):
        prev (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | list[Customer]]
    """

    kwargs = _get_kwargs(
        next_=next_,
        prev=prev,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    next_: str | Unset = UNSET,
    prev: str | Unset = UNSET,
) -> Error | list[Customer] | None:
    """List customers

     One page of customers in ascending (`created_at`, `id`) order. Follow the
    `Link` header's `rel="next"` target for the following page.

    Args:
        next_ (str | Unset):
        prev (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | list[Customer]
    """

    return sync_detailed(
        client=client,
        next_=next_,
        prev=prev,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    next_: str | Unset = UNSET,
    prev: str | Unset = UNSET,
) -> Response[Error | list[Customer]]:
    """List customers

     One page of customers in ascending (`created_at`, `id`) order. Follow the
    `Link` header's `rel="next"` target for the following page.

    Args:
        next_ (str | Unset):
        prev (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | list[Customer]]
    """

    kwargs = _get_kwargs(
        next_=next_,
        prev=prev,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    next_: str | Unset = UNSET,
    prev: str | Unset = UNSET,
) -> Error | list[Customer] | None:
    """List customers

     One page of customers in ascending (`created_at`, `id`) order. Follow the
    `Link` header's `rel="next"` target for the following page.

    Args:
        next_ (str | Unset):
        prev (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | list[Customer]
    """

    return (
        await asyncio_detailed(
            client=client,
            next_=next_,
            prev=prev,
        )
    ).parsed
