"""Regenerate generated/malomo_client from openapi/malomo.yaml; `--check` fails on drift.

Besides openapi-python-client's own output, four modules are rendered from our templates
(tools/codegen/render_context.py): `personal_fields.py`, `api_headers.py`, `resource_operations.py` and
`resources.py`. The spec and this generator's config are read with malomo_spec.

Generation is byte-identical on every machine only with the pinned generator and
ruff, so both versions are checked before anything is written.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import io
import re
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import BytecodeCache, ChoiceLoader, PackageLoader, PrefixLoader
from jinja2.bccache import Bucket

import malomo_spec

# GenerationError is re-exported: callers of generate() catch generate.GenerationError.
from tools.codegen.render_context import GenerationError as GenerationError
from tools.codegen.render_context import personal_fields, render_extra_modules

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi" / "malomo.yaml"
CONFIG = ROOT / "openapi" / "generator.yaml"
TEMPLATES = ROOT / "openapi" / "templates"
TARGET = ROOT / "generated" / "malomo_client"
PINS = {"openapi-python-client": "0.29.1", "ruff": "0.17.5"}
IGNORED = {".ruff_cache", "__pycache__"}


def check_pins() -> None:
    """Exit with one line when an installed generator or ruff is not the pinned one."""
    for name, wanted in PINS.items():
        try:
            found = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found = "not installed"
        if found != wanted:
            sys.exit(f"generate: {name}=={wanted} is required, found {found} (pip install -e '.[dev]')")


class _CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates, kept for the next generation in this process. Compiling them is
    about 40% of a generation; a bucket is keyed by the template's file and checked against its source,
    so an edited or another commit's template is compiled anew."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = _CompiledTemplates()


def generate(
    into: Path, spec: Path = SPEC, config: Path = CONFIG, templates: Path = TEMPLATES, formatted: bool = True
) -> None:
    """Write a fresh malomo_client package to `into` (which must not exist).

    The generator runs in this process (it costs half a second, a subprocess three), so that
    tools/spec_diff/cli.py can afford to generate two specs on every run. `formatted=False` skips
    the ruff hooks: they change layout and import order, never the public API that spec_diff reads.
    """
    # The generator's own generate() is these two steps; between them the project gets the cache.
    from openapi_python_client import _get_project_for_url_or_path
    from openapi_python_client.config import Config, ConfigFile, MetaType
    from openapi_python_client.parser.errors import GeneratorError
    from ruff import find_ruff_bin

    # An absolute path: the generator silently skips hooks it cannot find on PATH.
    ruff = Path(find_ruff_bin()).resolve()
    # --isolated: the repo's own ruff settings must not reach generated code.
    common = "--isolated --no-cache --line-length 120 --target-version py311"
    hooks = [f"{ruff} check {common} --fix-only --extend-select=I .", f"{ruff} format {common} ."]
    settings = malomo_spec.parse_yaml(config.read_text(), str(config))
    settings["post_hooks"] = hooks if formatted else []
    generator_config = Config.from_sources(
        ConfigFile(**settings), MetaType.NONE, spec, "utf-8", overwrite=True, output_path=into
    )
    with contextlib.redirect_stdout(io.StringIO()):  # it prints "Generating <path>"
        project = _get_project_for_url_or_path(config=generator_config, custom_template_path=templates)
        problems: Sequence[GeneratorError]
        if isinstance(project, GeneratorError):
            problems = [project]
        else:
            project.env.bytecode_cache = COMPILED_TEMPLATES
            document = malomo_spec.load(spec)
            # The models' repr masks these (openapi/templates/model.py.jinja).
            project.env.globals["personal_fields"] = sorted(personal_fields(document))
            # Our template overrides import the generator's own templates as "upstream/...".
            upstream = PrefixLoader({"upstream": PackageLoader("openapi_python_client")})
            project.env.loader = ChoiceLoader([project.env.loader, upstream])  # type: ignore[list-item]
            problems = project.build()
            if not problems:
                render_extra_modules(project, document, into)
                if formatted:  # the hooks again, over our modules too (a second pass changes nothing else)
                    project._run_post_hooks()
                    problems = project._get_errors()
    if problems:
        text = "; ".join(f"{p.header}: {p.detail or ''}".strip(" :") for p in problems)
        # The generator's messages can hold object reprs of its own types; they say nothing to a reader.
        raise GenerationError(re.sub(r"<openapi_python_client\.[^>]*>", "?", text))
    # --meta none leaves out the PEP 561 marker; users type-check against this package.
    (into / "py.typed").write_text("# Marker file for PEP 561\n")
    for leftover in IGNORED:
        for path in into.rglob(leftover):
            shutil.rmtree(path)


def parsed_spec(spec: Path = SPEC, config: Path = CONFIG) -> Any:
    """The generator's parse of `spec` (its `openapi`: endpoints and models) with our config, nothing written:
    for tools that describe the client without generating it (tools/docs/api_reference.py)."""
    from openapi_python_client import _get_project_for_url_or_path
    from openapi_python_client.config import Config, ConfigFile, MetaType
    from openapi_python_client.parser.errors import GeneratorError

    settings = malomo_spec.parse_yaml(config.read_text(), str(config))
    with tempfile.TemporaryDirectory() as tmp:
        generator_config = Config.from_sources(
            ConfigFile(**settings), MetaType.NONE, spec, "utf-8", overwrite=True, output_path=Path(tmp)
        )
        with contextlib.redirect_stdout(io.StringIO()):
            project = _get_project_for_url_or_path(config=generator_config, custom_template_path=TEMPLATES)
    if isinstance(project, GeneratorError):
        raise GenerationError(f"{project.header}: {project.detail or ''}".strip(" :"))
    return project.openapi


def files_under(root: Path) -> dict[str, bytes]:
    """Every file below `root` by relative path, skipping caches."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not IGNORED.intersection(path.relative_to(root).parts)
    }


def differing_files(left: Path, right: Path) -> list[str]:
    """Relative paths whose bytes differ, or that exist on one side only."""
    a, b = files_under(left), files_under(right)
    return sorted(name for name in a.keys() | b.keys() if a.get(name) != b.get(name))


def main(argv: list[str] | None = None) -> int:
    """Regenerate, or with --check report drift and exit 1."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if generated/ is stale; write nothing")
    args = parser.parse_args(argv)
    check_pins()
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "malomo_client"
        try:
            generate(fresh)
        except GenerationError as exc:
            sys.exit(f"generate: openapi-python-client failed: {exc}")
        if args.check:
            if not TARGET.is_dir():
                print(f"generate --check: {TARGET.relative_to(ROOT)} is missing")
                return 1
            stale = differing_files(fresh, TARGET)
            if stale:
                print("generate --check: generated/ is stale; run python -m tools.codegen. Differs:")
                for name in stale:
                    print(f"  generated/malomo_client/{name}")
                return 1
            print("generate --check: generated/ is up to date")
            return 0
        if TARGET.exists():
            shutil.rmtree(TARGET)
        TARGET.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(fresh, TARGET)
    print(f"generate: wrote {TARGET.relative_to(ROOT)}")
    return 0
