"""openapi/malomo.yaml as tests read it: the parsed document, and each operation's documented statuses."""

from __future__ import annotations

from typing import Any

import yaml

from support import SPEC_PATH

SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
METHODS = ("get", "put", "post", "delete", "patch")


def documented_statuses() -> dict[tuple[str, str], set[int]]:
    """(METHOD, path as the spec writes it) of every operation, with the statuses it documents."""
    return {
        (method.upper(), path): {int(status) for status in operation["responses"]}
        for path, item in SPEC["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }
