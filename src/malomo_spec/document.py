"""The OpenAPI document as every part of the kit reads it: parsed once per text, its local `$ref`s followed
one way (a cycle, an external or a dangling `$ref` is a SpecError, never a loop)."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

import yaml

# The spec shipped inside the package (a symlink to openapi/malomo.yaml in the checkout, a copy in the wheel).
DEFAULT_SPEC: Final = Path(__file__).resolve().with_name("malomo.yaml")
_YAML_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's when it is there
_YAML_DUMPER: Final = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class SpecError(ValueError):
    """The document cannot be read: not YAML, not an OpenAPI document, or a `$ref` that does not resolve."""


def parse_yaml(text: str, source: str = "the spec") -> Any:
    """`text` parsed as YAML (the one YAML parser of the kit); SpecError with one line when it is not."""
    try:
        return yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise SpecError(f"{source} is not valid YAML: {str(exc).splitlines()[0]}") from None


def dump_yaml(tree: Any) -> str:
    """`tree` as YAML, its keys in their order: the one YAML writer (of edited specs, by tools and tests)."""
    return yaml.dump(tree, Dumper=_YAML_DUMPER, sort_keys=False)


class Document:
    """One parsed OpenAPI document: read it, never change it (one parse is shared by every reader)."""

    def __init__(self, tree: Mapping[str, Any], source: str = "the spec") -> None:
        self.tree = tree
        self.source = source

    def pointer(self, ref: str, where: str = "") -> Any:
        """The node a local `$ref` (`#/a/b~1c`, RFC 6901) names."""
        at = f"{self.source}: {where + ': ' if where else ''}"
        if not ref.startswith("#"):
            raise SpecError(f"{at}only local $refs are supported, not {ref!r}")
        node: Any = self.tree
        for part in ref[1:].split("/")[1:]:
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, Mapping) and part in node:
                node = node[part]
            else:
                raise SpecError(f"{at}$ref {ref!r} points nowhere")
        return node

    def resolve(self, node: Any, where: str = "") -> Any:
        """`node` with its `$ref` followed until a node that is not one; a cycle is a SpecError."""
        seen: list[str] = []
        while isinstance(node, Mapping) and "$ref" in node:
            ref = node["$ref"]
            if not isinstance(ref, str):
                raise SpecError(f"{self.source}: {where + ': ' if where else ''}$ref {ref!r} is not a string")
            if ref in seen:
                chain = " -> ".join([*seen, ref])
                raise SpecError(f"{self.source}: {where + ': ' if where else ''}$ref cycle {chain}")
            seen.append(ref)
            node = self.pointer(ref, where)
        return node

    def merged(self, node: Any, where: str = "") -> dict[str, Any]:
        """A schema with its `$ref` followed and an `allOf` folded into one mapping (later keys win)."""
        schema = self.resolve(node, where)
        if not isinstance(schema, Mapping):
            return {}
        folded: dict[str, Any] = {}
        for part in schema.get("allOf", ()):
            folded.update(self.merged(part, where))
        folded.update({key: value for key, value in schema.items() if key != "allOf"})
        return folded

    def schemas(self) -> Mapping[str, Any]:
        """`components.schemas`, each as written (unresolved)."""
        schemas = self.tree.get("components", {}).get("schemas", {})
        return schemas if isinstance(schemas, Mapping) else {}

    def schema(self, name: str) -> dict[str, Any]:
        """The component schema `name`, resolved and with `allOf` folded; SpecError when there is none."""
        if name not in self.schemas():
            raise SpecError(f"{self.source}: no schema {name!r}")
        return self.merged(self.schemas()[name], name)

    def header_name(self, ref: str) -> str:
        """The name under which the document's responses declare the header component `ref`
        (`#/components/headers/RequestId` -> `X-Request-Id`); SpecError when none does."""
        for _, node in self.walk():
            headers = node.get("headers") if isinstance(node, Mapping) else None
            for name, header in headers.items() if isinstance(headers, Mapping) else ():
                if isinstance(header, Mapping) and header.get("$ref") == ref:
                    return str(name)
        raise SpecError(f"{self.source}: no response declares a header that refers to {ref}")

    def extension(self, name: str, default: Any = None) -> Any:
        """A document-level vendor extension (`info.x-...`, else top-level `x-...`)."""
        info = self.tree.get("info", {})
        if isinstance(info, Mapping) and name in info:
            return info[name]
        return self.tree.get(name, default)

    @property
    def api_version(self) -> str:
        return str(self.tree.get("info", {}).get("version", ""))

    def walk(self) -> Iterator[tuple[tuple[str | int, ...], Any]]:
        """Every node of the document with its path from the root, depth first, `$ref`s not followed."""
        stack: list[tuple[tuple[str | int, ...], Any]] = [((), self.tree)]
        while stack:
            path, node = stack.pop()
            yield path, node
            if isinstance(node, Mapping):
                stack.extend(((*path, str(k)), v) for k, v in reversed(list(node.items())))
            elif isinstance(node, list):
                stack.extend(((*path, i), v) for i, v in reversed(list(enumerate(node))))


def parse(text: str, source: str = "the spec") -> Document:
    """The document of `text`; SpecError (one line) when it is not an OpenAPI document with paths."""
    return _parsed(text, source)


# One parse per text: a test fake built per test would otherwise spend most of its set-up parsing YAML.
@functools.lru_cache(maxsize=16)
def _parsed(text: str, source: str) -> Document:
    tree = parse_yaml(text, source)
    if not isinstance(tree, dict) or not isinstance(tree.get("paths"), dict):
        raise SpecError(f"{source} is not an OpenAPI document (no paths)")
    return Document(tree, source)


def load(path: Path | str = DEFAULT_SPEC) -> Document:
    """The document at `path` (default: the spec this package ships); SpecError when unreadable."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read the spec {str(path)!r}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"the spec {str(path)!r} is not valid YAML: {str(exc).splitlines()[0]}") from None
    return parse(text, f"the spec {str(path)!r}")
