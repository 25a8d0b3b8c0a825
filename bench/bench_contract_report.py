"""Benchmark of the contract suite's coverage report: wall time of a run with `--report` and `--report-md`
against the same run without them (same seed, so the same requests; order swapped every round)."""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def suite_seconds(profile: str, seed: int, report_folder: Path | None) -> float:
    command = [sys.executable, "-m", "pytest", "contract_tests", "-q", "-p", "no:randomly"]
    command += ["--profile", profile, "--contract-seed", str(seed)]
    if report_folder is not None:
        command += ["--report", str(report_folder / "r.html"), "--report-md", str(report_folder / "r.md")]
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"the suite failed:\n{completed.stdout[-3000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--profile", default="default")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    names = {False: "without report", True: "with --report and --report-md"}
    times: dict[bool, list[float]] = {False: [], True: []}
    with tempfile.TemporaryDirectory() as folder:
        for round_number in range(args.rounds):
            for with_report in (False, True) if round_number % 2 == 0 else (True, False):
                seconds = suite_seconds(args.profile, args.seed, Path(folder) if with_report else None)
                times[with_report].append(seconds)
    medians = {with_report: statistics.median(values) for with_report, values in times.items()}
    for with_report, values in times.items():
        runs = ", ".join(f"{v:.2f}" for v in values)
        print(f"{names[with_report]:32} median {medians[with_report]:6.2f} s  runs {runs}")
    print(f"ratio with/without: {medians[True] / medians[False]:.3f}")


if __name__ == "__main__":
    main()
