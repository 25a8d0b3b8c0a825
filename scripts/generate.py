"""Regenerate generated/malomo_client from openapi/malomo.yaml; `--check` fails on drift.

Besides openapi-python-client's own output, two modules are rendered from our templates:
`personal_fields.py` (the properties marked `x-personal-data`) and `resources.py` (the resource layer).

Generation is byte-identical on every machine only with the pinned generator and
ruff, so both versions are checked before anything is written.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import io
import keyword
import re
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from jinja2 import BytecodeCache, ChoiceLoader, PackageLoader, PrefixLoader
from jinja2.bccache import Bucket

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi" / "malomo.yaml"
CONFIG = ROOT / "openapi" / "generator.yaml"
TEMPLATES = ROOT / "openapi" / "templates"
TARGET = ROOT / "generated" / "malomo_client"
PINS = {"openapi-python-client": "0.29.1", "ruff": "0.17.5"}
IGNORED = {".ruff_cache", "__pycache__"}
FACTS_OF_PERSONAL_FIELDS = ("type", "format", "minLength", "maxLength")


def check_pins() -> None:
    """Exit with one line when an installed generator or ruff is not the pinned one."""
    for name, wanted in PINS.items():
        try:
            found = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found = "not installed"
        if found != wanted:
            sys.exit(f"generate: {name}=={wanted} is required, found {found} (pip install -e '.[dev]')")


class _CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates, kept for the next generation in this process. Compiling them is
    about 40% of a generation; a bucket is keyed by the template's file and checked against its source,
    so an edited or another commit's template is compiled anew."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = _CompiledTemplates()


class GenerationError(Exception):
    """openapi-python-client refused the spec (an error, or a warning: we run it as --fail-on-warning)."""


def generate(
    into: Path, spec: Path = SPEC, config: Path = CONFIG, templates: Path = TEMPLATES, formatted: bool = True
) -> None:
    """Write a fresh malomo_client package to `into` (which must not exist).

    The generator runs in this process (it costs half a second, a subprocess three), so that
    scripts/spec_diff.py can afford to generate two specs on every run. `formatted=False` skips
    the ruff hooks: they change layout and import order, never the public API that spec_diff reads.
    """
    # The generator's own generate() is these two steps; between them the project gets the cache.
    from openapi_python_client import _get_project_for_url_or_path
    from openapi_python_client.config import Config, ConfigFile, MetaType
    from openapi_python_client.parser.errors import GeneratorError
    from ruff import find_ruff_bin

    # An absolute path: the generator silently skips hooks it cannot find on PATH.
    ruff = Path(find_ruff_bin()).resolve()
    # --isolated: the repo's own ruff settings must not reach generated code.
    common = "--isolated --no-cache --line-length 120 --target-version py311"
    hooks = [f"{ruff} check {common} --fix-only --extend-select=I .", f"{ruff} format {common} ."]
    settings = yaml.safe_load(config.read_text())
    settings["post_hooks"] = hooks if formatted else []
    generator_config = Config.from_sources(
        ConfigFile(**settings), MetaType.NONE, spec, "utf-8", overwrite=True, output_path=into
    )
    with contextlib.redirect_stdout(io.StringIO()):  # it prints "Generating <path>"
        project = _get_project_for_url_or_path(config=generator_config, custom_template_path=templates)
        problems: Sequence[GeneratorError]
        if isinstance(project, GeneratorError):
            problems = [project]
        else:
            project.env.bytecode_cache = COMPILED_TEMPLATES
            # Our template overrides import the generator's own templates as "upstream/...".
            upstream = PrefixLoader({"upstream": PackageLoader("openapi_python_client")})
            project.env.loader = ChoiceLoader([project.env.loader, upstream])  # type: ignore[list-item]
            problems = project.build()
            if not problems:
                render_extra_modules(project, yaml.safe_load(spec.read_text()), into)
                if formatted:  # the hooks again, over our modules too (a second pass changes nothing else)
                    project._run_post_hooks()
                    problems = project._get_errors()
    if problems:
        text = "; ".join(f"{p.header}: {p.detail or ''}".strip(" :") for p in problems)
        # The generator's messages can hold object reprs of its own types; they say nothing to a reader.
        raise GenerationError(re.sub(r"<openapi_python_client\.[^>]*>", "?", text))
    # --meta none leaves out the PEP 561 marker; users type-check against this package.
    (into / "py.typed").write_text("# Marker file for PEP 561\n")
    for leftover in IGNORED:
        for path in into.rglob(leftover):
            shutil.rmtree(path)


def personal_fields(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each property name marked `x-personal-data: true` (on the property or its `$ref`'d schema) in any
    component schema, with the schema facts its placeholder follows (type, format, length limits)."""
    schemas = document.get("components", {}).get("schemas", {})
    found: dict[str, dict[str, Any]] = {}
    for schema in schemas.values():
        for name, prop in (schema.get("properties") or {}).items():
            ref = prop.get("$ref", "")
            target = (
                schemas.get(ref.rpartition("/")[2], {}) if ref.startswith("#/components/schemas/") else {}
            )
            merged = {**target, **prop}
            if merged.get("x-personal-data") is not True:
                continue
            facts = {
                key: merged[key] for key in ("type", "format", "minLength", "maxLength") if key in merged
            }
            known = found.setdefault(name, facts)
            if "maxLength" in facts:  # a name used by several schemas: the tightest limit fits them all
                known["maxLength"] = min(known.get("maxLength", facts["maxLength"]), facts["maxLength"])
    return dict(sorted(found.items()))


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
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
# Per-request option names: a spec parameter or field of the same name is renamed (python_name).
RESERVED_ARGUMENTS = {"self", "timeout", "max_retries", "extra_headers", "extra_query", "options"}


def method_path(path: str, http_method: str, operation: dict[str, Any]) -> tuple[str, ...]:
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


def resource_tree(openapi: Any, document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every resource class to render, children before parents, each with its methods and child resources;
    the last one is the root (no name), whose children are the client's top-level resources."""
    from openapi_python_client.strings import pascal_case

    operations = {
        (path, method): operation
        for path, item in document.get("paths", {}).items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }
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


def _method(endpoint: Any, name: str) -> dict[str, Any]:
    """What the resources template needs of one operation."""
    from openapi_python_client.parser.properties.list_property import ListProperty
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
            fields = [_argument(field) for field in properties]
            keywords += fields
            body = {"class_name": prop.class_info.name, "fields": fields}
        else:  # not an object: one `body` argument
            keywords.append({**_argument(prop), "target": "body"})
    keywords += [
        _argument(p, p.name.get_untrusted_value())
        for p in (*endpoint.query_parameters, *endpoint.header_parameters, *endpoint.cookie_parameters)
    ]
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
        "tag": endpoint.tags[0] if endpoint.tags else "default",
        "summary": endpoint.summary,
        "positional": positional,
        "keywords": keywords,
        "body": body,
        "kind": kind,
        "result": result,
        "imports": endpoint.relative_imports,
    }


def render_extra_modules(project: Any, document: dict[str, Any], into: Path) -> None:
    """Render our own templates into the generated package, from the spec and the generator's parse."""
    env = project.env
    (into / "personal_fields.py").write_text(
        env.get_template("personal_fields.py.jinja").render(fields=personal_fields(document))
    )
    tree = resource_tree(project.openapi, document)
    methods = [method for node in tree for method in node["methods"]]
    imports = {f"from .api.{method['tag']} import {method['module']}" for method in methods}
    imports.update(line.replace("from ...", "from .") for method in methods for line in method["imports"])
    (into / "resources.py").write_text(
        env.get_template("resources.py.jinja").render(resources=tree, imports=sorted(imports))
    )


def files_under(root: Path) -> dict[str, bytes]:
    """Every file below `root` by relative path, skipping caches."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not IGNORED.intersection(path.relative_to(root).parts)
    }


def differing_files(left: Path, right: Path) -> list[str]:
    """Relative paths whose bytes differ, or that exist on one side only."""
    a, b = files_under(left), files_under(right)
    return sorted(name for name in a.keys() | b.keys() if a.get(name) != b.get(name))


def main(argv: list[str] | None = None) -> int:
    """Regenerate, or with --check report drift and exit 1."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if generated/ is stale; write nothing")
    args = parser.parse_args(argv)
    check_pins()
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "malomo_client"
        try:
            generate(fresh)
        except GenerationError as exc:
            sys.exit(f"generate: openapi-python-client failed: {exc}")
        if args.check:
            if not TARGET.is_dir():
                print(f"generate --check: {TARGET.relative_to(ROOT)} is missing")
                return 1
            stale = differing_files(fresh, TARGET)
            if stale:
                print("generate --check: generated/ is stale; run python scripts/generate.py. Differs:")
                for name in stale:
                    print(f"  generated/malomo_client/{name}")
                return 1
            print("generate --check: generated/ is up to date")
            return 0
        if TARGET.exists():
            shutil.rmtree(TARGET)
        TARGET.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(fresh, TARGET)
    print(f"generate: wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
