"""The process the proxy's checks run in (`run_checker`, started by the proxy with multiprocessing's spawn),
and what the proxy tells it. Light to import: the proxy itself never loads the checks (schemathesis)."""

from __future__ import annotations

import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NO_VIOLATION, VIOLATION_SEEN, COULD_NOT_START = 0, 1, 2


@dataclass(frozen=True)
class CheckerOptions:
    upstream: str
    record: Path | None
    report: Path | None
    secrets: tuple[str, ...]


def run_checker(options: CheckerOptions, queue: Any, ready: Any) -> None:
    """The checker process: ignore Ctrl-C (the proxy stops first, then sends None), check until None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        from malomo_contract.live.traffic_checker import TrafficChecker

        checker = TrafficChecker(options)
    except Exception as exc:
        print(f"malomo-contract: error: the checks could not start: {exc}", file=sys.stderr, flush=True)
        sys.exit(COULD_NOT_START)
    ready.set()
    while True:
        batch = queue.get()
        if batch is None:
            break
        for captured in batch:
            checker.check(captured)
    sys.exit(checker.finish())
