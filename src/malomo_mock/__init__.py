"""Stateful reference server for the Malomo customer API: `create_app` for ASGI, `running` for tests.

The repository README documents the CLI (`malomo-mock`); `seed_file.py` the `--seed` file format.
"""

from malomo_mock.app import create_app
from malomo_mock.serving import RunningServer, running

__all__ = ["RunningServer", "create_app", "running"]
