"""`malomo-contract proxy` as a subprocess for the tests: started in front of an upstream, its `listening on
URL` line read (no sleeps), its output lines read as they come, stopped with a signal."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

# Generous: the checks' process imports schemathesis and reads the spec on a busy machine.
LINE_WAIT_SECONDS = 60.0


class ProxyProcess:
    """A running proxy; `url` is where clients point, `lines` what it printed so far (stdout)."""

    def __init__(self, upstream: str, *args: str, env: dict[str, str] | None = None) -> None:
        command = [sys.executable, "-m", "malomo_contract.cli", "proxy", "--upstream", upstream]
        self.process = subprocess.Popen(
            [*command, "--listen", "127.0.0.1:0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._ended = False
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        listening = self.wait_for("listening on ")
        self.url = listening.split("listening on ")[1].split(" ")[0]
        self.stderr = ""

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def wait_for(self, text: str) -> str:
        """The first line (from now on) holding `text`; AssertionError if the proxy ends first."""
        while True:
            line = self._lines.get(timeout=LINE_WAIT_SECONDS)
            if line is None:
                self._ended = True
                self.stop()
                raise AssertionError(f"the proxy ended before printing {text!r}: {self.lines} {self.stderr}")
            self.lines.append(line)
            if text in line:
                return line

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send `sig`, wait for the exit (the report and the HAR are written by then); the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        self.process.wait(timeout=LINE_WAIT_SECONDS)
        assert self.process.stderr is not None
        self.stderr = self.process.stderr.read()
        while not self._ended:
            line = self._lines.get(timeout=LINE_WAIT_SECONDS)
            self._ended = line is None
            if line is not None:
                self.lines.append(line)
        return self.process.returncode


def start_failure(*args: str) -> subprocess.CompletedProcess[str]:
    """Run a proxy that must not start; its exit status and output."""
    command = [sys.executable, "-m", "malomo_contract.cli", "proxy", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=LINE_WAIT_SECONDS, check=False)


def report_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")
