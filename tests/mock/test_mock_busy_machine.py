"""`bench/busy_machine.py`, the load script: it runs a command N times beside a CPU hog per core, says how
each run went, fails when one did, and leaves no hog behind."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parents[2] / "bench" / "busy_machine.py"
# Fails its second run: the first leaves a file behind.
FAILS_THE_SECOND_TIME = (
    "import os, sys; marker = sys.argv[1]; done = os.path.exists(marker); open(marker, 'a').close();"
    " sys.exit(3 if done else 0)"
)


def busy_machine(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_each_run_is_reported_and_one_failed_run_fails_the_script(tmp_path: Path) -> None:
    ran = busy_machine(
        "--runs", "3", "--hogs", "2", "--", sys.executable, "-c", FAILS_THE_SECOND_TIME, str(tmp_path / "m")
    )
    assert ran.returncode == 1, ran.stderr
    outcomes = re.findall(r"^  run (\d)/3: (passed|FAILED \(exit 3\)) in [\d.]+ s", ran.stdout, re.MULTILINE)
    assert outcomes == [("1", "passed"), ("2", "FAILED (exit 3)"), ("3", "FAILED (exit 3)")]
    assert "1 of 3 runs passed" in ran.stdout
    [pids] = re.findall(r"2 CPU hogs \(pids (\d+ \d+)\)", ran.stdout)
    for pid in map(int, pids.split()):
        assert not Path(f"/proc/{pid}").exists()  # killed and reaped


def test_runs_that_all_pass_exit_0() -> None:
    ran = busy_machine("--runs", "1", "--", sys.executable, "-c", "")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert f"{len(os.sched_getaffinity(0))} CPU hogs" in ran.stdout  # one per core by default
    assert "1 of 1 runs passed" in ran.stdout
