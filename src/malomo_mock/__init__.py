"""Stateful reference server for the Malomo customer API: `create_app` for ASGI, `running` for tests.

See `README.md` in this package for the CLI (`malomo-mock`) and the `--seed` file format.
"""

from malomo_mock.app import create_app
from malomo_mock.serving import RunningServer, running

__all__ = ["RunningServer", "create_app", "running"]
