"""The render contexts of our own templates in the generated package, from the spec (read with malomo_spec)
and the generator's parse: `personal_fields.py` (properties marked `x-personal-data`), `api_headers.py`
(the `Accept` and request id headers), and the resource layer, `resources.py` with its
`resource_operations.py` (the naming rules of resource methods live here, with the context that uses them)."""

from __future__ import annotations

import keyword
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from malomo_spec import HTTP_METHODS, Document, SpecError
from tools.codegen.argument_types import plain_argument, typed_dicts

FACTS_OF_PERSONAL_FIELDS = ("type", "format", "minLength", "maxLength")


class GenerationError(Exception):
    """The spec cannot be generated: openapi-python-client refused it (an error, or a warning: we run it
    as --fail-on-warning), or two operations would be the same resource method."""


def personal_fields(document: Document) -> dict[str, dict[str, Any]]:
    """Each property name marked `x-personal-data: true` (on the property or its `$ref`'d schema) in any
    component schema, with the schema facts its placeholder follows (type, format, length limits)."""
    found: dict[str, dict[str, Any]] = {}
    for schema_name in document.schemas():
        properties = document.schema(schema_name).get("properties") or {}
        for name, prop in properties.items():
            # The property's own keys win over its `$ref`'d schema's (`x-personal-data` beside a `$ref`).
            own = {key: value for key, value in prop.items() if key != "$ref"}
            merged = {**document.merged(prop, f"{schema_name}.{name}"), **own}
            if merged.get("x-personal-data") is not True:
                continue
            facts = {key: merged[key] for key in FACTS_OF_PERSONAL_FIELDS if key in merged}
            known = found.setdefault(name, facts)
            if "maxLength" in facts:  # a name used by several schemas: the tightest limit fits them all
                known["maxLength"] = min(known.get("maxLength", facts["maxLength"]), facts["maxLength"])
    return dict(sorted(found.items()))


# The naming rules of the resource layer (resources.py.jinja): a resource is a literal path segment, a method
# is named by METHOD_NAMES, else by its operationId, unless the spec names it with METHOD_EXTENSION.
# The method a path and HTTP method name by default; `item`: the path ends in a parameter (`/customers/{id}`).
METHOD_NAMES = {
    ("post", False): "create",
    ("get", False): "list",
    ("get", True): "retrieve",
    ("put", True): "update",
    ("patch", True): "update",
    ("delete", True): "delete",
}
# The spec's override of the rule, on an operation: `x-malomo-method: customers.events.list`.
METHOD_EXTENSION = "x-malomo-method"
# Per-request option names (malomo._base_client.OPTION_NAMES, not imported: generating must not need the
# generated package it replaces): a spec parameter or field of the same name is renamed (python_name).
RESERVED_ARGUMENTS = {"self", "timeout", "max_retries", "extra_headers", "extra_query", "options"}


def method_path(path: str, http_method: str, operation: Mapping[str, Any]) -> tuple[str, ...]:
    """The resource chain and method name of an operation: `("customers", "events", "list")`.

    Resources are the path's literal segments (`/customers/{customer_id}/events`: customers.events);
    the method is `create`/`list` (POST/GET on a collection) or `retrieve`/`update`/`delete` (GET,
    PUT or PATCH, DELETE on an item), else the operationId in snake case. `x-malomo-method` overrides both.
    """
    from openapi_python_client.strings import snake_case

    override = operation.get(METHOD_EXTENSION)
    if override is not None:
        parts = tuple(str(override).split("."))
        if len(parts) < 2 or not all(part.isidentifier() for part in parts):
            raise GenerationError(
                f"{METHOD_EXTENSION} of {http_method.upper()} {path}: {override!r} is not a.b"
            )
        return parts
    segments = [segment for segment in path.strip("/").split("/") if segment]
    resources = [snake_case(segment) for segment in segments if not segment.startswith("{")]
    item = bool(segments) and segments[-1].startswith("{")
    name = METHOD_NAMES.get((http_method, item)) or snake_case(operation.get("operationId", http_method))
    return (*resources, name)


def _argument(prop: Any, spec_name: str | None = None) -> dict[str, str]:
    """A keyword argument of a resource method: its Python name, its declaration, and the generated
    function's parameter it is passed as."""
    name = prop.python_name
    if spec_name and spec_name.isidentifier() and not keyword.iskeyword(spec_name):
        name = spec_name  # `next`, as the spec and the Link header say, rather than `next_`
    if name in RESERVED_ARGUMENTS:
        name = f"{name}_"
    kind = prop.get_type_string().as_unembedded_code()
    return {
        "name": name,
        "target": prop.python_name,
        "declaration": f"{name}: {kind}" + ("" if prop.required else " = UNSET"),
    }


