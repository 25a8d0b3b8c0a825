"""The size rules of hand-written code: no module over 350 lines, no function over 60, so that each module
keeps one job a reader can hold in mind (generated/ is the generator's and is not counted)."""

from __future__ import annotations

import ast
from pathlib import Path

from support import ROOT

HAND_WRITTEN = ("src", "tools", "tests", "bench")
MAX_MODULE_LINES = 350
MAX_FUNCTION_LINES = 60


def hand_written_modules() -> list[Path]:
    return sorted(path for folder in HAND_WRITTEN for path in (ROOT / folder).rglob("*.py"))


def long_functions(source: str) -> list[tuple[str, int, int]]:
    """Each function of `source` longer than MAX_FUNCTION_LINES: its name, first line and length."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = (node.end_lineno or node.lineno) - start + 1
            if length > MAX_FUNCTION_LINES:
                found.append((node.name, start, length))
    return found


def test_no_hand_written_module_is_over_350_lines() -> None:
    modules = hand_written_modules()
    assert len(modules) > 50, "the scan found too few modules to be looking in the right place"
    too_long = [
        f"{path.relative_to(ROOT)}: {lines} lines"
        for path in modules
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    ]
    assert not too_long, "split these by job:\n" + "\n".join(too_long)


def test_no_hand_written_function_is_over_60_lines() -> None:
    too_long = [
        f"{path.relative_to(ROOT)}:{start} {name}: {length} lines"
        for path in hand_written_modules()
        for name, start, length in long_functions(path.read_text(encoding="utf-8"))
    ]
    assert not too_long, "split these:\n" + "\n".join(too_long)


def test_the_function_rule_sees_a_long_function() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    assert long_functions(f"def f() -> None:\n{body}\n") == [("f", 1, MAX_FUNCTION_LINES + 1)]
