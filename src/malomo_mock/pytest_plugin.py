"""pytest plugin (entry point `malomo_mock`): `malomo_fake`, a fresh in-process fake for each test, and
`malomo_server`, one real reference server on loopback for the session (with `reset()`).

Nothing is imported or started unless a test asks for a fixture; without the `mock` extra that test fails
with one line saying what to install.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from malomo_mock import require_mock_extra

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from malomo_mock.fake import Fake, Seed

Scope = dict[str, Any]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "malomo_fake(seed=None, page_size=25, api_key=None): how the test's `malomo_fake` starts "
        "(the arguments of malomo_mock.Fake)",
    )


def _mock_extra() -> None:
    """Fail the asking test in one line when the `mock` extra is not installed."""
    try:
        require_mock_extra()
    except ModuleNotFoundError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def malomo_fake(request: pytest.FixtureRequest) -> Iterator[Fake]:
    """A `malomo_mock.Fake` of this test alone: empty, or as `@pytest.mark.malomo_fake(...)` sets it up."""
    _mock_extra()
    from malomo_mock.fake import Fake

    marker = request.node.get_closest_marker("malomo_fake")
    with Fake(*(marker.args if marker else ()), **(marker.kwargs if marker else {})) as fake:
        yield fake


class _SwappableApp:
    """An ASGI app passing each request to the app it holds now, so that a served store can be replaced."""

    def __init__(self, app: Starlette) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


@dataclass(frozen=True)
class SharedServer:
    """`malomo_server`: a reference server accepting connections at `base_url` and answering to `api_key`.

    `reset()` replaces its store with an empty one (or `seed`), with `page_size` items a page.
    """

    base_url: str
    api_key: str
    _served: _SwappableApp = field(repr=False)

    def reset(self, *, seed: Seed | None = None, page_size: int = 25) -> None:
        from malomo_mock.fake import new_app

        old = self._served.app
        self._served.app = new_app(self.api_key, page_size, seed)
        old.state.store.close()


@pytest.fixture(scope="session")
def malomo_server() -> Iterator[SharedServer]:
    """A reference server on a free loopback port with an in-memory store, shared by the session."""
    _mock_extra()
    from malomo_mock.serving import running

    served: list[_SwappableApp] = []

    def swappable(app: Any) -> Any:
        served.append(_SwappableApp(app))
        return served[0]

    with running(wrap_app=swappable) as server:
        yield SharedServer(server.base_url, server.api_key, served[0])
    served[0].app.state.store.close()
