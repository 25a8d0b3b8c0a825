"""MkDocs hook (mkdocs.yml `hooks:`): adds the API reference page, generated from the spec at build time
(tools/docs/api_reference.py), to the site's files, so that no generated Markdown is kept in docs/."""

from __future__ import annotations

import sys
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

# MkDocs loads a hook by its path: the repository root makes `tools` importable, as `python -m` does.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tools.docs.api_reference import reference_page

REFERENCE_PAGE = "api-reference.md"


def on_files(files: Files, config: MkDocsConfig) -> Files:
    files.append(File.generated(config, REFERENCE_PAGE, content=reference_page()))
    return files
