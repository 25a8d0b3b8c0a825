"""The two sides a spec diff compares (a spec from a path or a git commit, and its generated client),
and the comparison itself: the wire layer and the client layer, merged."""

from __future__ import annotations

import atexit
import functools
import io
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import malomo_spec
from tools.codegen import generate
from tools.release.git_history import git, git_file
from tools.spec_diff.changes import LEVELS, Change, InputError
from tools.spec_diff.client.api_changes import client_changes
from tools.spec_diff.rules import change, rule
from tools.spec_diff.wire.operations import wire_changes

SPEC_IN_REPO = generate.SPEC.relative_to(generate.ROOT).as_posix()
GENERATION_FAILED = rule(
    "client-generation-failed",
    "breaking",
    "client",
    "openapi-python-client refuses the new spec: no client at all",
)


@dataclass(frozen=True)
class SpecSource:
    """One side of a comparison: the spec's text, its parsed document and the generator settings to use."""

    label: str
    text: str
    document: malomo_spec.Document
    config: Path
    templates: Path


def parse_spec(label: str, text: str) -> malomo_spec.Document:
    """The parsed document (malomo_spec's parser), or InputError naming what is wrong with it."""
    try:
        tree = malomo_spec.parse_yaml(text, label)
    except malomo_spec.SpecError as exc:
        reason = str(exc).removeprefix(f"{label} is not valid YAML: ")
        raise InputError(f"{label}: not YAML ({reason})") from exc
    if not isinstance(tree, dict) or "openapi" not in tree or "paths" not in tree:
        raise InputError(f"{label}: not an OpenAPI document (no `openapi` and `paths`)")
    document = malomo_spec.Document(tree, label)
    _check_refs(document)
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    try:
        validate(tree)
    except OpenAPIValidationError as exc:
        raise InputError(f"{label}: invalid OpenAPI ({str(exc).splitlines()[0]})") from exc
    return document


def _is_example_data(path: tuple[str | int, ...]) -> bool:
    """Whether `path` is inside an example's value, which is data: a `$ref` key there is no reference."""
    return "example" in path or any(
        part == "value" and index >= 2 and path[index - 2] == "examples" for index, part in enumerate(path)
    )


def _check_refs(document: malomo_spec.Document) -> None:
    """InputError for a `$ref` that malomo_spec cannot follow (a cycle, an external or a dangling one),
    before the validator, which recurses without end on a cycle."""
    for path, node in document.walk():
        if isinstance(node, dict) and "$ref" in node and not _is_example_data(path):
            try:
                document.resolve(node, "/".join(map(str, path)))
            except malomo_spec.SpecError as exc:
                raise InputError(str(exc)) from exc


@contextmanager
def spec_source(argument: str) -> Iterator[SpecSource]:
    """Read a path or `git:REF`. A git ref brings its own generator config and templates."""
    config, templates = generate.CONFIG, generate.TEMPLATES
    with tempfile.TemporaryDirectory() as tmp:
        if argument.startswith("git:"):
            ref = argument[4:]
            text = git_file(ref, SPEC_IN_REPO)
            archive = git("archive", "--format=tar", ref, "openapi")
            with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
                tar.extractall(tmp, filter="data")
            if (Path(tmp) / "openapi" / config.name).is_file():
                config = Path(tmp) / "openapi" / config.name
            if (Path(tmp) / "openapi" / templates.name).is_dir():
                # The ref's templates over the work tree's: a template that generate.py now needs and
                # that commit did not have yet is taken from the work tree.
                templates = Path(tmp) / "templates"
                shutil.copytree(generate.TEMPLATES, templates)
                shutil.copytree(Path(tmp) / "openapi" / templates.name, templates, dirs_exist_ok=True)
        else:
            try:
                text = Path(argument).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                reason = getattr(exc, "strerror", None) or exc
                raise InputError(f"cannot read {argument}: {reason}") from exc
        yield SpecSource(argument, text, parse_spec(argument, text), config, templates)


@functools.cache
def generated_client(text: str, config: Path, templates: Path) -> Path | generate.GenerationError:
    """A folder holding the client generated from this spec text, or why the generator refused it."""
    root = Path(tempfile.mkdtemp(prefix="spec-diff-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    (root / "spec.yaml").write_text(text, encoding="utf-8")
    try:
        generate.generate(root / "malomo_client", root / "spec.yaml", config, templates, formatted=False)
    except generate.GenerationError as exc:
        return exc
    return root


def compare(old: SpecSource, new: SpecSource) -> list[Change]:
    """Every change from `old` to `new`, breaking first, then compatible, then docs."""
    same_config = old.config.read_bytes() == new.config.read_bytes()
    same_templates = generate.files_under(old.templates) == generate.files_under(new.templates)
    if old.text == new.text and same_config and same_templates:
        return []
    try:
        wire, renames = wire_changes(old.document, new.document)
    except malomo_spec.SpecError as exc:
        raise InputError(str(exc)) from exc
    old_client = generated_client(old.text, old.config, old.templates)
    new_client = generated_client(new.text, new.config, new.templates)
    if isinstance(old_client, generate.GenerationError):
        raise InputError(f"{old.label}: the client cannot be generated ({old_client})")
    if isinstance(new_client, generate.GenerationError):
        # A valid spec that the generator refuses: nothing can be imported from it any more.
        what = f"openapi-python-client refuses the new spec, so no client can be generated: {new_client}"
        client = [change(GENERATION_FAILED, "malomo_client", what)]
    else:
        client = client_changes(old_client, new_client, renames)
    return sorted([*client, *wire], key=lambda c: (LEVELS.index(c.level), c.layer != "client", c.where))
