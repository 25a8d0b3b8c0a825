"""Subtyping of the generated client's type annotations, as far as the spec diff needs it: unions,
generics (`list[X]`, `Response[X]`) and classes by name, a generated `str` enum counting as a `str`, and
`Literal` values (a `Literal` of fewer values is a subtype; of strings, of `str`).

Classes are compared by name only: a class that another of the same fields replaces is another type
to code that imports it or checks `isinstance`."""

from __future__ import annotations

import ast
from dataclasses import dataclass

# `Optional[X]` and `Union[X, Y]` are unions too; `List[X]` is `list[X]`.
_UNIONS = frozenset({"Union", "Optional"})
_ALIASES = {"List": "list", "Dict": "dict", "Tuple": "tuple", "Sequence": "Sequence", "Type": "type"}


@dataclass(frozen=True)
class Generic:
    name: str
    args: tuple[Type, ...]


Type = str | Generic | frozenset["Type"]  # a class name, a generic with arguments, or a union


def parse(annotation: str) -> Type:
    """The type an annotation names; an annotation that is not a Python expression is kept as its text."""
    try:
        return _node(ast.parse(annotation, mode="eval").body)
    except SyntaxError:
        return annotation


def _node(node: ast.expr) -> Type:
    if isinstance(node, ast.Constant):
        return parse(node.value) if isinstance(node.value, str) else str(node.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union([_node(node.left), _node(node.right)])
    if isinstance(node, ast.Subscript):
        name = _name(node.value)
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if name == "Literal":  # its arguments are values, not annotations
            return Generic(name, tuple(ast.unparse(part) for part in parts))
        args = [_node(part) for part in parts]
        if name in _UNIONS:
            return _union([*args, "None"] if name == "Optional" else args)
        return Generic(_ALIASES.get(name, name), tuple(args))
    return _name(node)


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr  # `types.Response` and `Response` are one class
    return node.id if isinstance(node, ast.Name) else ast.unparse(node)


def _union(members: list[Type]) -> Type:
    flat: set[Type] = set()
    for member in members:
        flat |= member if isinstance(member, frozenset) else {member}
    return next(iter(flat)) if len(flat) == 1 else frozenset(flat)


def _literal_le(sub: Generic, sup: Type) -> bool:
    """A `Literal` is a subtype of a `Literal` holding its values, and of the type all its values have."""
    if isinstance(sup, Generic) and sup.name == "Literal":
        return set(sub.args) <= set(sup.args)
    values = [str(arg) for arg in sub.args]
    kinds = {"str" if v[:1] in "'\"" else "bool" if v in ("True", "False") else "int" for v in values}
    return isinstance(sup, str) and kinds == {sup}


def _le(sub: Type, sup: Type, enums: dict[str, str]) -> bool:
    if sup == "Any":
        return True
    if isinstance(sub, str) and sub in enums and enums[sub].startswith("Literal["):
        sub = parse(enums[sub])
    if isinstance(sup, str) and sup in enums and enums[sup].startswith("Literal["):
        sup = parse(enums[sup])
    if isinstance(sub, frozenset):
        return all(_le(member, sup, enums) for member in sub)
    if isinstance(sup, frozenset):
        return any(_le(sub, member, enums) for member in sup)
    if isinstance(sub, Generic) and sub.name == "Literal":
        return _literal_le(sub, sup)
    if isinstance(sub, Generic) and isinstance(sup, Generic):
        return (
            sub.name == sup.name
            and len(sub.args) == len(sup.args)
            and all(_le(a, b, enums) for a, b in zip(sub.args, sup.args, strict=True))
        )
    if isinstance(sub, str) and isinstance(sup, str):
        return sub == sup or enums.get(sub) == sup
    return False


def is_subtype(sub: str, sup: str, enums: dict[str, str]) -> bool:
    """Whether every value of the annotation `sub` is a value of `sup`; `enums` maps a generated enum
    class to the type of its values (`ErrorCode` → `str`)."""
    return _le(parse(sub), parse(sup), enums)


def literal_values(annotation: str) -> frozenset[str] | None:
    """The values of a `Literal[...]` annotation as written, or None for another annotation."""
    parsed = parse(annotation)
    if isinstance(parsed, Generic) and parsed.name == "Literal":
        return frozenset(str(arg) for arg in parsed.args)
    return None
