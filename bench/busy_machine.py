"""Run a command (by default the unit tests) several times on a busy machine: beside one CPU hog per core, at
normal priority, as on a shared CI runner. Prints pass/fail and seconds per run; exits 1 if any run failed.

    .tox/unit/bin/python bench/busy_machine.py --runs 3
    .tox/unit/bin/python bench/busy_machine.py --runs 5 -- pytest tests/mock -x -q
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

DEFAULT_COMMAND = (
    sys.executable,
    *("-m", "pytest", "tests", "-n", "auto", "--dist", "loadgroup", "--no-loadscope-reorder"),
    *("-p", "no:cacheprovider"),
)
# A tight loop that stops by itself once the process that started it is gone (even if that one was killed).
HOG = "import os\nparent = os.getppid()\nwhile os.getppid() == parent:\n    for _ in range(1_000_000): pass\n"


@dataclass(frozen=True)
class Run:
    number: int
    returncode: int
    seconds: float
    load: float  # the 1-minute load average when the run ended

    @property
    def passed(self) -> bool:
        return self.returncode == 0

    def line(self, runs: int) -> str:
        outcome = "passed" if self.passed else f"FAILED (exit {self.returncode})"
        return f"run {self.number}/{runs}: {outcome} in {self.seconds:.1f} s, load average {self.load:.1f}"


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@contextmanager
def cpu_hogs(count: int) -> Iterator[list[int]]:
    """`count` processes spinning at normal priority for the duration of the block; their pids."""
    hogs = [subprocess.Popen([sys.executable, "-c", HOG]) for _ in range(count)]
    try:
        yield [hog.pid for hog in hogs]
    finally:
        for hog in hogs:
            hog.kill()
        for hog in hogs:
            hog.wait()


def run_beside_hogs(command: Sequence[str], runs: int, hogs: int) -> list[Run]:
    """Run `command` `runs` times, one after the other, with `hogs` CPU hogs spinning throughout."""
    done = []
    with cpu_hogs(hogs) as pids:
        hog_pids = " ".join(map(str, pids))
        print(f"busy_machine: {hogs} CPU hogs (pids {hog_pids}); running: {' '.join(command)}", flush=True)
        for number in range(1, runs + 1):
            started = time.monotonic()
            returncode = subprocess.run(command, check=False).returncode
            run = Run(number, returncode, time.monotonic() - started, os.getloadavg()[0])
            print(f"busy_machine: {run.line(runs)}", flush=True)
            done.append(run)
    return done


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="how many times to run the command (default 3)")
    parser.add_argument(
        "--hogs", type=int, default=usable_cores(), help="CPU hogs to start (default: one per usable core)"
    )
    parser.add_argument(
        "command", nargs=argparse.REMAINDER, help="the command, after `--` (default: the unit tests)"
    )
    args = parser.parse_args(argv)
    given = args.command[1:] if args.command[:1] == ["--"] else args.command
    command = given or list(DEFAULT_COMMAND)
    if args.runs < 1 or args.hogs < 0:
        parser.error("--runs must be at least 1 and --hogs at least 0")
    runs = run_beside_hogs(command, args.runs, args.hogs)
    print("busy_machine: summary")
    for run in runs:
        print(f"  {run.line(len(runs))}")
    failed = [run for run in runs if not run.passed]
    print(f"busy_machine: {len(runs) - len(failed)} of {len(runs)} runs passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
