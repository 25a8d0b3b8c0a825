"""Stateful reference server for the Malomo customer API: `create_app` for ASGI, `running` for tests,
`Fake` (the app in process, per test) for an application's tests.

docs/reference-server.md documents the CLI (`malomo-mock`); `seed_file.py` the `--seed` file format.
The server needs the `mock` extra (Starlette, uvicorn); a plain install of the client does not
have it, so the names below are imported on first use and a missing extra is named in one line.
"""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from malomo_mock.app import create_app
    from malomo_mock.fake import Fake
    from malomo_mock.serving import RunningServer, running

__all__ = ["Fake", "RunningServer", "create_app", "running"]


def require_mock_extra() -> None:
    """Raise ModuleNotFoundError naming the extra when Starlette or uvicorn is not installed."""
    for module in ("starlette", "uvicorn"):
        if importlib.util.find_spec(module) is None:
            message = "the reference server needs the 'mock' extra: pip install 'malomo-openapi[mock]'"
            raise ModuleNotFoundError(f"{message} ({module} is not installed)", name=module)


def __getattr__(name: str) -> object:
    if name not in __all__:
        raise AttributeError(f"module 'malomo_mock' has no attribute {name!r}")
    require_mock_extra()
    home = {"create_app": "malomo_mock.app", "Fake": "malomo_mock.fake"}.get(name, "malomo_mock.serving")
    return getattr(importlib.import_module(home), name)
