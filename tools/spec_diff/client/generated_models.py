"""What the generated package's models are, read with griffe: an attrs model's constructor arguments,
the models that calling code builds (request bodies) and the type of each generated enum's values (an enum
class, or a `Literal` alias with `literal_enums`)."""

from __future__ import annotations

import re

import griffe


def attrs_fields(cls: griffe.Class) -> dict[str, bool] | None:
    """For an attrs model, its constructor's arguments: name → required. None for other classes."""
    if not any(str(d.value).endswith("define") for d in cls.decorators):
        return None
    fields = {}
    for name, member in cls.members.items():
        if member.is_alias or not isinstance(member, griffe.Attribute) or member.annotation is None:
            continue
        if name.startswith("_") or "property" in member.labels or "init=False" in str(member.value or ""):
            continue
        fields[name] = member.value is None
    return fields


def _model_classes(package: griffe.Module) -> dict[str, griffe.Class]:
    return {
        name: member
        for module in package["models"].modules.values()
        for name, member in module.members.items()
        if isinstance(member, griffe.Class)
    }


def request_models(package: griffe.Module) -> set[str]:
    """Names of the model classes that calling code builds: the `body` types, and the models in them."""
    models = _model_classes(package)
    pending = [
        str(parameter.annotation)
        for tag in package["api"].modules.values()
        for operation in tag.modules.values()
        if "sync_detailed" in operation.members
        for parameter in operation["sync_detailed"].parameters
        if parameter.name == "body"
    ]
    found: set[str] = set()
    while pending:
        for name in re.findall(r"[A-Za-z_]\w*", pending.pop()):
            if name in models and name not in found:
                found.add(name)
                pending.extend(str(a.annotation) for a in models[name].attributes.values())
    return found


def enum_bases(package: griffe.Module) -> dict[str, str]:
    """Generated enums and the type of their values: an enum class by its base (`class ErrorCode(StrEnum)`
    -> `str`), a `Literal` alias by its values (`ErrorCode = Literal['a', 'b']` -> that `Literal`)."""
    kinds = {"StrEnum": "str", "IntEnum": "int"}
    found = {}
    for name, cls in _model_classes(package).items():
        bases = [str(b) for b in cls.bases]
        value_types = [kinds[b] for b in bases if b in kinds] + [b for b in bases if b in ("str", "int")]
        if value_types and any(b.endswith("Enum") for b in bases):
            found[name] = value_types[0]
    for module in package["models"].modules.values():
        for name, member in module.members.items():
            value = str(getattr(member, "value", "") or "") if isinstance(member, griffe.Attribute) else ""
            if value.startswith("Literal["):
                found[name] = value
    return found
