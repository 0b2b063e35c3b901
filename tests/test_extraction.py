"""Extraction beyond single cases: frontmatter switches, problems, explicit cards winning,
context paths, and `flashgen list --format json`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from flashgen.cards import Extraction
from flashgen.cli import main
from flashgen.extract import (
    RULE_KINDS,
    RULE_MARKS,
    RULES,
    Options,
    extract,
    markup,
    separators,
    terms,
)
from flashgen.extract.base import mark_in, may_have_marks
from flashgen.extract.outline import Unit, outline
from flashgen.notes import read_note
from tests.conftest import FIXTURES, write
from tests.test_extraction_properties import PIECES, note_of

FIXTURE_CASES = sorted((FIXTURES / "extraction").glob("*.yaml"))
EVAL_NOTES = Path(__file__).parent.parent / "bench" / "eval"

ALL_KINDS = """\
# Week 2

**Packet**: a small unit of data sent across a network with its own header.

## Layers
- Link
- Internet

Q: Which layer does IP belong to?
A: The internet layer.

A router works at the ==internet layer==.
"""


def extract_text(root: Path, text: str, rel: str = "notes/note.md") -> Extraction:
    path = write(root, rel, text)
    note, problems = read_note(path, root / "notes")
    assert note is not None and not problems
    return extract(note)


def kinds(ex: Extraction) -> list[str]:
    return [c.kind for c in ex.cards]


def test_every_kind_by_default(in_tmp: Path) -> None:
    assert kinds(extract_text(in_tmp, ALL_KINDS)) == ["definition", "key_points", "qa", "cloze"]


def test_frontmatter_false_skips_the_note_quietly(in_tmp: Path) -> None:
    ex = extract_text(in_tmp, "---\nflashgen: false\n---\n" + ALL_KINDS)
    assert ex.cards == () and ex.problems == ()


def test_frontmatter_turns_kinds_off(in_tmp: Path) -> None:
    ex = extract_text(in_tmp, "---\nflashgen: {key_points: false}\n---\n" + ALL_KINDS)
    assert kinds(ex) == ["definition", "qa", "cloze"]
    ex = extract_text(
        in_tmp, "---\nflashgen:\n  definitions: false\n  cloze: false\n---\n" + ALL_KINDS
    )
    assert kinds(ex) == ["key_points", "qa"]


def test_frontmatter_reverse_applies_to_definitions_only(in_tmp: Path) -> None:
    ex = extract_text(in_tmp, "---\nreverse: true\n---\n" + ALL_KINDS)
    assert [(c.kind, c.reverse) for c in ex.cards] == [
        ("definition", True),
        ("key_points", False),
        ("qa", False),
        ("cloze", False),
    ]
    ex = extract_text(in_tmp, "---\nflashgen: {reverse: true}\n---\n" + ALL_KINDS)
    assert ex.cards[0].reverse


def test_yes_no_on_off_in_frontmatter_are_the_text_written(in_tmp: Path) -> None:
    # YAML 1.1 reads these as booleans: `tags: [on]` became the tag `True`.
    ex = extract_text(
        in_tmp,
        "---\ntags: [on, yes, off]\ndeck: No\nid: y\nreverse: true\n---\n# T\n\n"
        "Osmosis: water moving.\n",
    )
    assert ex.problems == ()
    assert [(c.kind, c.reverse, c.deck, c.tags) for c in ex.cards] == [
        ("definition", True, "No", ("flashgen::source::y", "off", "on", "yes"))
    ]


@pytest.mark.parametrize(
    ("text", "meta"),
    [
        (
            "tags: [on, yes, off, no, y, n, On, YES, Off, NO, Y, N]\n",
            {"tags": ["on", "yes", "off", "no", "y", "n", "On", "YES", "Off", "NO", "Y", "N"]},
        ),
        (
            "tags: on yes\ndeck: off\ntitle: n\nid: Yes\n",
            {"tags": "on yes", "deck": "off", "title": "n", "id": "Yes"},
        ),
        (
            "reverse: true\nflashgen: {cloze: false, definitions: TRUE, qa: False}\n",
            {"reverse": True, "flashgen": {"cloze": False, "definitions": True, "qa": False}},
        ),
        ("yes: on\nno: off\ntrue: false\n", {"yes": "on", "no": "off", True: False}),
        ("tags: [2024, 3.5, ~, '', 'on']\n", {"tags": [2024, 3.5, None, "", "on"]}),
    ],
)
def test_both_yaml_loaders_read_the_same(text: str, meta: dict[object, object]) -> None:
    from flashgen import notes

    assert yaml.load(text, Loader=notes._BoundedLoader) == meta
    assert notes._load_yaml(text) == meta
    if notes._FAST_LOADER is None:
        pytest.skip("PyYAML without libyaml")
    assert yaml.load(text, Loader=notes._FAST_LOADER) == meta


def test_yaml_booleans_of_other_loaders_are_left_alone() -> None:
    # flashgen.notes (imported above) changes only its own loaders.
    assert yaml.safe_load("a: on\nb: no\n") == {"a": True, "b": False}


def test_inline_tags_become_the_cards_tags_under_the_tag_prefix(in_tmp: Path) -> None:
    text = (
        "---\ntags: [chem]\n---\n# Bonds #week3\n\n#exam/unit-2 #chem\n\n"
        "Ionic bond: attraction between ions #card\n"
        "`#not-a-tag`: in code, issue #12 and colour #a3b2c1 are not tags either\n"
    )
    path = write(in_tmp, "notes/chem/bonds.md", text)
    note, _ = read_note(path, in_tmp / "notes")
    assert note is not None
    ex = extract(note, Options(tag_prefix="uni"))
    assert [c.front for c in ex.cards] == ["Ionic bond", "`#not-a-tag`"]
    assert ex.cards[0].back == "attraction between ions"
    assert (
        set(ex.cards[0].tags)
        == set(ex.cards[1].tags)
        == {
            "uni::card",
            "uni::chem",
            "uni::exam/unit-2",
            "uni::week3",
            "flashgen::source::chem::bonds",
        }
    )


def test_bad_frontmatter_options_are_reported(in_tmp: Path) -> None:
    ex = extract_text(in_tmp, "---\nflashgen: {flashcards: true, cloze: maybe}\n---\n" + ALL_KINDS)
    assert [str(p) for p in ex.problems] == [
        "notes/note.md:2: unknown flashgen option 'flashcards' in frontmatter",
        "notes/note.md:2: flashgen option 'cloze' must be true or false",
    ]
    assert len(ex.cards) == 4


def test_broken_explicit_syntax_is_a_problem_with_its_line(in_tmp: Path) -> None:
    ex = extract_text(
        in_tmp,
        "# Review\n\nQ: What does ACID stand for?\n\nLatency :: \n\nA: orphan answer\n",
    )
    assert ex.cards == ()
    assert [str(p) for p in ex.problems] == [
        "notes/note.md:3: question has no answer: add an 'A:' line under it",
        "notes/note.md:5: 'Latency ::' has no definition after '::'",
        "notes/note.md:1: no cards found in this note",
    ]


def test_explicit_definition_wins_over_an_implicit_one(in_tmp: Path) -> None:
    ex = extract_text(
        in_tmp,
        "Latency: how long things take.\n\nLatency :: the time between a request and its response.\n",
    )
    assert [(c.front, c.back) for c in ex.cards] == [
        ("Latency", "the time between a request and its response.")
    ]


def test_answer_in_the_next_paragraph_and_over_several_lines(in_tmp: Path) -> None:
    ex = extract_text(
        in_tmp,
        "**Q:** Name two ACID properties.\n\nA: Atomicity\nDurability\n\n"
        "- Q: Which port does HTTPS use?\n  A: 443\n",
    )
    assert [(c.kind, c.front, c.back, c.source.line) for c in ex.cards] == [
        ("qa", "Name two ACID properties.", "Atomicity\nDurability", 1),
        ("qa", "Which port does HTTPS use?", "443", 6),
    ]


def test_definition_items_leave_the_key_points_and_keep_their_sub_points(in_tmp: Path) -> None:
    ex = extract_text(
        in_tmp,
        "## Storage\n\n- Data lake: raw files of any format\n  - cheap\n  - schema on read\n"
        "- Most teams use both\n- ==Parquet== is a columnar format\n",
    )
    assert [(c.kind, c.front, c.back, c.items, c.extra) for c in ex.cards] == [
        ("key_points", "Storage", "", ("Most teams use both",), ""),
        ("definition", "Data lake", "raw files of any format", (), "- cheap\n- schema on read"),
        ("cloze", "{{c1::Parquet}} is a columnar format", "", (), ""),
    ]


def test_context_is_the_heading_path_and_loose_section_lines(in_tmp: Path) -> None:
    ex = extract_text(
        in_tmp,
        "# Class notes\n\nLecture 5: Tools and Infrastructure\n\nRoles\n"
        "Data owner: accountable for a data set.\n\n## Deployment gap\n\n### Causes\n"
        "- scale\n- versioning\n\n## Costs\n\nEgress: paying to move data out of a cloud.\n\n"
        "## Atomicity\n\n> All or nothing.\n\nWeek 6 - Monitoring\n\nTools\nDrift\n"
        "“A change in the data a model sees”.\n\nPSI: a drift score.\n",
    )
    assert [(c.front, c.context, c.source.line) for c in ex.cards] == [
        ("Data owner", ("Class notes", "Lecture 5: Tools and Infrastructure", "Roles"), 6),
        ("Causes", ("Class notes", "Deployment gap"), 10),
        ("Egress", ("Class notes", "Costs"), 16),
        ("Atomicity", ("Class notes",), 18),
        ("Drift", ("Class notes", "Atomicity", "Week 6 - Monitoring"), 25),
        ("PSI", ("Class notes", "Atomicity", "Week 6 - Monitoring"), 28),
    ]


def test_the_same_input_gives_the_same_cards(in_tmp: Path) -> None:
    first = extract_text(in_tmp, ALL_KINDS)
    second = extract_text(in_tmp, ALL_KINDS)
    assert first.cards == second.cards


def test_list_json_reflects_every_kind(in_tmp: Path) -> None:
    write(in_tmp, "notes/net/week-02.md", ALL_KINDS)
    result = CliRunner().invoke(main, ["list", "--format", "json", "notes"])
    assert result.exit_code == 0, result.output
    cards = json.loads(result.stdout)
    assert [set(c) for c in cards] == [
        {"guid", "deck", "kind", "front", "back", "tags", "context", "source"},
        {"guid", "deck", "kind", "front", "back", "tags", "context", "source", "items"},
        {"guid", "deck", "kind", "front", "back", "tags", "context", "source"},
        {"guid", "deck", "kind", "front", "back", "tags", "context", "source"},
    ]
    assert [(c["kind"], c["front"], c["back"], c["context"], c["source"]) for c in cards] == [
        (
            "definition",
            "Packet",
            "a small unit of data sent across a network with its own header.",
            "Week 2",
            {"path": "notes/net/week-02.md", "line": 3},
        ),
        (
            "key_points",
            "Layers",
            "Link\nInternet",
            "Week 2",
            {"path": "notes/net/week-02.md", "line": 5},
        ),
        (
            "qa",
            "Which layer does IP belong to?",
            "The internet layer.",
            "Week 2 › Layers",
            {"path": "notes/net/week-02.md", "line": 9},
        ),
        (
            "cloze",
            "A router works at the {{c1::internet layer}}.",
            "",
            "Week 2 › Layers",
            {"path": "notes/net/week-02.md", "line": 12},
        ),
    ]
    assert cards[1]["items"] == ["Link", "Internet"]
    assert {c["deck"] for c in cards} == {"net::Week 2"}


# The engine tries a rule only where it can match (RULE_KINDS, RULE_MARKS), and some
# helpers answer common cases sooner: these pin that the shortcuts never change an answer.

MARKDOWNISH = st.lists(
    st.one_of(
        st.sampled_from([*PIECES, "Term", " = ", "=", "{", "[", "Q", "efin", "defined as "]),
        st.text(max_size=10),
    ),
    max_size=30,
).map("".join)


def outlines_of_examples() -> list[tuple[Unit, ...]]:
    """Outlines of the extraction fixtures and the evaluation notes: every rule matches
    somewhere in them."""
    texts = [yaml.safe_load(p.read_text(encoding="utf-8"))["input"] for p in FIXTURE_CASES]
    texts += [p.read_text(encoding="utf-8") for p in sorted(EVAL_NOTES.glob("*.md"))]
    return [outline(note_of(text).body) for text in texts]


def check_rule_contracts(units: tuple[Unit, ...]) -> None:
    for i, unit in enumerate(units):
        wrapped = i + 1 < len(units) and units[i + 1].cont
        for name, rule in RULES:
            unmarked = (
                name in RULE_MARKS
                and unit.kind in ("text", "item")
                and not wrapped
                and not any(mark_in(mark, unit.text) for mark in RULE_MARKS[name])
            )
            if unit.kind not in RULE_KINDS[name] or unmarked:
                assert rule(units, i) is None, (name, unit)


def test_rules_match_only_at_their_kinds_and_marks_in_the_examples() -> None:
    outlines = outlines_of_examples()
    assert sum(len(units) for units in outlines) > 1000
    for units in outlines:
        check_rule_contracts(units)


@settings(max_examples=300, deadline=None, database=None)
@given(MARKDOWNISH)
def test_rules_match_only_at_their_kinds_and_marks(text: str) -> None:
    check_rule_contracts(outline(note_of(text).body))


def test_every_mark_passes_the_quick_test() -> None:
    marks = {mark for marks in RULE_MARKS.values() for mark in marks}
    assert marks and all(may_have_marks(mark) for mark in marks)
    assert not may_have_marks("A line with no marks at all.")


@settings(max_examples=500, deadline=None, database=None)
@given(st.text(alphabet=st.sampled_from("ab :\n\t\u00a0*_"), max_size=12))
def test_plain_split_is_the_plain_pattern(text: str) -> None:
    t = text.strip()
    if ":" not in t:
        return
    m = separators._PLAIN.match(t)
    expected = ("", "") if m is None else (m.group("t").strip(), (m.group("d") or "").strip())
    assert separators._split_plain(t) == expected


WORDS = st.lists(
    st.sampled_from(
        [
            "a",
            "the",
            "is",
            "Lecture",
            "case",
            "study",
            "ii",
            "x",
            "Overfitting",
            "http",
            "Note",
            "we",
            "of",
            "Tree",
            "iv",
            "Part",
            "example",
        ]
    ),
    min_size=1,
    max_size=9,
).map(" ".join)


@settings(max_examples=500, deadline=None, database=None)
@given(WORDS, st.integers(min_value=1, max_value=8))
def test_plain_words_take_the_short_way_to_the_same_answers(term: str, max_words: int) -> None:
    # `*term*` is the same term for looks_like_term, but takes the general way through it.
    assert terms.looks_like_term(term, max_words) == terms.looks_like_term(f"*{term}*", max_words)
    assert markup.normalise_term(term) == markup.normalise_term(f" {term}  ")
