"""How a test of the suite says which promises it exercises, so that the promise inventory credits a
statement only to a test that declares it: `@exercises("request maxItems", "request items maxLength")`.

A claim is `<place> <keyword>` for a schema keyword where it stands (request, response, parameter, header;
`items` when it constrains an array's items), or `sentence <phrase>` for a description sentence holding the
phrase. The inventory reads the claims from the suite's source (no import of the suite), so a claim is a
literal string of the decorator."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final, TypeVar

F = TypeVar("F", bound=Callable[..., object])
SUITE_DIR: Final = Path(__file__).resolve().parent / "suite"
PLACES: Final = ("request", "response", "parameter", "header")
SENTENCE: Final = "sentence "


def exercises(*claims: str) -> Callable[[F], F]:
    """Declare the promises the decorated test exercises (read statically by the inventory)."""

    def declare(test: F) -> F:
        return test

    return declare


def _functions(body: list[ast.stmt]) -> Iterator[ast.FunctionDef]:
    """The test functions of a module body, those defined under an `if` (a test the spec may not need) too."""
    for node in body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            yield node
        elif isinstance(node, ast.If):
            yield from _functions(node.body)
            yield from _functions(node.orelse)


def _claims_of(function: ast.FunctionDef) -> tuple[str, ...]:
    found: list[str] = []
    for decorator in function.decorator_list:
        call = decorator if isinstance(decorator, ast.Call) else None
        if call is not None and getattr(call.func, "id", getattr(call.func, "attr", "")) == "exercises":
            found += [
                arg.value for arg in call.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            ]
    return tuple(found)


def suite_tests(suite_dir: Path = SUITE_DIR) -> dict[str, tuple[str, ...]]:
    """`module.py::function` of every test function of the suite, with the claims it declares."""
    tests: dict[str, tuple[str, ...]] = {}
    for path in sorted(suite_dir.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        tests |= {f"{path.name}::{function.name}": _claims_of(function) for function in _functions(tree.body)}
    return tests


def claimants(claim: str, suite_dir: Path = SUITE_DIR) -> tuple[str, ...]:
    """The tests that declare `claim`."""
    return tuple(name for name, claims in suite_tests(suite_dir).items() if claim in claims)


def malformed_claims(suite_dir: Path = SUITE_DIR) -> list[str]:
    """`test: claim` for each declared claim that names no place and keyword, or no sentence phrase."""
    bad = []
    for name, claims in suite_tests(suite_dir).items():
        for claim in claims:
            words = claim.split()
            if claim.startswith(SENTENCE) and len(claim) > len(SENTENCE):
                continue
            if len(words) in (2, 3) and words[0] in PLACES and (len(words) == 2 or words[1] == "items"):
                continue
            bad.append(f"{name}: {claim}")
    return bad
