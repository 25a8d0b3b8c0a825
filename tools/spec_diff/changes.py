"""What the spec diff reports, shared by its wire and client layers: a change and its level."""

from __future__ import annotations

from dataclasses import dataclass
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
