"""Runs of the contract suite without paying for its imports each time: one process per test process
(started on first use, ended when the test process ends) imports pytest's plugins, schemathesis, the suite's
modules and the reference server once, then forks a child per request. A child starts where a fresh
`python -m pytest` would be after about two seconds of imports; it runs one pytest session (its output in
files), or a set of runs (`contract_suite_runs.fork_every_run`).
"""

from __future__ import annotations

import gc
import importlib
import importlib.metadata
import json
import os
import pkgutil
import signal
import subprocess
import sys
import threading
import traceback
from pathlib import Path
from typing import IO, Any

from support import ROOT


def import_what_every_run_imports() -> None:
    """pytest's plugins, schemathesis' and the suite's modules (not its conftest and tests, which pytest
    imports itself to rewrite their asserts), the server's protocol modules and the clients' TLS settings."""
    sys.path.insert(0, str(ROOT))
    for plugin in importlib.metadata.entry_points(group="pytest11"):
        plugin.load()
    for module in pkgutil.iter_modules([str(ROOT / "src" / "malomo_contract")]):
        if not module.ispkg:
            importlib.import_module(f"malomo_contract.{module.name}")
    for name in (
        "schemathesis.pytest.plugin",
        "uvicorn.loops.uvloop",
        "uvicorn.protocols.http.httptools_impl",
    ):
        importlib.import_module(name)
    # Made once here rather than by every run's clients (loading the CA bundle).
    importlib.import_module("malomo_contract.target").tls_settings()


def write_output_to(workdir: Path, name: str) -> None:
    """Point this process's stdout and stderr at `workdir/NAME.stdout` and `workdir/NAME.stderr`."""
    for fd, suffix in ((1, "stdout"), (2, "stderr")):
        os.dup2(os.open(workdir / f"{name}.{suffix}", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), fd)


class Forker:
    """The client side: `call(request)` hands a request to the forking process and returns the child's exit
    code. A request is JSON: `kind` ("pytest" or "plans"), `env`, `timeout`, `workdir`, and for "pytest"
    `name` (the output files' name) and `args`."""

    def __init__(self) -> None:
        env = dict(os.environ)
        paths = [str(ROOT / "tests"), str(ROOT), env.get("PYTHONPATH")]
        env["PYTHONPATH"] = os.pathsep.join(filter(None, paths))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "support.suite_forker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
            env=env,
            text=True,
        )
        self._lock = threading.Lock()

    def call(self, request: dict[str, Any]) -> int:
        assert self.process.stdin is not None and self.process.stdout is not None
        with self._lock:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError(f"the suite's forking process ended (exit {self.process.wait()})")
        return int(json.loads(answer)["exit_code"])


_FORKERS: list[Forker] = []


def forker() -> Forker:
    """This test process's forking process, started on first use."""
    if not _FORKERS or _FORKERS[0].process.poll() is not None:
        _FORKERS[:] = [Forker()]
    return _FORKERS[0]


def _child(request: dict[str, Any]) -> int:
    """One request, in a forked child: its environment, a deadline (a hung run dies: exit -14), the run."""
    signal.alarm(int(request["timeout"]))
    os.environ.clear()
    os.environ.update(request["env"])
    workdir = Path(request["workdir"])
    if request["kind"] == "plans":
        from support.contract_suite_runs import fork_every_run

        fork_every_run(workdir, request["env"]["MALOMO_API_KEY"])
        return 0
    import pytest

    write_output_to(workdir, request["name"])
    # The plugins were imported before pytest could mark them for assert rewriting; it says so.
    args = [*request["args"], "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    sys.argv = ["pytest", *args]  # as a `pytest ...` command line would leave it
    return int(pytest.main(args))


def _serve(answers: IO[str]) -> None:
    """Read requests (a JSON a line) from stdin, fork a child for each, write its exit code to `answers`."""
    import_what_every_run_imports()
    # What the imports made is kept out of the collector's reach: a child's collections then skip it, and do
    # not write to (and so copy) the pages it shares with this process.
    gc.freeze()
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            answers.close()
            try:
                code = _child(request)
            except BaseException:
                traceback.print_exc()
                code = 99
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        answers.write(json.dumps({"exit_code": os.waitstatus_to_exitcode(status)}) + "\n")
        answers.flush()


if __name__ == "__main__":
    # The answers get the real stdout; anything else this process or a child prints goes to stderr.
    _answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    _serve(_answers)
