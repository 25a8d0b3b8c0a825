"""What the document names must exist in it: the check validators do not make. A `links` entry names an
operation (and its parameters, and a field of the answer it reads), an operation's `x-malomo-method` names
one client method, and an example names fields of its schema. After an operation or a field is removed,
what still names it is listed here (`python -m malomo_spec.references SPEC` exits 1 and prints each)."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping
from typing import Any, Final

from malomo_spec.document import Document, SpecError, load
from malomo_spec.operations import Operation, operations

METHOD_EXTENSION: Final = "x-malomo-method"
_METHOD: Final = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)+")
_BODY_FIELD: Final = re.compile(r"\$response\.body#/([^/]+)")


def _links(document: Document, operation: Operation) -> Iterator[tuple[str, Mapping[str, Any], Any]]:
    """(status, link, the answer's schema) of every link of the operation's answers."""
    for status, raw in operation.responses.items():
        response = document.resolve(raw)
        media = (response.get("content") or {}).get("application/json") or {}
        for name, link in (response.get("links") or {}).items():
            yield f"{status} link {name}", document.resolve(link), media.get("schema")


def _link_problems(document: Document, by_id: Mapping[str, Operation]) -> Iterator[str]:
    for operation in by_id.values():
        for where, link, schema in _links(document, operation):
            at = f"{operation.operation_id} {where}"
            target = by_id.get(str(link.get("operationId")))
            if "operationRef" in link:
                try:
                    document.pointer(str(link["operationRef"]))
                except SpecError:
                    yield f"{at}: operationRef {link['operationRef']} points nowhere"
                continue
            if target is None:
                yield f"{at}: names operation {link.get('operationId')!r}, which the document lacks"
                continue
            taken = {str(p.get("name")) for p in target.parameters}
            fields = set(document.merged(schema).get("properties") or {}) if schema else set()
            for parameter, expression in (link.get("parameters") or {}).items():
                name = str(parameter).split(".", 1)[-1]
                if name not in taken:
                    yield f"{at}: fills parameter {name!r}, which {target.operation_id} does not take"
                field = _BODY_FIELD.match(str(expression))
                if field and fields and field[1] not in fields:
                    yield f"{at}: reads field {field[1]!r}, which the answer does not have"


def _method_problems(by_id: Mapping[str, Operation]) -> Iterator[str]:
    seen: dict[str, str] = {}
    for operation in by_id.values():
        method = operation.node.get(METHOD_EXTENSION)
        if method is None:
            continue
        if not isinstance(method, str) or not _METHOD.fullmatch(method):
            yield f"{operation.operation_id}: {METHOD_EXTENSION} {method!r} is not a dotted method name"
        elif method in seen:
            yield f"{operation.operation_id}: {METHOD_EXTENSION} {method!r} is {seen[method]}'s already"
        else:
            seen[method] = operation.operation_id


def _unknown_fields(document: Document, schema: Any, value: Any, where: str) -> Iterator[str]:
    """Keys of the example `value` that its `schema` (an object with properties) does not have."""
    merged = document.merged(schema) if schema is not None else {}
    if isinstance(value, list) and "items" in merged:
        for index, item in enumerate(value):
            yield from _unknown_fields(document, merged["items"], item, f"{where}[{index}]")
    properties = merged.get("properties")
    if not isinstance(value, Mapping) or not isinstance(properties, Mapping):
        return
    open_to = merged.get("additionalProperties", False)
    for key, item in value.items():
        if key in properties:
            yield from _unknown_fields(document, properties[key], item, f"{where}.{key}")
        elif not open_to:
            yield f"{where}: example field {key!r}, which the schema does not have"


def _example_problems(document: Document, by_id: Mapping[str, Operation]) -> Iterator[str]:
    for operation in by_id.values():
        bodies = [("request", operation.node.get("requestBody")), *operation.responses.items()]
        for where, raw in bodies:
            body = document.resolve(raw) if raw is not None else {}
            for media in (body.get("content") or {}).values():
                at = f"{operation.operation_id} {where}"
                if "example" in media:
                    yield from _unknown_fields(document, media.get("schema"), media["example"], at)
                for name, example in (media.get("examples") or {}).items():
                    value = document.resolve(example).get("value")
                    yield from _unknown_fields(document, media.get("schema"), value, f"{at} {name}")


def dangling_references(document: Document) -> list[str]:
    """One line for each link, `x-malomo-method` or example that names what the document lacks."""
    by_id = {operation.operation_id: operation for operation in operations(document)}
    return [
        *_link_problems(document, by_id),
        *_method_problems(by_id),
        *_example_problems(document, by_id),
    ]


def main(argv: list[str]) -> int:
    """`python -m malomo_spec.references [SPEC]`: each problem on a line, exit 1 when there is one."""
    try:
        problems = dangling_references(load(*argv[:1]))
    except SpecError as exc:
        print(exc, file=sys.stderr)
        return 2
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
