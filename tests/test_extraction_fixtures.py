"""Extraction rules as specifications: one YAML file per case under fixtures/extraction/.

Each file has a `description`, the note's `input` (frontmatter included, if any) and the
`expected` cards in order: `kind`, `front`, `back` (or `items` for key points) and,
optionally, `line` and `extra` (compared when any card of the case gives one). Adding a
case is adding a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from flashgen.extract import extract
from flashgen.notes import read_note
from tests.conftest import FIXTURES, write

CASES = sorted((FIXTURES / "extraction").glob("*.yaml"))


def load_case(path: Path) -> dict[str, Any]:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(case, dict) and {"description", "input", "expected"} <= case.keys(), path
    return case


OPTIONAL = ("line", "extra")


def as_compared(card: dict[str, Any], optional: set[str]) -> dict[str, Any]:
    out = {
        "kind": card["kind"],
        "front": card["front"],
        "back": card.get("back", ""),
        "items": list(card.get("items", [])),
    }
    out.update({key: card.get(key, "") for key in optional})
    return out


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 80


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_fixture(path: Path, tmp_path: Path) -> None:
    case = load_case(path)
    note_path = write(tmp_path, "notes/case.md", case["input"])
    note, problems = read_note(note_path, tmp_path / "notes")
    assert note is not None and not problems
    cards = extract(note).cards
    optional = {key for key in OPTIONAL for c in case["expected"] if key in c}
    got = [
        as_compared(
            {
                "kind": c.kind,
                "front": c.front,
                "back": c.back,
                "items": c.items,
                "line": c.source.line,
                "extra": c.extra,
            },
            optional,
        )
        for c in cards
    ]
    want = [as_compared(c, optional) for c in case["expected"]]
    assert got == want, case["description"]
