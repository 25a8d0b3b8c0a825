"""The client layer of tools/spec_diff/cli.py: what a spec change does to the generated Python API.

Both specs are generated with the project's own generator settings and templates, and griffe
compares the two packages. griffe does not see the constructors that attrs writes for the models,
so their arguments (required or optional, keyword calls) are compared here, and so are the types griffe
leaves out: model fields, arguments and what every function returns (annotation_types.py).
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from pathlib import Path

import griffe
from openapi_python_client.strings import snake_case

from tools.spec_diff.changes import Change, Renames
from tools.spec_diff.client.annotation_types import is_subtype, literal_values
from tools.spec_diff.client.generated_models import attrs_fields, enum_bases, request_models
from tools.spec_diff.client.keywords import fold_renames, removed_keywords
from tools.spec_diff.rules import change, rule

PACKAGE = "malomo_client"

OBJECT_REMOVED = rule(
    "client-object-removed", "breaking", "client", "a module, class, function or attribute removed"
)
OBJECT_CHANGED = rule(
    "client-object-changed",
    "breaking",
    "client",
    "an object changed kind, lost a base class or changed value",
)
SIGNATURE_CHANGED = rule(
    "client-signature-changed", "breaking", "client", "a parameter removed, moved, made required or re-kinded"
)
ARGUMENT_TYPE_CHANGED = rule(
    "client-argument-type-changed", "breaking", "client", "an argument's type no longer takes what it took"
)
FIELD_TYPE_CHANGED = rule(
    "client-field-type-changed", "breaking", "client", "a model field's type may hold what it could not"
)
RETURN_TYPE_CHANGED = rule(
    "client-return-type-changed",
    "breaking",
    "client",
    "what a function returns widened or is another class (one of the same shape too)",
)
RETURN_TYPE_NARROWED = rule(
    "client-return-type-narrowed",
    "compatible",
    "client",
    "what a function returns narrowed (e.g. no longer None)",
)
MODEL_FIELD_ADDED = rule(
    "client-model-field-added", "compatible", "client", "a response model gained a field"
)
MODEL_ARGUMENT_ADDED_REQUIRED = rule(
    "client-model-argument-added-required",
    "breaking",
    "client",
    "a model that callers build needs a new argument",
)
MODEL_ARGUMENT_ADDED = rule(
    "client-model-argument-added",
    "compatible",
    "client",
    "a model that callers build takes a new optional argument",
)
MODEL_ARGUMENT_BECAME_REQUIRED = rule(
    "client-model-argument-became-required",
    "breaking",
    "client",
    "a model constructor argument became required",
)
MODEL_ARGUMENT_BECAME_OPTIONAL = rule(
    "client-model-argument-became-optional",
    "compatible",
    "client",
    "a model constructor argument became optional",
)
LITERAL_VALUE_ADDED = rule(
    "client-literal-value-added", "compatible", "client", "a generated `Literal` enum type gained a value"
)
LITERAL_VALUE_REMOVED = rule(
    "client-literal-value-removed",
    "breaking",
    "client",
    "a generated `Literal` enum type lost a value: code passing or matching it fails type checks",
)
PARAMETER_ADDED = rule(
    "client-parameter-added", "compatible", "client", "a function takes a new optional parameter"
)
OBJECT_ADDED = rule(
    "client-object-added", "compatible", "client", "a module, class, function or attribute added"
)

_KIND_TEXT = {
    griffe.BreakageKind.PARAMETER_REMOVED: "parameter `{name}` removed: calls that pass it fail",
    griffe.BreakageKind.PARAMETER_ADDED_REQUIRED: "new required parameter `{name}`: existing calls fail",
    griffe.BreakageKind.PARAMETER_CHANGED_REQUIRED: "parameter `{name}` became required",
    griffe.BreakageKind.PARAMETER_CHANGED_KIND: "parameter `{name}` changed kind ({old} → {new})",
    griffe.BreakageKind.PARAMETER_MOVED: "positional parameter `{name}` moved",
    griffe.BreakageKind.PARAMETER_CHANGED_DEFAULT: "default of parameter `{name}` changed ({old} → {new})",
}


@functools.cache
def load(root: Path) -> griffe.Module:
    """The public API of the malomo_client package below `root`, read statically, once per process."""
    module = griffe.load(PACKAGE, search_paths=[str(root)], try_relative_path=False, resolve_aliases=False)
    assert isinstance(module, griffe.Module)
    return module


def _in_functions(owner: str, functions: list[str], rest: str = "") -> tuple[str, str]:
    """Where one change found in several functions of a module is reported, and the suffix naming them."""
    if len(functions) > 1:
        return f"{owner}{rest}", f" (in {', '.join(sorted(functions))})"
    return f"{owner}.{functions[0]}{rest}", ""


def _breakages(old: griffe.Module, new: griffe.Module, renamed: dict[str, str]) -> list[Change]:
    """griffe's findings, with the four functions of one operation module reported as one line."""
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    changes = []
    for breakage in griffe.find_breaking_changes(old, new):
        obj = breakage.obj
        if breakage.kind in _KIND_TEXT:
            parameter = breakage.old_value if breakage.old_value is not None else breakage.new_value
            text = _KIND_TEXT[breakage.kind].format(
                name=getattr(parameter, "name", parameter),
                old=getattr(breakage.old_value, "kind", breakage.old_value),
                new=getattr(breakage.new_value, "kind", breakage.new_value),
            )
            # A parameter belongs to a function, whose parent is its module or its class.
            owner = obj.parent.path if obj.parent is not None else ""
            grouped[(owner, text)].append(obj.name)
            continue
        what = breakage.kind.value.lower()
        if breakage.kind is griffe.BreakageKind.OBJECT_REMOVED:
            what = f"{obj.kind.value} removed: code that imports or uses it fails"
            for old_id, new_id in renamed.items():
                if obj.is_module and obj.name == snake_case(old_id):
                    what += f" (operationId {old_id} → {new_id}: it is now `{snake_case(new_id)}`)"
        elif breakage.kind is griffe.BreakageKind.ATTRIBUTE_CHANGED_VALUE:
            what = f"value changed ({breakage.old_value} → {breakage.new_value})"
        removed = breakage.kind is griffe.BreakageKind.OBJECT_REMOVED
        changes.append(change(OBJECT_REMOVED if removed else OBJECT_CHANGED, obj.path, what))
    for (owner, text), functions in grouped.items():
        where, suffix = _in_functions(owner, functions)
        changes.append(change(SIGNATURE_CHANGED, where, text + suffix))
    return changes


