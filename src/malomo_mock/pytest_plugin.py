"""pytest plugin (entry point `malomo_mock`): a session fixture `malomo_server`, a fresh reference server.

Nothing starts unless a test asks for the fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from malomo_mock.serving import RunningServer


@pytest.fixture(scope="session")
def malomo_server() -> Iterator[RunningServer]:
    """A reference server on a free loopback port with an in-memory store, shared by the session."""
    from malomo_mock.serving import running

    with running() as server:
        yield server
