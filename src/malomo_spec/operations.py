"""The operations of a document and the one answer to "which operation is this request?"."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from malomo_spec.document import Document, SpecError

HTTP_METHODS: Final = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_PARAMETER: Final = re.compile(r"\{([^}/]+)\}")


@dataclass(frozen=True)
class Operation:
    """One operation: where it lives, its node as written, and its parameters with `$ref`s followed
    (the path item's first, an operation's own parameter winning over the path's of the same name)."""

    operation_id: str
    method: str  # upper case
    path: str
    node: Mapping[str, Any]
    parameters: tuple[Mapping[str, Any], ...]

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def path_parameters(self) -> tuple[str, ...]:
        return tuple(_PARAMETER.findall(self.path))

    def parameters_in(self, location: str) -> tuple[Mapping[str, Any], ...]:
        return tuple(p for p in self.parameters if p.get("in") == location)

    @property
    def responses(self) -> Mapping[str, Any]:
        """The documented responses by status text (`"200"`, `"4XX"`), as written."""
        return {str(status): node for status, node in self.node.get("responses", {}).items()}

    def url_path(self, values: Mapping[str, Any]) -> str:
        """The path with each `{parameter}` filled from `values`."""
        return _PARAMETER.sub(lambda m: str(values[m.group(1)]), self.path)

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters when `method path` is a request to this operation, else None."""
        if method.upper() != self.method:
            return None
        found = _pattern(self.path).fullmatch(path.rstrip("/") or "/")
        return None if found is None else found.groupdict()


@functools.lru_cache(maxsize=256)
def _pattern(template: str) -> re.Pattern[str]:
    parts = [
        f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") and part.endswith("}") else re.escape(part)
        for part in template.rstrip("/").split("/")
    ]
    return re.compile("/".join(parts) or "/")


def operations(document: Document) -> tuple[Operation, ...]:
    """Every operation of `document` in the spec's order; SpecError when one has no operationId."""
    return _operations(document)


@functools.lru_cache(maxsize=16)
def _operations(document: Document) -> tuple[Operation, ...]:
    found = []
    for path, item in document.tree["paths"].items():
        item = document.resolve(item, path)
        shared = item.get("parameters", ())
        for method in HTTP_METHODS:
            node = item.get(method)
            if node is None:
                continue
            where = f"{method.upper()} {path}"
            operation_id = node.get("operationId")
            if not isinstance(operation_id, str):
                raise SpecError(f"{document.source}: {where} has no operationId")
            parameters: dict[tuple[str, str], Mapping[str, Any]] = {}
            for raw in [*shared, *node.get("parameters", ())]:
                parameter = document.resolve(raw, f"{where} parameters")
                parameters[str(parameter.get("in")), str(parameter.get("name"))] = parameter
            found.append(Operation(operation_id, method.upper(), path, node, tuple(parameters.values())))
    return tuple(found)


def operation(document: Document, operation_id: str) -> Operation:
    """The operation `operation_id`; SpecError when the document has none."""
    for candidate in operations(document):
        if candidate.operation_id == operation_id:
            return candidate
    raise SpecError(f"{document.source}: no operation {operation_id!r}")


def operation_for(document: Document, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
    """Which operation `method path` (without the base URL's path) is, with its path parameters.

    A literal segment beats a parameter, as in OpenAPI's own matching.
    """
    matches = [(op, found) for op in operations(document) if (found := op.match(method, path)) is not None]
    if not matches:
        return None
    return min(matches, key=lambda match: len(match[1]))


def path_matches(document: Document, path: str) -> list[Operation]:
    """The operations whose path template `path` fits, whatever their method (to tell 404 from 405)."""
    return [op for op in operations(document) if op.match(op.method, path) is not None]
