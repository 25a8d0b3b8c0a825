"""The wire diff of an operation's security requirements: another way to authenticate, or none, is
compatible; losing the way a client authenticates breaks it."""

from __future__ import annotations

from typing import Any

from malomo_spec import Document
from tools.spec_diff.rules import rule
from tools.spec_diff.wire.context import WireDiff, strip_docs

SECURITY_RELAXED = rule(
    "security-relaxed", "compatible", "wire", "a new way to authenticate, or none needed, beside the old ones"
)
SECURITY_CHANGED = rule(
    "security-changed", "breaking", "wire", "a way to authenticate that clients used is gone"
)

Options = set[frozenset[tuple[str, ...]]]


def _options(document: Document, op: Any) -> Options:
    """Each alternative requirement as the set of (scheme facts..., scopes) it combines."""
    requirements = op.get("security", document.tree.get("security", []))
    schemes = (document.tree.get("components") or {}).get("securitySchemes") or {}
    options = set()
    for requirement in requirements or []:
        parts = []
        for name, scopes in requirement.items():
            scheme = strip_docs(document.resolve(schemes.get(name, {}), f"security scheme {name}"))
            facts = tuple(f"{k}={scheme[k]}" for k in sorted(scheme))
            parts.append((*facts, "scopes=" + ",".join(sorted(scopes or []))))
        options.add(frozenset(parts))
    return options


def _shown(options: Options) -> str:
    return " or ".join(sorted("+".join(" ".join(p) for p in sorted(o)) or "none" for o in options)) or "none"


def compare_security(diff: WireDiff, where: str, old: Any, new: Any) -> None:
    old_options, new_options = _options(diff.old, old), _options(diff.new, new)
    if old_options == new_options:
        return
    if not new_options or frozenset() in new_options or old_options <= new_options:
        diff.add(SECURITY_RELAXED, where, "security relaxed (a new way to authenticate, or none needed)")
    else:
        diff.add(SECURITY_CHANGED, where, f"security changed: {_shown(old_options)} → {_shown(new_options)}")
