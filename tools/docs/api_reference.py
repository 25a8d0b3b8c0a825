"""The API reference page of the documentation site, generated from the spec when the site is built (by the
MkDocs hook tools/docs/mkdocs_hooks.py): every resource method of malomo.Malomo with its arguments, its return
type, the errors it may raise and an example, as the code generator names and types them (tools/codegen).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import malomo_spec
from malomo._errors import _STATUS_CLASSES
from tools.codegen import generate
from tools.codegen.render_context import resource_tree

PLACEHOLDER_ID = "a0a877c6-4164-4e8a-8179-48f8d4752b4e"


def _error_names(statuses: list[str]) -> list[str]:
    """The malomo exceptions an operation's documented error statuses raise (with their statuses), and the
    connection error."""
    by_class: dict[str, list[str]] = {}
    for status in sorted(statuses):
        code = int(status) if status.isdigit() else 0
        cls = _STATUS_CLASSES.get(code)
        by_class.setdefault(
            cls.__name__ if cls else ("ServerError" if code >= 500 else "MalomoError"), []
        ).append(status)
    return [f"`{name}` ({', '.join(found)})" for name, found in by_class.items()] + [
        "`APIConnectionError` (no answer)"
    ]


def _body_example(document: malomo_spec.Document, operation: malomo_spec.Operation) -> Mapping[str, Any]:
    """The request body's example as the spec writes it, else {}."""
    body = document.resolve(operation.node.get("requestBody", {}))
    media = body.get("content", {}).get("application/json", {})
    named: dict[str, Any] = next(iter(media.get("examples", {}).values()), {})
    example = media.get("example") or named.get("value")
    return example if isinstance(example, Mapping) else {}


def _example(method: dict[str, Any], body: Mapping[str, Any]) -> str:
    """A call of the method: its path ids and required keywords, with values from the spec's body example."""
    arguments = [json.dumps(PLACEHOLDER_ID) for _ in method["positional"]]
    for keyword in method["keywords"]:
        required = "=" not in keyword["declaration"]
        if required or keyword["target"] in body:
            value = body.get(keyword["target"], "...")
            arguments.append(f"{keyword['name']}={json.dumps(value) if value != '...' else '...'}")
    call = f"client.{method['qualified']}({', '.join(arguments)})"
    if method["kind"] == "page":
        return f"for item in {call}:\n    print(item)"
    return call if method["kind"] == "none" else f"result = {call}"


def _section(method: dict[str, Any], operation: malomo_spec.Operation, document: malomo_spec.Document) -> str:
    """One method's part of the page."""
    kind, result = method["kind"], method["result"]
    returns = {"page": f"`SyncPage[{result}]` (iterate it for every item of every page)", "none": "`None`"}
    arguments = [a["declaration"] for a in (*method["positional"], *method["keywords"])] or ["(none)"]
    errors = [s for s in operation.responses if s[:1] in "45"]
    lines = [
        f"### `client.{method['qualified']}()`",
        "",
        f"{operation.node.get('summary') or operation.operation_id}: `{operation.method} {operation.path}`"
        f" (`{operation.operation_id}`).",
        "",
        "**Arguments:** " + ", ".join(f"`{a}`" for a in arguments) + "; and the per-call options"
        " `timeout`, `max_retries`, `extra_headers`, `extra_query`.",
        "",
        f"**Returns:** {returns.get(kind, f'`{result}`')}; async: the same, awaited"
        + (" (`async for` over the `AsyncPaginator`)." if kind == "page" else "."),
        "",
        f"**Raises:** {', '.join(_error_names(errors))}.",
        "",
        "```python",
        _example(method, _body_example(document, operation)),
        "```",
        "",
    ]
    return "\n".join(lines)


def reference_page(spec: Path = generate.SPEC) -> str:
    """The Markdown of the API reference page for `spec`."""
    document = malomo_spec.load(spec)
    by_module = {_snake(op.operation_id): op for op in malomo_spec.operations(document)}
    parts = [
        "# API reference",
        "",
        f"Every method of `malomo.Malomo` for version {document.api_version} of the API, generated from"
        " `openapi/malomo.yaml` when this site was built. `malomo.AsyncMalomo` has the same methods, awaited."
        " Results carry their request id (`malomo.request_id_of(result)`); errors are described in"
        " [Using the client](client.md#error-handling).",
        "",
    ]
    nodes = sorted(resource_tree(generate.parsed_spec(spec), document)[:-1], key=lambda node: node["chain"])
    for node in nodes:
        if node["methods"]:
            parts += [f"## `client.{'.'.join(node['chain'])}`", ""]
        for method in node["methods"]:
            parts.append(_section(method, by_module[method["module"]], document))
    return "\n".join(parts)


def _snake(name: str) -> str:
    from openapi_python_client.strings import snake_case

    return str(snake_case(name))
