"""Before a run against a server: one authenticated GET on the spec's list operation, so that a refused key, a
wrong base URL or a server that is not the Malomo API ends `malomo-contract` with one line instead of a run.

urllib, not httpx: importing httpx's network stack (anyio) before pytest starts would keep pytest from
rewriting the asserts of the plugins that come with it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from email.message import Message
from typing import Any

from malomo_contract.coverage.answer_origins import foreign_answer
from malomo_contract.spec_contract import Operation, accept_header, operations, resolve

TIMEOUT_SECONDS = 10.0
# Statuses that say where the problem is before the suite runs; any other answer is left to the suite.
KEY_REFUSED = 401
WRONG_PATH = frozenset({404, 405})
# The spec's description: publishable keys exist and are refused here.
PUBLISHABLE_KEY_PREFIX = "pk_"
# JSON Schema `type` -> the Python type json.loads gives it.
JSON_TYPES: dict[str, type | tuple[type, ...]] = {
    "array": list,
    "object": dict,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
}


class CouldNotTest(Exception):
    """The server cannot be tested as asked; the message is the one line to show."""


def list_operation() -> Operation:
    """The spec's first list operation that takes no path parameter: the GET the preflight sends."""
    return next(call for call in operations() if call.is_list and not call.path_parameters)


def preflight(base_url: str, api_key: str) -> None:
    """Raise CouldNotTest unless `base_url` answers the spec's list operation as the Malomo API would.

    Statuses other than 401, 404 and 405 (a 500, a 429) are the suite's to judge, so they pass; unless a
    gateway answered in the API's place (an HTML page, a 502, 503 or 504 without the API's error body).
    """
    operation = list_operation()
    url = base_url.rstrip("/") + operation.path
    request = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {api_key}", "Accept": accept_header()}
    )
    where = f"GET {url}"
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            status, headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as answer:
        status, headers, body = answer.code, answer.headers, answer.read()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise CouldNotTest(f"cannot reach {base_url}: {getattr(exc, 'reason', None) or exc}") from None
    if status == KEY_REFUSED:
        if api_key.startswith(PUBLISHABLE_KEY_PREFIX):
            raise CouldNotTest(
                f"the key was refused ({where} answered 401): it is a publishable key (pk_...), "
                "and the API takes only a secret key (sk_...)"
            )
        raise CouldNotTest(f"the key was refused ({where} answered 401): check MALOMO_API_KEY")
    if status in WRONG_PATH:
        raise CouldNotTest(
            f"the base URL is wrong: {where} answered {status}; the spec's {operation.operation_id} is "
            f"GET {operation.path} under the base URL"
        )
    content_type = headers.get("content-type", "")
    foreign = None if status == 200 else foreign_answer(status, content_type, _joined(headers), body)
    if foreign is not None:
        raise CouldNotTest(f"could not test: the answer to {where} was not the API's ({foreign})")
    if status == 200:
        problem = _unlike_spec(operation.success_schema() or {}, headers, body)
        if problem:
            raise CouldNotTest(f"this does not look like the Malomo API: {where} answered 200 with {problem}")


def _joined(headers: Message) -> Callable[[str], str | None]:
    """A header's values joined as httpx joins them (`uvicorn, nginx`), None when absent."""
    return lambda name: ", ".join(headers.get_all(name, [])) or None


def _unlike_spec(schema: Any, headers: Message, body: bytes) -> str | None:
    """What in a 200 answer is not the shape the spec gives (its JSON type and its items' type), or None.

    Only the shape: a server that gets a field wrong is still the API, and the suite says how it is wrong.
    """
    content_type = headers.get_content_type()
    if not (content_type == "application/json" or content_type.endswith("+json")):
        return f"{content_type}, not JSON"
    try:
        data = json.loads(body)
    except ValueError:
        return "a body that is not JSON"
    expected = JSON_TYPES[schema["type"]]
    if not isinstance(data, expected):
        return f"a JSON {_json_type(data)}, where the spec gives a JSON {schema['type']}"
    item_type = resolve(schema.get("items", {})).get("type")
    if isinstance(data, list) and item_type in JSON_TYPES:
        odd = next((item for item in data if not isinstance(item, JSON_TYPES[item_type])), None)
        if odd is not None:
            return f"a JSON {_json_type(odd)} in the list, where the spec gives a JSON {item_type}"
    return None


def _json_type(value: Any) -> str:
    names = {list: "array", dict: "object", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


def still_answers(base_url: str) -> bool:
    """Whether anything answers HTTP at `base_url` (any status will do)."""
    try:
        with urllib.request.urlopen(base_url, timeout=TIMEOUT_SECONDS):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError, ValueError):
        return False
