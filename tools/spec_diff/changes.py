"""What the spec diff reports, shared by its wire and client layers: a change and its level."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Level = Literal["breaking", "compatible", "docs"]
LEVELS: tuple[Level, ...] = ("breaking", "compatible", "docs")
Layer = Literal["wire", "client", "docs"]


@dataclass(frozen=True)
class Change:
    """One listed change: its level, where it is, what changed, the rule's id and the layer that saw it."""

    level: Level
    where: str
    what: str
    rule: str
    layer: Layer


class InputError(Exception):
    """Bad input (an unreadable or invalid spec, an unknown git ref): reported as one line, exit 2."""


@dataclass
class Renames:
    """What the wire diff found renamed in place, for the client layer: operationIds and properties
    (old name -> new name, the properties as the spec marks them)."""

    operations: dict[str, str] = field(default_factory=dict)
    properties: dict[str, str] = field(default_factory=dict)