def _operation_nodes(document: Document) -> dict[tuple[str, str], Mapping[str, Any]]:
    """Every operation's node as written, by (path, lower-case method)."""
    nodes: dict[tuple[str, str], Mapping[str, Any]] = {}
    for path, item in document.tree.get("paths", {}).items():
        resolved = document.resolve(item, path)
        nodes.update({(path, method): resolved[method] for method in HTTP_METHODS if method in resolved})
    return nodes


def resource_tree(openapi: Any, document: Document) -> list[dict[str, Any]]:
    """Every resource class to render, children before parents, each with its methods and child resources;
    the last one is the root (no name), whose children are the client's top-level resources."""
    from openapi_python_client.strings import pascal_case

    operations = _operation_nodes(document)
    root: dict[str, Any] = {"chain": (), "methods": [], "children": {}}
    where: dict[tuple[str, ...], str] = {}
    for collection in openapi.endpoint_collections_by_tag.values():
        for endpoint in collection.endpoints:
            path = endpoint.path.get_untrusted_value()
            *chain, name = method_path(path, endpoint.method, operations[(path, endpoint.method)])
            here = f"{endpoint.method.upper()} {path}"
            if (*chain, name) in where:
                raise GenerationError(
                    f"{here} and {where[(*chain, name)]} are both {'.'.join((*chain, name))}: "
                    f"give one of them another name with {METHOD_EXTENSION}"
                )
            where[(*chain, name)] = here
            node = root
            for depth in range(len(chain)):
                node = node["children"].setdefault(
                    chain[depth], {"chain": tuple(chain[: depth + 1]), "methods": [], "children": {}}
                )
            node["methods"].append({**_method(endpoint, name), "qualified": ".".join((*chain, name))})
    ordered: list[dict[str, Any]] = []

    def visit(node: dict[str, Any]) -> None:
        for child in node["children"].values():
            visit(child)
        node["class_name"] = "".join(pascal_case(part) for part in node["chain"])
        node["attribute"] = node["chain"][-1] if node["chain"] else None
        node["children"] = list(node["children"].values())
        ordered.append(node)

    visit(root)
    return ordered


def _arguments(endpoint: Any) -> tuple[list[dict[str, Any]], list[dict[str, str]], dict[str, Any] | None]:
    """A resource method's positional (path) arguments, keyword arguments and body model: each argument's
    `target` is its key in the arguments handed to the runtime (a query or header parameter's spec name)."""
    from openapi_python_client.parser.properties.model_property import ModelProperty
    from openapi_python_client.parser.properties.uuid import UuidProperty

    # A `format: uuid` path id is taken as text too (ids reach apps as strings); the runtime checks it.
    positional = [
        {
            "name": p.python_name,
            "target": p.python_name,
            "declaration": f"{p.python_name}: str | UUID"
            if isinstance(p, UuidProperty)
            else p.to_string().as_unembedded_code(),
            "uuid": isinstance(p, UuidProperty),
        }
        for p in endpoint.path_parameters
    ]
    keywords: list[dict[str, str]] = []
    body = None
    if endpoint.bodies:
        prop = endpoint.bodies[0].prop
        if isinstance(prop, ModelProperty):
            properties = [*(prop.required_properties or ()), *(prop.optional_properties or ())]
            fields = [plain_argument(field, _argument(field)) for field in properties]
            keywords += fields
            body = {"class_name": prop.class_info.name, "fields": fields}
        else:  # not an object: one `body` argument
            keywords.append({**_argument(prop), "target": "body"})
    for p in (*endpoint.query_parameters, *endpoint.header_parameters):
        spec_name = p.name.get_untrusted_value()
        keywords.append({**_argument(p, spec_name), "target": spec_name})
    return positional, keywords, body


def _parse_of(prop: Any) -> str:
    """The code that turns a success answer's JSON into the generated type of `prop`."""
    from openapi_python_client.parser.properties.list_property import ListProperty
    from openapi_python_client.parser.properties.model_property import ModelProperty

    if isinstance(prop, ModelProperty):
        return f"{prop.class_info.name}.from_dict"
    if isinstance(prop, ListProperty) and isinstance(prop.inner_property, ModelProperty):
        return f"_list_of({prop.inner_property.class_info.name}.from_dict)"
    return "_as_json"


def _text(value: Any) -> str:
    """A string of the generator's parse (some are wrapped as UntrustedString) as plain text."""
    return str(value.get_untrusted_value() if hasattr(value, "get_untrusted_value") else value)


