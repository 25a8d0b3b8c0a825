"""The dict forms of nested objects a resource method takes (`client.customers.create(address={...})`), one
TypedDict per model, keyed by the JSON names.

Rendered by tools/codegen/generate.py from openapi/templates/params.py.jinja.
"""

from __future__ import annotations

__all__: list[str] = []
