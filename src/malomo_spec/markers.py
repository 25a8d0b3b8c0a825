"""The vendor extensions the kit defines on schemas and parameters, read one way for every part: a property
renamed (`x-renamed-properties` on an object, `x-renamed-from` on an inline property) and a query parameter
that filters a list (`x-malomo-filter`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from malomo_spec.document import Document, SpecError

# On an object schema: {new property name: the name it had before}. A property given by `$ref` can carry
# no sibling key (OpenAPI 3.0; Redocly refuses one), so the object says it.
RENAMED_PROPERTIES: Final = "x-renamed-properties"
# On an inline property schema: the name it had before.
RENAMED_FROM: Final = "x-renamed-from"
# On a query parameter: `{field: NAME, match: exact}`, the list keeps the items whose field NAME matches.
FILTER: Final = "x-malomo-filter"
# How a filter compares the parameter's value with the field: the only one so far.
FILTER_MATCHES: Final = frozenset({"exact"})
# Every marker above: a diff of one is no wire change in itself.
MARKERS: Final = frozenset({RENAMED_PROPERTIES, RENAMED_FROM, FILTER})


def renamed_properties(document: Document, schema: Any) -> dict[str, str]:
    """{new name: old name} of the properties the object `schema` marks as renamed (both markers)."""
    node = document.resolve(schema)
    if not isinstance(node, Mapping):
        return {}
    renamed = {str(new): str(old) for new, old in (node.get(RENAMED_PROPERTIES) or {}).items()}
    for name, child in (node.get("properties") or {}).items():
        if isinstance(child, Mapping) and isinstance(child.get(RENAMED_FROM), str):
            renamed[str(name)] = child[RENAMED_FROM]
    return renamed


@dataclass(frozen=True, slots=True)
class QueryFilter:
    """A query parameter that keeps the list's items whose `field` matches its value (`match`)."""

    parameter: str
    field: str
    match: str


def query_filters(document: Document, parameters: Iterable[Mapping[str, Any]]) -> tuple[QueryFilter, ...]:
    """The filters among an operation's query parameters (`$ref`s followed); SpecError for a malformed one."""
    found = []
    for raw in parameters:
        parameter = document.resolve(raw)
        marker = parameter.get(FILTER) if isinstance(parameter, Mapping) else None
        if marker is None:
            continue
        name = parameter.get("name")
        if (
            parameter.get("in") != "query"
            or not isinstance(marker, Mapping)
            or not isinstance(marker.get("field"), str)
            or marker.get("match", "exact") not in FILTER_MATCHES
        ):
            matches = ", ".join(sorted(FILTER_MATCHES))
            raise SpecError(
                f"{document.source}: parameter {name!r}: {FILTER} must be on a query parameter and read"
                f" {{field: NAME, match: {matches}}}"
            )
        found.append(QueryFilter(str(name), marker["field"], str(marker.get("match", "exact"))))
    return tuple(found)
