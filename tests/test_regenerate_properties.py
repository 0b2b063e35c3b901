"""Properties of any sequence of edits: GUIDs stay unique, the lock matches the notes, and a
rebuild after any edit changes nothing more."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flashgen.build import build_decks, collect_cards
from flashgen.lockfile import load_lock
from flashgen.project import LOCK_NAME

TERMS = st.sampled_from(
    ["Osmosis", "Osmosys", "Diffusion", "DVC", "DVC (Data Version Control)", "Latency", "Jitter"]
)
ANSWERS = st.sampled_from(
    [
        "water crossing a membrane",
        "water crossing a thin membrane",
        "spreading from high to low concentration",
        "a tool that versions data next to code",
        "time one message takes",
    ]
)
NOTE = st.lists(st.builds(lambda t, a: f"{t}: {a}.", TERMS, ANSWERS), max_size=5).map("\n\n".join)
TREE = st.dictionaries(st.sampled_from(["a.md", "b.md", "sub/a.md", "sub/c.md"]), NOTE, max_size=3)


def write_tree(root: Path, tree: dict[str, str]) -> None:
    # Every note goes, the lock (which lives with the notes) stays.
    lock = root / LOCK_NAME
    kept = lock.read_bytes() if lock.is_file() else None
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    if kept is not None:
        lock.write_bytes(kept)
    for rel, text in tree.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ndeck: Bio\n---\n{text}\n", encoding="utf-8")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TREE, min_size=1, max_size=4), st.booleans())
def test_any_sequence_of_edits(versions: list[dict[str, str]], prune: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        notes, out = Path(tmp) / "notes", Path(tmp) / "decks"
        for step, tree in enumerate(versions):
            write_tree(notes, tree)
            result = build_decks([notes], out, now=1_000_000 + step * 10, prune=prune)
            if not (notes / LOCK_NAME).exists():
                continue
            lock = load_lock(notes / LOCK_NAME)
            guids = [e.guid for e in lock.cards.values()]
            assert len(guids) == len(set(guids))
            assert {k for k, e in lock.cards.items() if e.state == "live"} == {
                c.key for c in collect_cards([notes]).cards
            }
            assert result.card_count == len(collect_cards([notes]).cards)
            packages = {p.name: p.read_bytes() for p in out.glob("*.apkg")}
            again = build_decks([notes], out, now=1_000_000 + step * 10 + 5)
            assert again.report.changes == ()
            assert load_lock(notes / LOCK_NAME) == lock
            assert {p.name: p.read_bytes() for p in out.glob("*.apkg")} == packages
