"""openapi/malomo.yaml as tests read it: a thin view over `malomo_spec` (the kit's one reader of the spec),
with each operation's documented statuses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

import malomo_spec
from support import SPEC_PATH

DOCUMENT: Final = malomo_spec.load(SPEC_PATH)
# The parsed tree, shared with every reader of this document: read it, never change it.
SPEC: dict[str, Any] = dict(DOCUMENT.tree)


def resolve(node: Any) -> Any:
    """`node` with its local `$ref`s followed (a cycle or a dangling `$ref` is a `malomo_spec.SpecError`)."""
    return DOCUMENT.resolve(node)


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path, operation as written) for every operation of the spec, in the spec's order."""
    for operation in malomo_spec.operations(DOCUMENT):
        yield operation.method, operation.path, dict(operation.node)


def documented_statuses() -> dict[tuple[str, str], set[int]]:
    """(METHOD, path as the spec writes it) of every operation, with the statuses it documents."""
    return {
        (operation.method, operation.path): {int(status) for status in operation.responses}
        for operation in malomo_spec.operations(DOCUMENT)
    }
