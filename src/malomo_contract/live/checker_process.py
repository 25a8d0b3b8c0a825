"""The process the proxy's checks run in (`run_checker`, started by the proxy with multiprocessing's spawn),
and what the proxy tells it. Light to import: the proxy itself never loads the checks (schemathesis)."""

from __future__ import annotations

import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NO_VIOLATION, VIOLATION_SEEN, COULD_NOT_START = 0, 1, 2
CHECKS_NICENESS = 10
# Exchanges the checks may fall behind the traffic by; beyond it, exchanges are forwarded but not checked
# (and counted), so that a long burst cannot fill the memory.
MAX_BACKLOG = 5_000


@dataclass(frozen=True)
class CheckerOptions:
    upstream: str
    record: Path | None
    report: Path | None
    secrets: tuple[str, ...]


def run_checker(options: CheckerOptions, queue: Any, ready: Any, checked: Any) -> None:
    """The checker process: ignore Ctrl-C (the proxy stops first, then sends its count of exchanges it did not
    hand over), check each batch, counting them in `checked`, until that count arrives."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The forwarding comes first: the checks take the CPU it leaves.
    os.nice(CHECKS_NICENESS)
    try:
        from malomo_contract.live.traffic_checker import TrafficChecker

        checker = TrafficChecker(options)
    except Exception as exc:
        print(f"malomo-contract: error: the checks could not start: {exc}", file=sys.stderr, flush=True)
        sys.exit(COULD_NOT_START)
    ready.set()
    while True:
        batch = queue.get()
        if isinstance(batch, int):
            break
        for captured in batch:
            checker.check(captured)
        checked.value += len(batch)
    sys.exit(checker.finish(unchecked=batch))
