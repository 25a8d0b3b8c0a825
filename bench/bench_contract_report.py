"""Benchmark of the contract suite's coverage report: wall time of a run with `--report` and `--report-md`
against the same run without them.

Run: .venv/bin/python bench/bench_contract_report.py [--rounds 4 --profile default --seed 1]
Each round runs `pytest contract_tests --profile P --contract-seed S` twice against the embedded reference
server, once with both reports and once without, the order swapped every round; the same seed makes both
send the same generated requests. Prints the median wall time of each and their ratio.
"""

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
    times: dict[str, list[float]] = {"without report": [], "with --report and --report-md": []}
    with tempfile.TemporaryDirectory() as folder:
        for round_number in range(args.rounds):
            order = [False, True] if round_number % 2 == 0 else [True, False]
            for with_report in order:
                seconds = suite_seconds(args.profile, args.seed, Path(folder) if with_report else None)
                times["with --report and --report-md" if with_report else "without report"].append(seconds)
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        print(f"{name:32} median {medians[name]:6.2f} s  runs {', '.join(f'{v:.2f}' for v in values)}")
    ratio = medians["with --report and --report-md"] / medians["without report"]
    print(f"ratio with/without: {ratio:.3f}")


if __name__ == "__main__":
    main()
