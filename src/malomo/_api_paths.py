"""Whether a URL path is one of the API's operations, under a path the spec's servers serve it at: how a 404
of a wrong base URL (``http://host/v2``) is told apart from a missing record (malomo._errors.BaseURLError)."""

from __future__ import annotations

import re
from functools import cache

from malomo_client import resource_operations
from malomo_client.api_headers import SERVER_PATHS
from malomo_client.resource_operations import OperationDescriptor


@cache
def _api_paths() -> re.Pattern[str]:
    """One pattern of every operation's path template (``{id}``: one segment) after any server path."""
    templates = {
        value.path for value in vars(resource_operations).values() if isinstance(value, OperationDescriptor)
    }
    operations = "|".join(re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(path)) for path in sorted(templates))
    servers = "|".join(re.escape(path) for path in SERVER_PATHS)
    return re.compile(f"(?:{servers})(?:{operations})/?")


def is_api_path(path: str) -> bool:
    """Whether ``path`` is an operation of the API (``/customers/abc``), not a path under another base."""
    return _api_paths().fullmatch(path) is not None
