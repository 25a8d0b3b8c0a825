"""tools/spec_diff/cli.py: the corpus of spec edits in tests/tools/spec_edits/
(see tests/support/spec_edits.py), the rule registry, bad input and the reports.

Each edit must get its level overall and the highest level each layer must report (`none`: the layer
sees nothing; a layer left out is not pinned), and its rules must be among the findings.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import griffe
import jsonpatch
import pytest

import malomo_spec
from support import ROOT, SPEC_PATH, spec_edits
from support.spec_deletes import generated_module_name
from tools.docs import readme_sections
from tools.spec_diff import cli as spec_diff
from tools.spec_diff.changes import Change
from tools.spec_diff.client import api_changes as client_api_changes
from tools.spec_diff.reports import changelog_entry
from tools.spec_diff.rules import RULES
from tools.spec_diff.spec_comparison import SpecSource, compare, spec_source
from tools.spec_diff.wire.operations import wire_changes

SPEC = SPEC_PATH
RANK = {"none": 0, "docs": 1, "compatible": 2, "breaking": 3}


@pytest.fixture(scope="module")
def base() -> Iterator[SpecSource]:
    with spec_source(str(SPEC)) as source:
        yield source


def written(document: Any, path: Path) -> Path:
    path.write_text(malomo_spec.dump_yaml(document))
    return path


def diff_of(base: SpecSource, edited_document: Any, tmp_path: Path) -> list[Change]:
    with spec_source(str(written(edited_document, tmp_path / "edited.yaml"))) as new:
        return compare(base, new)


def highest(changes: list[Change], layers: set[str]) -> str:
    levels = [c.level for c in changes if c.layer in layers]
    return max(levels, key=RANK.__getitem__, default="none")


def test_the_corpus_covers_every_level_and_both_disagreements() -> None:
    cases = [spec_edits.load(path) for path in spec_edits.EDITS]
    assert {case["level"] for case in cases} == {"breaking", "compatible", "docs"}
    wire_only = [c for c in cases if c["wire"] == "breaking" and c.get("client") == "none"]
    client_only = [c for c in cases if c.get("client") == "breaking" and RANK[c["wire"]] < RANK["breaking"]]
    assert wire_only and client_only


def test_every_registered_rule_fires_in_some_corpus_edit() -> None:
    """Each edit's `rules` must be among its findings (test_spec_edit_is_classified), so this is coverage."""
    declared = {rule for path in spec_edits.EDITS for rule in spec_edits.load(path)["rules"]}
    assert sorted(set(RULES) - declared) == []
    assert sorted(declared - set(RULES)) == []


# About a second an edit (two generated clients), some fifty seconds for the corpus.
@pytest.mark.slow
@pytest.mark.parametrize("edit", spec_edits.EDITS, ids=[path.stem for path in spec_edits.EDITS])
def test_spec_edit_is_classified(edit: Path, base: SpecSource, tmp_path: Path) -> None:
    case = spec_edits.load(edit)
    before, after = spec_edits.edited(case, base.document.tree)
    with spec_source(str(written(before, tmp_path / "before.yaml"))) as old:
        changes = diff_of(old if "base_patch" in case else base, after, tmp_path)
    listing = "\n".join(f"{c.level} {c.layer} {c.rule}: {c.where}: {c.what}" for c in changes)
    assert {c.rule for c in changes} <= set(RULES), listing
    assert highest(changes, {"wire", "client", "docs"}) == case["level"], listing
    assert highest(changes, {"wire", "docs"}) == case["wire"], listing
    if "client" in case:
        assert highest(changes, {"client"}) == case["client"], listing
    assert set(case["rules"]) <= {c.rule for c in changes}, listing


@dataclass(frozen=True)
class CliRun:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliRun]:
    """`python -m tools.spec_diff ARGS`, run in this process (it shares the cache of generated clients); the
    version-check tests below run the script itself."""

    def run(*args: str) -> CliRun:
        returncode = spec_diff.main(list(args))
        out, err = capsys.readouterr()
        return CliRun(returncode, out, err)

    return run


def test_identical_specs_exit_0_with_no_changes(tmp_path: Path, cli: Callable[..., CliRun]) -> None:
    copy_of_spec = tmp_path / "same.yaml"
    copy_of_spec.write_bytes(SPEC.read_bytes())
    result = cli(str(SPEC), str(copy_of_spec), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"breaking": False, "changes": []}


