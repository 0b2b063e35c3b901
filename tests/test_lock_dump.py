"""The hand-written lock serialiser gives exactly the json module's layout."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from flashgen.cache import LockMirror
from flashgen.identity import Lock, LockEntry, _dump_lock_json, dump_lock

TEXT = st.text(max_size=20)
ENTRY = st.builds(
    LockEntry,
    guid=TEXT,
    deck=TEXT,
    source=TEXT,
    hash=TEXT,
    mod=st.integers(0, 2**40),
    state=st.sampled_from(["live", "removed"]),
    front=TEXT,
    model=st.sampled_from(["basic", "cloze", ""]),
    fields=st.lists(TEXT, max_size=6).map(tuple),
    tags=st.lists(TEXT, max_size=4).map(tuple),
)
LOCK = st.builds(
    Lock,
    cards=st.dictionaries(TEXT, ENTRY, max_size=6),
    notetypes=st.dictionaries(TEXT, st.tuples(TEXT, st.integers(0, 2**40)), max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(LOCK)
def test_dump_lock_matches_json_module(lock: Lock) -> None:
    assert dump_lock(lock) == _dump_lock_json(lock)


@settings(max_examples=200, deadline=None)
@given(LOCK, LOCK)
def test_reusing_last_dumps_text_gives_the_same_text(before: Lock, after: Lock) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        lock_path = Path(tmp) / "lock.json"
        mirror = LockMirror(Path(tmp) / "lock.marshal")
        mirror.write_lock(lock_path, before)
        assert lock_path.read_text(encoding="utf-8") == _dump_lock_json(before)
        mirror.save()
        assert mirror.load(lock_path) == before
        index = mirror.index
        assert index is not None
        # Every card reads back from its own block of the text.
        assert {k: index.entry(k) for k in index.spans.keys} == dict(before.cards)
        # Keep some cards of `before` unchanged in `after`, as a rebuild does.
        mixed = Lock({**dict(list(before.cards.items())[::2]), **after.cards}, after.notetypes)
        mirror.write_lock(lock_path, mixed, before)
        assert lock_path.read_text(encoding="utf-8") == _dump_lock_json(mixed)


def test_lock_mirror_is_used_only_while_it_matches_the_file(tmp_path: Path) -> None:
    lock_path = tmp_path / "flashgen.lock.json"
    entry = LockEntry("g1", "Bio", "a.md:3", "h1", 100, "live", "Osmosis", "basic", ("x",), ())
    lock = Lock({"a|definition|osmosis": entry}, {"1": ("css", 5)})
    mirror = LockMirror(tmp_path / "lock.marshal")
    mirror.write_lock(lock_path, lock)
    mirror.save()
    mirror = LockMirror(tmp_path / "lock.marshal")
    assert mirror.load(lock_path) == lock
    assert mirror.index is not None
    assert mirror.index.entry("a|definition|osmosis") == entry
    # Edited by hand (or checked out from version control): the file wins.
    lock_path.write_text(lock_path.read_text().replace('"g1"', '"g2"'))
    mirror = LockMirror(tmp_path / "lock.marshal")
    reread = mirror.load(lock_path)
    assert reread.cards["a|definition|osmosis"].guid == "g2"
    assert mirror.index is None
    assert mirror.load_index(lock_path) is None
    # A damaged mirror is ignored.
    (tmp_path / "lock.marshal").write_bytes(b"\x00junk")
    assert LockMirror(tmp_path / "lock.marshal").load(lock_path) == reread
