"""The request id on a result: every generated model has a private ``_request_id`` attrs field, set here from
the answer's ``X-Request-Id`` (malomo.request_id_of() reads it back)."""

from __future__ import annotations

from typing import Any, TypeVar

import httpx

from malomo_client.api_headers import REQUEST_ID_HEADER

T = TypeVar("T")


def with_request_id(value: T, response: httpx.Response) -> T:
    """``value`` (a model, or a list of them) with the answer's request id on each model's ``_request_id``.

    The generated models declare that private attrs field (openapi/templates/model.py.jinja); a field of the
    spec cannot take its name, because the generator's Python names never start with an underscore."""
    request_id = response.headers.get(REQUEST_ID_HEADER)
    item: Any
    for item in value if isinstance(value, list) else (value,):
        if not hasattr(item, "_request_id"):  # not a generated model: plain JSON, None
            return value
        item._request_id = request_id
    return value
