"""The one reader of the OpenAPI document's plumbing: YAML parsed once per text, `$ref`s followed one way,
the operations listed and a request matched to its operation. What the document *means* (rules, checks,
client code) is read by each part on its own."""

from malomo_spec.document import DEFAULT_SPEC, Document, SpecError, dump_yaml, load, parse, parse_yaml
from malomo_spec.markers import QueryFilter, query_filters, renamed_properties
from malomo_spec.operations import HTTP_METHODS, Operation, operation, operation_for, operations, path_matches

__all__ = [
    "DEFAULT_SPEC",
    "HTTP_METHODS",
    "Document",
    "Operation",
    "QueryFilter",
    "SpecError",
    "dump_yaml",
    "load",
    "operation",
    "operation_for",
    "operations",
    "parse",
    "parse_yaml",
    "path_matches",
    "query_filters",
    "renamed_properties",
]
