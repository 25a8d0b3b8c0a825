"""The python examples of README.md and docs/, page by page, for the tests that run them
(test_docs_snippets.py) and type-check them (test_typing.py, in its one mypy run)."""

from __future__ import annotations

import re
from pathlib import Path

from support import ROOT

DOCS = ROOT / "docs"
SNIPPET = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def script(page: Path) -> str:
    """A page's python examples, in order, as one module (later examples use what earlier ones made)."""
    return "\n\n".join(SNIPPET.findall(page.read_text(encoding="utf-8")))


def module_name(page: Path) -> str:
    """The file name a page's examples are type-checked under: `docs_client.py`."""
    return f"docs_{page.stem.replace('-', '_').lower()}.py"
