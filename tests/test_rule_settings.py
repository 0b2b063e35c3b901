"""Settings that turn an extraction rule off: per note (frontmatter `flashgen:`) and per
project (the `[rules]` table of flashgen.toml or `[tool.flashgen.rules]`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flashgen.extract import RULES, SETTINGS, Options, rules_of_setting
from tests.conftest import run_cli, write

NOTE = """\
# Graphs

A **graph** is a set of vertices and a set of edges.

**Pooling.** The pooling layer reduces the size of the representation.

## Monitoring

Model monitoring denotes the process of tracking a deployed model.

## Regularisation

- **Dropout.** Randomly zeroes activations during training.
- keep the model small
"""

ALL = {"graph", "Pooling", "Monitoring", "Dropout", "Regularisation"}
BY_SETTING = {
    "bold_sentences": "graph",
    "bold_lead_ins": "Pooling",
    "heading_sentences": "Monitoring",
    "list_definitions": "Dropout",
}


def fronts(out: str) -> set[str]:
    rows = [line.split("  ") for line in out.splitlines()[1:]]
    return {[cell.strip() for cell in row if cell.strip()][2] for row in rows}


def test_every_setting_names_rules_that_exist() -> None:
    names = {name for name, _ in RULES}
    assert all(set(rules) <= names for rules in SETTINGS.values())
    assert rules_of_setting("bold-sentences") == ("bold_sentence",)
    assert rules_of_setting("dash") == ("dash",)  # every rule is a setting of its own
    assert rules_of_setting("bold_sentence_typo") is None
    assert Options().off == frozenset()


def test_all_rules_on_by_default(in_tmp: Path) -> None:
    write(in_tmp, "notes/g.md", NOTE)
    code, out, _ = run_cli("list", "notes")
    assert code == 0
    assert fronts(out) == ALL


@pytest.mark.parametrize("setting", sorted(BY_SETTING))
def test_frontmatter_turns_one_pattern_off(in_tmp: Path, setting: str) -> None:
    write(in_tmp, "notes/g.md", f"---\nflashgen:\n  {setting}: false\n---\n" + NOTE)
    code, out, err = run_cli("list", "notes")
    assert (code, err) == (0, "")
    assert fronts(out) == ALL - {BY_SETTING[setting]}


@pytest.mark.parametrize("setting", sorted(BY_SETTING))
def test_project_turns_one_pattern_off(in_tmp: Path, setting: str) -> None:
    write(in_tmp, "flashgen.toml", f"[rules]\n{setting} = false\n")
    write(in_tmp, "notes/g.md", NOTE)
    code, out, _ = run_cli("list", "notes")
    assert code == 0
    assert fronts(out) == ALL - {BY_SETTING[setting]}


def test_frontmatter_turns_back_on_what_the_project_turned_off(in_tmp: Path) -> None:
    write(in_tmp, "pyproject.toml", "[tool.flashgen.rules]\nbold-sentences = false\n")
    write(in_tmp, "notes/g.md", "---\nflashgen: {bold_sentences: true}\n---\n" + NOTE)
    write(in_tmp, "notes/h.md", NOTE.replace("# Graphs", "# Other"))
    code, out, _ = run_cli("list", "notes")
    assert code == 0
    assert sorted(line.split()[0] for line in out.splitlines()[1:] if "graph " in line) == [
        "Graphs"
    ]


def test_unknown_setting_in_frontmatter_is_a_warning_with_its_line(in_tmp: Path) -> None:
    write(in_tmp, "notes/g.md", "---\ntitle: G\nflashgen:\n  bold_sentense: false\n---\n" + NOTE)
    _, out, _ = run_cli("check", "notes")
    assert "notes/g.md:3: warning: unknown flashgen option 'bold_sentense' in frontmatter\n" in out


def test_unknown_setting_in_the_project_is_an_error(in_tmp: Path) -> None:
    write(in_tmp, "flashgen.toml", "[rules]\nbold_sentense = false\nbold_lead_ins = 1\n")
    write(in_tmp, "notes/g.md", NOTE)
    code, _, err = run_cli("list", "notes")
    assert code == 2
    assert err == (
        "Error: invalid configuration (2 problems):\n"
        "  flashgen.toml: rules.bold_sentense: unknown key (did you mean 'bold_sentence'?)\n"
        "  flashgen.toml: rules.bold_lead_ins: must be true or false, got 1\n"
    )


def test_a_setting_changes_the_build_cache_fingerprint() -> None:
    from flashgen.cache import fingerprint

    assert fingerprint(Options(), 1) != fingerprint(Options(off=frozenset({"bold_sentence"})), 1)
