"""openapi/malomo.yaml as tests read it: the parsed document, its `$ref`s followed, and each operation's
documented statuses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml
from jsonpointer import resolve_pointer

from support import SPEC_PATH

SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
METHODS = ("get", "put", "post", "delete", "patch")


def resolve(node: Any, document: dict[str, Any] = SPEC) -> Any:
    """`node` with its local `$ref`s (RFC 6901 pointers into `document`) followed."""
    while isinstance(node, dict) and "$ref" in node:
        node = resolve_pointer(document, node["$ref"].removeprefix("#"))
    return node


def operations(document: dict[str, Any] = SPEC) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path, operation) for every operation of the spec."""
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def documented_statuses() -> dict[tuple[str, str], set[int]]:
    """(METHOD, path as the spec writes it) of every operation, with the statuses it documents."""
    return {
        (method, path): {int(status) for status in operation["responses"]}
        for method, path, operation in operations()
    }