def test_breaking_edit_exits_1_with_a_markdown_report_grouped_breaking_first(
    tmp_path: Path, cli: Callable[..., CliRun]
) -> None:
    document = malomo_spec.parse_yaml(SPEC.read_text())
    limit = document["components"]["schemas"]["Name"]["maxLength"]
    document["components"]["schemas"]["Name"]["maxLength"] = limit - 1  # breaking
    document["components"]["schemas"]["Customer"]["description"] = "Someone who buys."  # docs
    edited = tmp_path / "edited.yaml"
    edited.write_text(malomo_spec.dump_yaml(document))
    result = cli(str(SPEC), str(edited))
    assert result.returncode == 1, result.stderr
    report = result.stdout
    assert report.index("### Breaking") < report.index("### Docs")
    where = "`createCustomer (POST /customers) request body.first_name`"
    assert f"{where} | maxLength {limit} → {limit - 1} | `request-bound-narrowed`" in report


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("openapi: [unclosed", "not YAML"),
        ("just: a mapping\n", "not an OpenAPI document"),
        ("openapi: 3.0.3\ninfo: {title: x}\npaths: {}\n", "invalid OpenAPI"),
    ],
)
def test_bad_spec_exits_2_with_one_line(
    tmp_path: Path, content: str, message: str, cli: Callable[..., CliRun]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(content)
    result = cli(str(SPEC), str(bad))
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("#/components/schemas/RefLoop", "$ref cycle"),
        ("#/components/schemas/NoSuchSchema", "points nowhere"),
        ("other.yaml#/Schema", "only local $refs are supported"),
    ],
)
def test_a_ref_cycle_dangling_or_external_ref_exits_2_with_one_line(
    tmp_path: Path, ref: str, message: str, cli: Callable[..., CliRun]
) -> None:
    document = malomo_spec.parse_yaml(SPEC.read_text())
    schemas = document["components"]["schemas"]
    if ref.endswith("RefLoop"):
        schemas["RefLoop"] = {"$ref": "#/components/schemas/RefLoopBack"}
        schemas["RefLoopBack"] = {"$ref": ref}
    first_schema = next(iter(schemas.values()))
    first_schema.setdefault("properties", {})["broken"] = {"$ref": ref}
    bad = written(document, tmp_path / "bad.yaml")
    result = cli(str(SPEC), str(bad))
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize("argument", ["git:no-such-ref-anywhere", "/no/such/file.yaml"])
def test_unknown_git_ref_or_missing_file_exits_2(argument: str, cli: Callable[..., CliRun]) -> None:
    result = cli(argument, str(SPEC))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_git_ref_reads_the_spec_at_that_commit(cli: Callable[..., CliRun]) -> None:
    result = cli("git:HEAD", str(SPEC), "--json")
    # The work tree may hold an uncommitted spec edit; either way the ref must have been read.
    assert result.returncode in (0, 1), result.stderr
    assert "breaking" in json.loads(result.stdout)


def test_changelog_draft_marks_breaking_changes(base: SpecSource, tmp_path: Path) -> None:
    removed = malomo_spec.operations(base.document)[-1]  # any operation: its removal is breaking
    pointer = "/paths/" + removed.path.replace("~", "~0").replace("/", "~1") + "/" + removed.method.lower()
    edited = jsonpatch.apply_patch(base.document.tree, [{"op": "remove", "path": pointer}])
    entry = changelog_entry("0.3.0", diff_of(base, edited, tmp_path))
    assert entry is not None
    assert entry.startswith("## [0.3.0] - ")
    module = generated_module_name(removed)
    removed_lines = entry[entry.index("### Removed") :]
    assert f"- **Breaking:** `{removed.operation_id} ({removed.label})`: operation removed" in removed_lines
    assert f"- **Breaking:** `{module}`: module removed" in removed_lines


def wire_rules(after: dict[str, Any], before: Any = None) -> list[tuple[str, str, str]]:
    """(rule, where, what) the wire layer finds from the spec (or `before`) to `after` (no client made)."""
    old = malomo_spec.Document(before or malomo_spec.parse_yaml(SPEC.read_text()), "old")
    changes, _ = wire_changes(old, malomo_spec.Document(after, "new"))
    return [(c.rule, c.where, c.what) for c in changes]


