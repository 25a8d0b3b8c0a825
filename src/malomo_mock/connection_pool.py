"""The connections one server holds, and which of them it closes to make room for a new one at its cap:
those that never completed a request first, then idle keep-alives, the longest waiting first. Connections
with a request in progress are never closed to make room."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Generic, Protocol, TypeVar


class HeldConnection(Protocol):
    @property
    def transport(self) -> asyncio.BaseTransport: ...


Connection = TypeVar("Connection", bound=HeldConnection)


class ConnectionPool(Generic[Connection]):
    """Counts a server's open connections and keeps those holding no request in the order they are given
    up. Runs on the server's event loop only (not thread-safe).

    `opened` puts a connection in `never_served`, `closing` takes one the server closes out of the count at
    once, `lost` forgets it. A connection that answered its requests puts itself at the end of
    `idle_keep_alives`, and one that starts a request takes itself out of the order it waits in: dict
    operations in place, as they happen on every request.
    """

    def __init__(self, max_connections: int) -> None:
        self.max_connections = max_connections
        self._pressure_above = max_connections // 2
        self._open = 0
        # More than half the cap is open (not counting those closing): new requests get the shorter header
        # timeout. Kept up to date by every change of the count, read on every request.
        self.pressed = False
        self._closing: set[Connection] = set()  # closed by the server, not yet lost
        self.never_served: OrderedDict[Connection, None] = OrderedDict()  # oldest first
        self.idle_keep_alives: OrderedDict[Connection, None] = OrderedDict()  # longest idle first

    def opened(self, connection: Connection) -> bool:
        """Count a new connection and make room for it; False when every other connection is busy (then the
        new one is to be refused, and counted as closing)."""
        self._open += 1
        try:
            while self._open - len(self._closing) > self.max_connections:
                waiting = self.never_served or self.idle_keep_alives
                if not waiting:
                    self._closing.add(connection)
                    return False
                victim, _ = waiting.popitem(last=False)
                self._closing.add(victim)
                victim.transport.close()  # it holds no request: nothing is cut off
            self.never_served[connection] = None
            return True
        finally:
            self._count_changed()

    def _count_changed(self) -> None:
        self.pressed = self._open - len(self._closing) > self._pressure_above

    def closing(self, connection: Connection) -> None:
        """The server closes `connection` (a refusal, a timeout): it no longer counts."""
        self._closing.add(connection)
        self.never_served.pop(connection, None)
        self.idle_keep_alives.pop(connection, None)
        self._count_changed()

    def lost(self, connection: Connection) -> None:
        self._open -= 1
        self._closing.discard(connection)
        self.never_served.pop(connection, None)
        self.idle_keep_alives.pop(connection, None)
        self._count_changed()
