"""The hand-written lock serialiser gives exactly the json module's layout."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

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
