"""The registry of the spec diff's rules: each rule's id, level, layer and one-line description.

A rule is declared once, as a constant beside the check that emits it (`ENDPOINT_REMOVED =
rule("endpoint-removed", ...)`); emitting a change looks its level and layer up here.
`python -m tools.spec_diff --rules` prints the table, and the README's copy is generated from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from tools.spec_diff.changes import LEVELS, Change, Layer, Level


@dataclass(frozen=True)
class Rule:
    id: str
    level: Level
    layer: Layer
    description: str


RULES: dict[str, Rule] = {}


def rule(rule_id: str, level: Level, layer: Layer, description: str) -> str:
    """Register a rule; its id, for the constant that the emitting check uses."""
    if rule_id in RULES:
        raise ValueError(f"rule {rule_id!r} is declared twice")
    RULES[rule_id] = Rule(rule_id, level, layer, description)
    return rule_id


def change(rule_id: str, where: str, what: str) -> Change:
    """A change found by the rule `rule_id`, with the level and layer it declares."""
    declared = RULES[rule_id]
    return Change(declared.level, where, what, declared.id, declared.layer)


def rules_table() -> str:
    """Every rule as a Markdown table: by layer (wire, client, docs), then level, then id."""
    layers = ("wire", "client", "docs")
    ordered = sorted(RULES.values(), key=lambda r: (layers.index(r.layer), LEVELS.index(r.level), r.id))
    lines = ["| rule | level | layer | what it finds |", "| --- | --- | --- | --- |"]
    lines += [f"| `{r.id}` | {r.level} | {r.layer} | {r.description} |" for r in ordered]
    return "\n".join(lines) + "\n"
