"""Benchmark of the contract suite's coverage report: wall time of a `malomo-contract` run with `--report`
and `--report-md` against the same run without them (one seed, the same requests; order swapped each round).
"""

from __future__ import annotations

import argparse
import itertools
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def suite_seconds(profile: str, seed: int, report_folder: Path | None) -> tuple[float, float]:
    """Wall time and CPU time (user + system, the embedded server's threads included) of one run."""
    command = [sys.executable, "-m", "malomo_contract.cli", "--profile", profile, f"--contract-seed={seed}"]
    if report_folder is not None:
        command += ["--report", str(report_folder / "r.html"), "--report-md", str(report_folder / "r.md")]
    command += ["--", "-q", "-p", "no:randomly"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        raise SystemExit(f"the suite failed:\n{completed.stdout[-3000:]}")
    return seconds, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--profile", default="default")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    names = {False: "without report", True: "with --report and --report-md"}
    # (with report, measure) -> the rounds' figures; measure 0 is wall time, 1 CPU time.
    figures: dict[tuple[bool, int], list[float]] = {
        key: [] for key in itertools.product((False, True), (0, 1))
    }
    with tempfile.TemporaryDirectory() as folder:
        for round_number in range(args.rounds):
            for with_report in (False, True) if round_number % 2 == 0 else (True, False):
                measured = suite_seconds(args.profile, args.seed, Path(folder) if with_report else None)
                for measure, value in enumerate(measured):
                    figures[(with_report, measure)].append(value)
    for measure, label in enumerate(("wall", "CPU")):
        medians = {with_report: statistics.median(figures[(with_report, measure)]) for with_report in names}
        for with_report, name in names.items():
            runs = ", ".join(f"{value:.2f}" for value in figures[(with_report, measure)])
            print(f"{label:4} {name:32} median {medians[with_report]:6.2f} s  runs {runs}")
        print(f"{label:4} ratio with/without: {medians[True] / medians[False]:.3f}")


if __name__ == "__main__":
    main()