def descriptor(endpoint: Any, success: Any, kind: str, result: str) -> dict[str, Any]:
    """The facts of resource_operations.py's OperationDescriptor for one operation (see that template)."""
    if endpoint.cookie_parameters:
        raise GenerationError(
            f"{endpoint.method.upper()} {_text(endpoint.path)}: the resource layer sends no cookie parameters"
        )
    path = endpoint.path.get_untrusted_value()
    for p in endpoint.path_parameters:  # the placeholders named as the arguments are
        path = path.replace("{" + p.name.get_untrusted_value() + "}", "{" + p.python_name + "}")
    query = tuple(p.name.get_untrusted_value() for p in endpoint.query_parameters)
    status = None if success is None else tuple(success.status_code.range)
    parse = None if kind == "none" else _parse_of(success.prop)
    return {
        "method": endpoint.method.upper(),
        "path": path,
        "path_parameters": tuple(p.python_name for p in endpoint.path_parameters),
        "query_parameters": query,
        "header_parameters": tuple(p.name.get_untrusted_value() for p in endpoint.header_parameters),
        "body_media_type": _text(endpoint.bodies[0].content_type) if endpoint.bodies else None,
        "success_status": status,
        "parse": parse,
        "cursors": tuple(name for name in ("next", "prev") if name in query) if kind == "page" else (),
        "result": f"list[{result}]" if kind == "page" else result,
    }


def _method(endpoint: Any, name: str) -> dict[str, Any]:
    """What the resources template needs of one operation."""
    from openapi_python_client.parser.properties.list_property import ListProperty

    positional, keywords, body = _arguments(endpoint)
    success = next(
        (r for r in endpoint.responses.patterns if (r.status_code.range or (0,))[0] // 100 == 2), None
    )
    query_names = {p.name.get_untrusted_value() for p in endpoint.query_parameters}
    kind, result = "none", "None"
    if success is not None and isinstance(success.prop, ListProperty) and "next" in query_names:
        kind, result = "page", success.prop.inner_property.get_type_string().as_unembedded_code()
    elif success is not None and success.status_code.range != (204, 204):
        kind, result = "value", success.prop.get_type_string().as_unembedded_code()
    return {
        "name": name,
        "module": endpoint.name,
        "constant": endpoint.name.upper(),
        "summary": endpoint.summary,
        "positional": positional,
        "keywords": keywords,
        "body": body,
        "kind": kind,
        "result": result,
        "descriptor": descriptor(endpoint, success, kind, result),
        "imports": endpoint.relative_imports,
    }


# The component every response's request id header refers to; the header's name is where it is used.
REQUEST_ID_REF = "#/components/headers/RequestId"


def request_id_header(document: Document) -> str:
    """The name under which the spec's responses declare the request id header (`X-Request-Id`)."""
    try:
        return document.header_name(REQUEST_ID_REF)
    except SpecError as exc:
        raise GenerationError(str(exc)) from None


def api_headers_context(document: Document) -> dict[str, Any]:
    """The `Accept` of the API version the spec describes (`info.x-malomo-media-type`, `info.version`), and
    the request id header's name."""
    media_type = document.extension("x-malomo-media-type")
    if media_type is not None and (not isinstance(media_type, str) or not document.api_version):
        raise GenerationError("info.x-malomo-media-type needs a text value and info.version (the Accept)")
    # A spec that names no vendor media type (those before 0.4.0, which spec_diff still generates) has no way
    # to choose a version: the client then asks for plain JSON, which is served as the spec's own version.
    servers = document.tree.get("servers") or []
    accept = "application/json" if media_type is None else f"{media_type}; version={document.api_version}"
    return {
        "media_type": media_type or "application/json",
        "api_version": document.api_version,
        "accept": accept,
        "request_id_header": request_id_header(document),
        # The path each server of the spec serves the API under ("" for `https://api.gomalomo.com`).
        "server_paths": sorted({urlsplit(str(s.get("url", ""))).path.rstrip("/") for s in servers} or {""}),
    }


def render_extra_modules(project: Any, document: Document, into: Path) -> None:
    """Render our own templates into the generated package, from the spec and the generator's parse."""
    env = project.env
    (into / "personal_fields.py").write_text(
        env.get_template("personal_fields.py.jinja").render(fields=personal_fields(document))
    )
    (into / "api_headers.py").write_text(
        env.get_template("api_headers.py.jinja").render(**api_headers_context(document))
    )
    tree = resource_tree(project.openapi, document)
    methods = [method for node in tree for method in node["methods"]]
    imports = sorted({line.replace("from ...", "from .") for method in methods for line in method["imports"]})
    (into / "resource_operations.py").write_text(
        env.get_template("resource_operations.py.jinja").render(operations=methods, imports=imports)
    )
    params = typed_dicts(methods, project.openapi.models)
    (into / "params.py").write_text(env.get_template("params.py.jinja").render(params=params))
    # The resources also name the arguments' enums and nested models, and the TypedDicts of params.py.
    extra = {line for method in methods for a in method["keywords"] for line in a.get("imports", ())}
    extra |= {f"from .models.{p['module']} import {p['model']}" for p in params}
    extra.add(
        f"from .resource_operations import {', '.join(sorted(method['constant'] for method in methods))}"
    )
    (into / "resources.py").write_text(
        env.get_template("resources.py.jinja").render(
            resources=tree, imports=sorted({*imports, *extra}), params=[p["name"] for p in params]
        )
    )
