"""Plain values for resource-method arguments: a nested object's argument also takes a dict, typed by a
TypedDict rendered into `params.py` (`address: Address | AddressParam`), and turned into the model before
the body is built. Enums need nothing here: the generator's `literal_enums` makes them Literals of their
values."""

from __future__ import annotations

from typing import Any


def nested_model(prop: Any) -> Any | None:
    """The generated model a property holds (itself, or one member of a nullable union), else None."""
    from openapi_python_client.parser.properties.model_property import ModelProperty
    from openapi_python_client.parser.properties.union import UnionProperty

    if isinstance(prop, ModelProperty):
        return prop
    if isinstance(prop, UnionProperty):
        models = [inner for inner in prop.inner_properties if isinstance(inner, ModelProperty)]
        return models[0] if len(models) == 1 else None
    return None


def param_name(model: Any) -> str:
    """The TypedDict of a model's dict form: `Address` -> `AddressParam`."""
    return f"{model.class_info.name}Param"


def plain_argument(prop: Any, argument: dict[str, Any]) -> dict[str, Any]:
    """`argument` (a resource method's keyword, see render_context._argument) widened to take a dict for a
    nested object: its declaration names the TypedDict too, and `value` turns a dict into the model."""
    model = nested_model(prop)
    imports = sorted(prop.get_imports(prefix="."))  # an enum's Literal, a nested model
    if model is None:
        return {**argument, "value": argument["name"], "imports": imports}
    name, kind = argument["name"], model.class_info.name
    declaration = argument["declaration"].replace(f"{name}: ", f"{name}: {param_name(model)} | ", 1)
    value = f"_model({kind}, {name})"
    return {**argument, "declaration": declaration, "value": value, "imports": imports, "param": model}


def typed_dict(model: Any) -> dict[str, Any]:
    """What params.py.jinja renders of one model: its TypedDict's name and keys (the JSON names), each with
    its JSON type (a nested object as a plain dict) and whether the key is required."""
    keys = []
    for prop in [*(model.required_properties or ()), *(model.optional_properties or ())]:
        json_type = prop.get_type_string(no_optional=True, json=True).as_unembedded_code()
        name = prop.name.get_untrusted_value() if hasattr(prop.name, "get_untrusted_value") else prop.name
        keys.append({"name": name, "type": json_type, "required": prop.required})
    info = model.class_info
    return {"name": param_name(model), "model": info.name, "module": info.module_name, "keys": keys}


def typed_dicts(methods: list[dict[str, Any]], models: Any) -> list[dict[str, Any]]:
    """The TypedDicts the resource methods' arguments name, once each, by name. `models`: the generator's
    parsed models (a property's own copy of a nested model may not list its properties)."""
    by_name = {model.class_info.name: model for model in models}
    found: dict[str, dict[str, Any]] = {}
    for method in methods:
        for argument in method["keywords"]:
            if "param" in argument:
                model = by_name[argument["param"].class_info.name]
                found.setdefault(param_name(model), typed_dict(model))
    return [found[name] for name in sorted(found)]