def _type_change(
    out: list[Change], where: str, old: object, new: object, given: bool, enums: dict[str, str]
) -> None:
    """A type that callers give (an argument) may widen; one they are given (a field) may narrow."""
    if str(old) == str(new):
        return
    if given and not is_subtype(str(old), str(new), enums):
        out.append(change(ARGUMENT_TYPE_CHANGED, where, f"type of the argument changed: {old} → {new}"))

    elif not given and not is_subtype(str(new), str(old), enums):
        out.append(change(FIELD_TYPE_CHANGED, where, f"type of the field changed: {old} → {new}"))


def _return_change(out: list[Change], where: str, old: object, new: object, enums: dict[str, str]) -> None:
    """What a function returns may narrow; widening it, or another class (even of the same shape), breaks."""
    if old is None or new is None or str(old) == str(new):
        return
    narrowed = is_subtype(str(new), str(old), enums)
    what = f"return type {'narrowed' if narrowed else 'changed'}: {old} → {new}"
    out.append(change(RETURN_TYPE_NARROWED if narrowed else RETURN_TYPE_CHANGED, where, what))


def _compare_models(
    old: griffe.Class, new: griffe.Class, out: list[Change], built_by_callers: bool, enums: dict[str, str]
) -> None:
    """Constructor arguments and field types of a model. Only models that calling code builds (request
    bodies) break callers by a new required argument; a response model gaining one has a new field to read."""
    old_fields, new_fields = attrs_fields(old), attrs_fields(new)
    if old_fields is None or new_fields is None:
        return
    for name in old_fields.keys() & new_fields.keys():
        before, after = old.members[name], new.members[name]
        assert isinstance(before, griffe.Attribute) and isinstance(after, griffe.Attribute)
        _type_change(out, f"{new.path}.{name}", before.annotation, after.annotation, built_by_callers, enums)
    for name, required in new_fields.items():
        where = f"{new.path}({name}=...)"
        if not built_by_callers:
            if name not in old_fields:
                out.append(change(MODEL_FIELD_ADDED, where, "new field"))
        elif name not in old_fields and required:
            what = "new required constructor argument: code that builds this model fails"
            out.append(change(MODEL_ARGUMENT_ADDED_REQUIRED, where, what))
        elif name not in old_fields:
            what = "new optional constructor argument"
            out.append(change(MODEL_ARGUMENT_ADDED, where, what))
        elif required and not old_fields[name]:
            what = "constructor argument became required: code that leaves it out fails"
            out.append(change(MODEL_ARGUMENT_BECAME_REQUIRED, where, what))
        elif not required and old_fields[name]:
            what = "constructor argument became optional"
            out.append(change(MODEL_ARGUMENT_BECAME_OPTIONAL, where, what))


