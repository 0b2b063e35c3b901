"""Any sequence of whole builds, builds of one course or one note, edits and deletions leaves
the lock and the packages a clean build (no cache, no earlier packages, the same lock) makes
from the same notes: no order of builds can leave a stale deck or a stale card."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from flashgen.build import build_decks
from flashgen.lockfile import load_lock
from flashgen.project import LOCK_NAME

FILES = ["a/x.md", "a/y.md", "a/deep/w.md", "b/z.md"]
TARGETS = ["notes", "notes/a", "notes/b", "notes/a/x.md", "notes/a/deep"]
TERMS = ["Osmosis", "Osmosys", "Diffusion", "Latency", "Jitter"]
ANSWERS = ["water crossing a membrane", "water crossing a thin membrane", "time one message takes"]
LINE = st.builds(lambda t, a: f"{t}: {a}.", st.sampled_from(TERMS), st.sampled_from(ANSWERS))
TEXT = st.builds(
    lambda title, lines: f"# {title}\n\n" + "\n\n".join(lines) + "\n",
    st.sampled_from(["Week 1", "Week 2"]),
    st.lists(LINE, max_size=3),
)
OP = st.one_of(
    st.tuples(st.just("edit"), st.sampled_from(FILES), TEXT),
    st.tuples(st.just("delete"), st.sampled_from(FILES), st.just("")),
    st.tuples(st.just("build"), st.sampled_from(TARGETS), st.just("")),
)


@contextmanager
def inside(folder: Path) -> Iterator[None]:
    here = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(here)


def packages(decks: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(decks.glob("*.apkg"))}


@settings(
    max_examples=int(os.environ.get("PROJECT_EXAMPLES", "80")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(OP, min_size=2, max_size=12))
def test_any_sequence_of_partial_and_whole_builds_equals_a_clean_build(
    ops: list[tuple[str, str, str]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        kept, clean = Path(tmp) / "kept", Path(tmp) / "clean"
        (kept / "notes").mkdir(parents=True)
        for step, (op, what, text) in enumerate(ops):
            if op == "edit":
                (kept / "notes" / what).parent.mkdir(parents=True, exist_ok=True)
                (kept / "notes" / what).write_text(text, encoding="utf-8")
                continue
            if op == "delete":
                (kept / "notes" / what).unlink(missing_ok=True)
                continue
            if not (kept / what).exists():
                continue
            # The clean build: the same notes and lock, no cache and no packages before.
            shutil.rmtree(clean, ignore_errors=True)
            shutil.copytree(kept / "notes", clean / "notes")
            before = packages(kept / "decks")
            lock = kept / "notes" / LOCK_NAME
            old = load_lock(lock).cards
            now = 1_000_000 + step * 10
            with inside(clean):
                expected = build_decks([Path(what)], Path("decks"), now=now)
            with inside(kept):
                got = build_decks([Path(what)], Path("decks"), now=now)
            event(f"built {what}")
            assert got.report == expected.report
            assert got.problems == expected.problems
            assert lock.read_bytes() == (clean / "notes" / LOCK_NAME).read_bytes()
            made = packages(clean / "decks")
            now_kept = packages(kept / "decks")
            assert {k: now_kept.get(k) for k in made} == made
            if what == "notes":
                assert now_kept == made
            else:
                # A partial build leaves the cards of the notes it does not cover as they
                # were, and every package it did not write.
                scope = what if what.endswith(".md") else what + "/"
                new = load_lock(lock).cards
                for key, entry in old.items():
                    if not entry.source.startswith(scope):
                        assert new[key] == entry
                assert {k: v for k, v in now_kept.items() if k not in made} == {
                    k: v for k, v in before.items() if k not in made
                }
