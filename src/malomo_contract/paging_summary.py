"""What the paging tests walked, per list: the page size learnt, pages and items seen, records written to
grow the list. Kept in the pytest stash; the terminal summary shows it, and says when a list was too short.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

# Pages a walk must span for the paging promises to be checked past the first page.
PAGES_NEEDED = 3
# How the terminal's summary lines begin.
PREFIX = "malomo contract paging: "
PAGING_NOTES_KEY = pytest.StashKey[list["PagingNote"]]()


@dataclass(frozen=True)
class PagingNote:
    """One list's walk."""

    label: str
    page_size: int | None
    pages: int
    items: int
    grown: int
    # The walk ran out of its budget before the list's last page (a large store).
    cut_short: bool = False
    seconds: float = 0.0

    @property
    def tested(self) -> bool:
        return self.pages >= PAGES_NEEDED

    def describe(self) -> str:
        size = f"page size {self.page_size}" if self.page_size is not None else "page size unknown (one page)"
        grown = f", {self.grown} records written to grow it" if self.grown else ""
        verdict = (
            "paging tested past the first page"
            if self.tested
            else (f"too short to test paging (needs {PAGES_NEEDED} pages)")
        )
        if self.cut_short:
            return (
                f"{size}, at least {self.pages} pages and {self.items} items{grown}: not tested to the end "
                f"(the walk's budget ran out after {self.seconds:.0f} s; no repeated cursor or item, "
                "none out of order)"
            )
        return f"{size}, {self.pages} pages, {self.items} items{grown}: {verdict}"


def paging_notes(config: pytest.Config) -> list[PagingNote]:
    return config.stash.setdefault(PAGING_NOTES_KEY, [])


def summary_lines(config: pytest.Config) -> list[str]:
    return [f"{PREFIX}{note.label}: {note.describe()}" for note in paging_notes(config)]
