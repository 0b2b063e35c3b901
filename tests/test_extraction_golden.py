"""Golden files: the cards of every note in notes/ and bench/eval/, as reviewed data.

A change in extraction shows up as a diff of tests/golden/; after reading it, accept it with
`python -m pytest tests/test_extraction_golden.py --force-regen`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flashgen.extract import extract
from flashgen.notes import read_note
from tests.conftest import REPO

GOLDEN = Path(__file__).parent / "golden"
SETS = {"notes": REPO / "notes", "eval": REPO / "bench" / "eval"}
NOTES = [(name, root, path) for name, root in SETS.items() for path in sorted(root.rglob("*.md"))]


def cards_as_data(path: Path, root: Path) -> dict[str, Any]:
    note, problems = read_note(path, root)
    assert note is not None, problems
    ex = extract(note)
    return {
        "cards": [
            {
                "kind": c.kind,
                "front": c.front,
                "back": c.back,
                "items": list(c.items),
                "extra": c.extra,
                "context": list(c.context),
                "line": c.source.line,
            }
            for c in ex.cards
        ],
        "problems": [{"line": p.source.line, "message": p.message} for p in ex.problems],
    }


@pytest.mark.parametrize(
    ("name", "root", "path"),
    NOTES,
    ids=[
        f"{name}/{path.relative_to(root).with_suffix('').as_posix()}" for name, root, path in NOTES
    ],
)
def test_golden(name: str, root: Path, path: Path, in_tmp: Path, data_regression: Any) -> None:
    rel = path.relative_to(root).with_suffix(".yml")
    data_regression.check(cards_as_data(path, root), fullpath=GOLDEN / name / rel)