@pytest.mark.slow  # two generated clients, about 3 s
def test_a_marked_rename_is_one_rename_in_each_layer_and_the_changelog(
    base: SpecSource, tmp_path: Path
) -> None:
    case = spec_edits.load(ROOT / "tests" / "tools" / "spec_edits" / "property_renamed.yaml")
    changes = diff_of(base, spec_edits.edited(case, base.document.tree)[1], tmp_path)
    breaking = [(c.layer, c.rule, c.where) for c in changes if c.level == "breaking"]
    assert breaking == [
        ("client", "client-keyword-renamed", "phone_number= → phone="),
        ("wire", "property-renamed", "phone_number → phone"),
    ]
    keyword = next(c.what for c in changes if c.rule == "client-keyword-renamed")
    assert "client.customers.create" in keyword and "client.customers.update" in keyword
    entry = changelog_entry("9.0.0", changes)
    assert entry is not None and "### Added" not in entry and "### Removed" not in entry
    assert entry.count("renamed") >= 2


def test_an_unmarked_rename_is_every_removal_with_a_hint() -> None:
    document = malomo_spec.parse_yaml(SPEC.read_text())
    for schema in ("CustomerCreate", "CustomerUpdate"):
        properties = document["components"]["schemas"][schema]["properties"]
        properties["phone_x"] = properties.pop("phone_number")
    found = [(rule, what) for rule, _, what in wire_rules(document) if rule == "request-property-removed"]
    assert len(found) == 2
    assert all("`phone_x` was added with the same schema" in what for _, what in found)


def test_a_oneof_whose_branches_all_narrow_or_overlap_still_breaks() -> None:
    """The compatible widening (the corpus) needs one branch that takes every old value, alone for oneOf."""
    for branches in (
        [{"type": "string", "maxLength": 10}, {"type": "integer"}],  # narrower than maxLength 64
        [{"type": "string", "maxLength": 64}, {"type": "string", "pattern": "^[0-9]+$"}],  # "5" matches both
    ):
        document = malomo_spec.parse_yaml(SPEC.read_text())
        document["components"]["schemas"]["PhoneNumber"] = {"nullable": True, "oneOf": branches}
        rules = {rule for rule, _, _ in wire_rules(document)}
        assert "combinator-keeps-old-values" not in rules and "schema-combinator-changed" in rules


def test_a_header_a_link_reads_is_needed_by_the_flow() -> None:
    document = malomo_spec.parse_yaml(SPEC.read_text())
    answer = document["paths"]["/customers"]["post"]["responses"]["200"]
    answer["headers"] = {"X-Customer-Token": {"schema": {"type": "string"}}}
    answer["links"]["GetCustomer"]["parameters"]["id"] = "$response.header.X-Customer-Token"
    after = jsonpatch.apply_patch(
        document, [{"op": "remove", "path": "/paths/~1customers/post/responses/200/headers"}]
    )
    assert [rule for rule, _, _ in wire_rules(after, document)] == ["response-flow-header-removed"]


def test_a_changed_method_is_named_once_with_its_class() -> None:
    old_source = "class Client:\n    def with_headers(self, headers: dict) -> None: ...\n"
    new_source = "class Client:\n    def with_headers(self, headers: dict, extra: int) -> None: ...\n"
    with (
        griffe.temporary_visited_module(old_source, module_name="pkg") as old,
        griffe.temporary_visited_module(new_source, module_name="pkg") as new,
    ):
        changes = client_api_changes._breakages(old, new, renamed={})
    assert [c.where for c in changes] == ["pkg.Client.with_headers"]


def test_the_docs_generated_sections_are_current() -> None:
    """The spec diff's example report and rules table in the docs: `python -m tools.docs` rewrites them."""
    pages = {page: page.read_text(encoding="utf-8") for page in readme_sections.DOCUMENTS}
    assert any(readme_sections.SECTION.search(text) for text in pages.values())
    for page, text in pages.items():
        assert readme_sections.render(text) == text, f"{page.name} is stale: run python -m tools.docs"