def _additions(
    old: griffe.Object, new: griffe.Object, out: list[Change], built: set[str], enums: dict[str, str]
) -> None:
    """New public objects and new optional parameters (compatible), the top-most new object only;
    type changes of model fields and function parameters."""
    fields: dict[str, bool] = {}
    if isinstance(old, griffe.Class) and isinstance(new, griffe.Class):
        _compare_models(old, new, out, new.name in built, enums)
        fields = attrs_fields(new) or {}
    if isinstance(old, griffe.Function) and isinstance(new, griffe.Function):
        _return_change(out, new.path, old.returns, new.returns, enums)
        out.extend(removed_keywords(old, new))
        before = {p.name: p.annotation for p in old.parameters}
        for parameter in new.parameters:
            if parameter.name in before:
                where = f"{new.path}({parameter.name}=...)"
                _type_change(out, where, before[parameter.name], parameter.annotation, True, enums)
            elif parameter.default is not None:
                what = f"new optional parameter `{parameter.name}`"
                out.append(change(PARAMETER_ADDED, new.path, what))
    for name, member in new.members.items():
        if member.is_alias or member.name.startswith("_") or name in fields:
            continue
        assert isinstance(member, griffe.Object)
        if name not in old.members or old.members[name].is_alias:
            what = f"{member.kind.value} added"
            out.append(change(OBJECT_ADDED, member.path, what))
        elif isinstance(member, griffe.Attribute):
            _literal_change(out, member.path, old.members[name], member)
        else:
            previous = old.members[name]
            assert isinstance(previous, griffe.Object)
            _additions(previous, member, out, built, enums)


def _literal_change(out: list[Change], where: str, old: object, new: griffe.Attribute) -> None:
    """The values a generated `Literal` alias (`ErrorCode = Literal[...]`) gained or lost."""
    before = literal_values(str(getattr(old, "value", "") or ""))
    after = literal_values(str(new.value or ""))
    if before is None or after is None:
        return
    if after - before:
        out.append(change(LITERAL_VALUE_ADDED, where, f"values added: {', '.join(sorted(after - before))}"))
    if before - after:
        what = f"values removed: {', '.join(sorted(before - after))}"
        out.append(change(LITERAL_VALUE_REMOVED, where, what))


OPERATION_FUNCTIONS = ("sync", "sync_detailed", "asyncio", "asyncio_detailed")
_IN_FUNCTION = re.compile(rf"(?P<module>.+)\.(?P<function>{'|'.join(OPERATION_FUNCTIONS)})(?P<rest>\(.*\))?")


def _merge_functions(changes: list[Change]) -> list[Change]:
    """One line for the same change in the four functions of an operation module."""
    grouped: dict[tuple[str, str, Change], list[str]] = defaultdict(list)
    kept = []
    for found in changes:
        match = _IN_FUNCTION.fullmatch(found.where)
        if match:
            template = Change(found.level, "", found.what, found.rule, found.layer)
            grouped[(match["module"], match["rest"] or "", template)].append(match["function"])
        else:
            kept.append(found)
    for (module, rest, template), functions in grouped.items():
        where, suffix = _in_functions(module, functions, rest)
        kept.append(Change(template.level, where, template.what + suffix, template.rule, template.layer))
    return kept


def client_changes(old_root: Path, new_root: Path, renames: Renames) -> list[Change]:
    """Changes of the public API from the package below `old_root` to the one below `new_root`."""
    old, new = load(old_root), load(new_root)
    changes = _breakages(old, new, renames.operations)
    added: list[Change] = []
    _additions(old, new, added, request_models(old) | request_models(new), enum_bases(new))
    return fold_renames(changes + _merge_functions(added), renames)
