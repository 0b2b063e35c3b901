"""`flashgen explain FILE[:LINE]`: the rule behind each card, the reason for each block
that made none; exact messages."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli, write

LECTURE = """\
# Layers

**Stride.** The number of pixels the filter moves between two applications.

In practice, **many** nets use a stride of 1.

**Note.** Some nets drop pooling entirely.

A **graph** is a set of vertices and edges.

## Further reading

- [A guide to convolution arithmetic](https://arxiv.org/abs/1603.07285)

```python
print("never read")
```
"""

EXPLAINED = [
    "notes/lecture.md:1: no card: a heading: it names the section of the cards under it",
    "notes/lecture.md:3: bold_lead_in: definition 'Stride'",
    "notes/lecture.md:5: no card: emphasis on 'many' is stress, not a term",
    "notes/lecture.md:7: no card: 'Note' is a label, not a term",
    "notes/lecture.md:9: bold_sentence: definition 'graph'",
    "notes/lecture.md:11: no card: a reference section: its readings are no key points",
    "notes/lecture.md:13: no card: only a link: a reading, not a fact",
    (
        "notes/lecture.md:15: no card: code, a formula, a table or HTML is never read "
        "(it can be a card's Extra)"
    ),
]


def test_explain_names_the_rule_of_each_card_and_why_others_made_none(in_tmp: Path) -> None:
    write(in_tmp, "notes/lecture.md", LECTURE)
    code, out, err = run_cli("explain", "notes/lecture.md")
    assert (code, err) == (0, "")
    assert out == "".join(line + "\n" for line in EXPLAINED)


def test_explain_one_line(in_tmp: Path) -> None:
    write(in_tmp, "notes/lecture.md", LECTURE)
    code, out, _ = run_cli("explain", "notes/lecture.md:5")
    assert code == 0
    assert out == "notes/lecture.md:5: no card: emphasis on 'many' is stress, not a term\n"
    code, out, _ = run_cli("explain", "notes/lecture.md:2")
    assert out == "notes/lecture.md:2: nothing here: a blank line or the frontmatter\n"


def test_explain_mid_sentence_emphasis(in_tmp: Path) -> None:
    write(in_tmp, "notes/a.md", "We will see why that is **convenient** later.\n")
    _, out, _ = run_cli("explain", "notes/a.md")
    assert out == (
        "notes/a.md:1: no card: emphasis on 'convenient' mid-sentence, not a definition\n"
    )


def test_explain_names_a_rule_turned_off(in_tmp: Path) -> None:
    write(
        in_tmp,
        "notes/a.md",
        "---\nflashgen: {bold_sentences: false}\n---\nA **graph** is a set of vertices.\n",
    )
    _, out, _ = run_cli("explain", "notes/a.md")
    assert out == (
        "notes/a.md:4: no card: definition 'graph' would come from bold_sentence, "
        "turned off by the setting bold_sentences\n"
    )


def test_explain_says_what_explicit_syntax_and_kinds_drop(in_tmp: Path) -> None:
    write(
        in_tmp,
        "notes/a.md",
        "---\nflashgen: {key_points: false}\n---\n"
        "Graph :: a set of vertices and edges\n\nA **graph** is a set.\n\n## Facts\n\n- one\n",
    )
    _, out, _ = run_cli("explain", "notes/a.md")
    assert out.splitlines() == [
        "notes/a.md:4: double_colon: definition 'Graph'",
        (
            "notes/a.md:6: bold_sentence: definition 'graph' (dropped: 'graph' has an "
            "explicit definition)"
        ),
        (
            "notes/a.md:8: heading_list: key points 'Facts' (not made: key_points cards "
            "are turned off)"
        ),
    ]


def test_explain_a_missing_note(in_tmp: Path) -> None:
    code, _, err = run_cli("explain", "notes/none.md:3")
    assert code != 0
    assert "notes/none.md:3: no such note" in err
