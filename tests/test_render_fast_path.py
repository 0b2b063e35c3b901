"""Rendering's fast paths give exactly what the full parse and the sanitizer give.

`markdown_html` skips markdown-it for plain prose and for the common shapes of fields (one
paragraph of text with emphasis, code, math and links; key-point lists; a code fence; a
display-math block; a pipe table), and skips nh3 where it would change nothing. Each
shortcut is checked here against `sanitise(renderer().render(text))`, and each claim it
rests on (this text is one paragraph to markdown-it, this HTML is what its renderer writes,
nh3 gives this back unchanged) on its own, so a failure names the claim that broke.

RENDER_EXAMPLES raises the number of generated examples for a long local run
(`RENDER_EXAMPLES=20000 pytest tests/test_render_fast_path.py`).
"""

from __future__ import annotations

import os
import sys

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import flashgen.render as render_module
from flashgen.render import (
    _NH3_REWRITES,
    _PLAIN,
    _block_html,
    _fast_inline,
    _paragraph,
    items_markdown,
    markdown_html,
    renderer,
    sanitise,
)

EXAMPLES = int(os.environ.get("RENDER_EXAMPLES", "200"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def full(text: str) -> str:
    """The reference: the whole markdown-it parse, then nh3."""
    return sanitise(renderer().render(text)).strip()


# Pieces that start, end or nearly make every inline and block construct of the
# configuration, with ordinary words, digits, spaces, and Unicode whitespace, punctuation
# and symbols (which decide emphasis flanking), NBSP and emoji.
INLINE_PIECES = [
    "word",
    "a",
    "Z",
    "7",
    "3.5",
    " ",
    "  ",
    "\t",
    "\xa0",
    "\u2003",
    "\u3000",
    "\x1c",
    "\x85",
    "\u2028",
    "é",
    "😀",
    "—",
    "«",
    "€",
    "*",
    "**",
    "***",
    "_",
    "__",
    "`",
    "``",
    "```",
    "$",
    "$$",
    "\\",
    "\\(",
    "\\)",
    "\\[",
    "\\]",
    "\\*",
    "\\$",
    "\\a",
    "[",
    "]",
    "](",
    "(",
    ")",
    "[a](http://x.org/p?q=1#f)",
    "[b c](/rel/path)",
    "[](x)",
    "[x](javascript:alert(1))",
    "[é](http://é.org/ü)",
    "[x]: /url",
    "![x](y.png)",
    "![[img.png]]",
    "!",
    "<",
    "< ",
    ">",
    "<b>",
    "</b>",
    "<http://x.org>",
    "<a@b.co>",
    "&",
    "&amp;",
    "&#35;",
    "&x",
    "~",
    "~~",
    '"',
    "'",
    "|",
    "#",
    "# ",
    "-",
    "- ",
    "+ ",
    "1. ",
    "1) ",
    "=",
    ":",
    ".",
    ",",
    "?",
    "x^2",
    "{{c1::",
    "}}",
    "snake_case",
    "f(x)",
]
INLINE_PIECE = st.sampled_from(INLINE_PIECES)
CHAR = st.characters(codec="utf-8")
"""Any code point but lone surrogates (which make nh3 raise on every path alike)."""
RANDOM_LINE = st.lists(st.one_of(INLINE_PIECE, INLINE_PIECE, CHAR), max_size=14).map("".join)

# Well-formed-looking phrases: words and atoms with markers around them, nested, mostly
# balanced, so that emphasis pairs, code spans and math are common (random pieces rarely
# make a pair), with near misses from mismatched markers and odd neighbours.
ATOM = st.one_of(
    st.sampled_from(
        [
            *["word", "a", "x2", "é", "😀", "3.5", "snake_case", "R&D", "p < 0.05", "x > y"],
            *["`code()`", "`a*b*`", "``a`b``", "$x^2$", "$$E=mc^2$$", "\\(a<b\\)", "\\[y\\]"],
            *["[link](https://example.org/a/1)", "[x](/p)", "\\*", "(", ")", ",", ".", "!"],
            *["?", "—", "«", "»", '"', "'", "\xa0", "\u2003", ":", "-"],
        ]
    ),
    INLINE_PIECE,
)
MARKER = st.sampled_from(["*", "*", "**", "**", "_", "__", "***", "`", "$", "~~"])
SEPARATOR = st.sampled_from([" ", " ", " ", "", "\xa0", "-", ", ", ". ", "("])
PHRASE = st.recursive(
    ATOM,
    lambda inner: st.one_of(
        st.tuples(MARKER, inner, st.one_of(MARKER, st.just(""))).map("".join),
        st.tuples(MARKER, inner).map(lambda t: t[0] + t[1] + t[0]),
        st.lists(st.tuples(inner, SEPARATOR).map("".join), min_size=1, max_size=4).map("".join),
    ),
    max_leaves=10,
)
LINE = st.one_of(RANDOM_LINE, PHRASE)
TEXT = st.lists(st.one_of(LINE, st.sampled_from(["", " ", "\t", "    code"])), max_size=5).map(
    "\n".join
)


@PROPERTY
@given(TEXT)
@example("\n\n\n\n# x")
@example("\tword")
@example("\t\t\t\t# x")
@example("\xa0word")
@example("\x1cword")
@example("word\x85")
@example("$x$ is 5")
@example("a $x$ b\\")
@example("[x]: /u\n\n[x]")
@example("**a *b* c** and `d` $e$ [f](g)")
@example('say "hi" > there')
@example("one\ntwo  \nthree")
def test_markdown_html_matches_full_render(text: str) -> None:
    assert markdown_html(text) == full(text)


@PROPERTY
@given(LINE)
def test_one_line_matches_full_render(text: str) -> None:
    assert markdown_html(text) == full(text)


@PROPERTY
@given(TEXT)
def test_paragraph_is_what_markdown_it_parses(text: str) -> None:
    content = _paragraph(text)
    if content is not None:
        tokens = renderer().parse(text)
        assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
        assert tokens[1].content == content


@PROPERTY
@given(LINE)
@example("$x$ is 5")
@example("$x$ a\\")
@example("*(*a*)*")
@example("**a *b* c**")
@example("*a **b***")
@example("a* b *c")
@example("``a`` `b` ```")
@example("` a `")
@example("[a] (b) [c](d)")
def test_fast_inline_is_render_inline(text: str) -> None:
    fast = _fast_inline(text)
    if fast is not None:
        assert fast == renderer().renderInline(text)
        if _NH3_REWRITES.search(fast) is None:
            out = "<p>" + fast + "</p>\n"
            assert sanitise(out) == out


def test_fast_inline_takes_the_usual_constructs() -> None:
    usual = [
        "plain words, digits 3.5 and punctuation: (like this) - or that!",
        "*emphasis* and **strong** words, snake_case_names too",
        "a `code()` span, $x^2$ math, $$E = mc^2$$ and \\(a < b\\)",
        "a [link](https://example.org/a/1) and R&D, p < 0.05, x > y",
        "escaped \\* star and a trailing \\",
        "**bold [link](http://x.org)** then `*not emphasis*`",
    ]
    for text in usual:
        fast = _fast_inline(text)
        assert fast is not None, text
        assert fast == renderer().renderInline(text)


# Key points: what `items_markdown` writes, nesting and item text drawn freely.
ITEM = st.tuples(st.integers(0, 3), LINE).map(lambda t: "  " * t[0] + t[1])


@PROPERTY
@given(st.lists(ITEM, min_size=1, max_size=6))
def test_key_point_lists_match_full_render(items: list[str]) -> None:
    text = items_markdown(tuple(items))
    html, ours = _block_html(text)
    assert html == renderer().render(text)
    if ours and _NH3_REWRITES.search(html) is None:
        assert sanitise(html) == html
    assert markdown_html(text) == full(text)


CELL = st.lists(st.one_of(INLINE_PIECE, CHAR), max_size=5).map("".join)
RULE = st.sampled_from(["---", ":--", "--:", ":-:", " - ", "-", "", "x", "::"])


@PROPERTY
@given(
    st.integers(1, 4).flatmap(
        lambda n: st.tuples(
            st.lists(CELL, min_size=n, max_size=n),
            st.lists(RULE, min_size=n, max_size=n),
            st.lists(st.lists(CELL, min_size=n - 1, max_size=n + 1), max_size=3),
        )
    )
)
def test_pipe_tables_match_full_render(
    table: tuple[list[str], list[str], list[list[str]]],
) -> None:
    head, rules, body = table
    text = "\n".join("|" + "|".join(row) + "|" for row in [head, rules, *body])
    assert _block_html(text)[0] == renderer().render(text)
    assert markdown_html(text) == full(text)


FENCE_LINE = st.one_of(
    LINE, st.sampled_from(["```", " ```", "````", "~~~", "$$", "    x", "", "a | b", "---"])
)


@PROPERTY
@given(
    st.sampled_from(["```", "````", "```python", "```sql x", "``` js", "```nosuchlang", "$$"]),
    st.lists(FENCE_LINE, max_size=5),
    st.sampled_from(["```", "````", "$$", "$$ (1)", "```\n"]),
)
def test_fences_and_math_blocks_match_full_render(
    opening: str, body: list[str], closing: str
) -> None:
    text = "\n".join([opening, *body, closing])
    assert _block_html(text)[0] == renderer().render(text)
    assert markdown_html(text) == full(text)


def test_every_plain_code_point_passes_escaping_and_nh3_unchanged() -> None:
    """The plain path returns the text itself: checked for every code point it lets
    through (between letters, so the ends are not trimmed), 4,096 at a time."""
    code_points = [chr(c) for c in range(sys.maxunicode + 1) if _PLAIN.fullmatch(chr(c))]
    assert len(code_points) > 1_000_000
    for start in range(0, len(code_points), 4096):
        text = "a" + "a".join(code_points[start : start + 4096]) + "a"
        assert full(text) == "<p>" + text.replace("\xa0", "&nbsp;") + "</p>"
        assert markdown_html(text) == full(text)


def test_lone_surrogates_fail_as_on_the_full_path() -> None:
    for text in ["a\ud800b", "*a*\udfff", "- a\n- \ud800"]:
        with pytest.raises(UnicodeEncodeError):
            full(text)
        with pytest.raises(UnicodeEncodeError):
            markdown_html(text)


class _Counted:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, *args: object, **kwargs: object) -> object:
        self.calls += 1
        raise AssertionError("the fast path should not need this")


def test_typical_fields_skip_markdown_it_and_nh3(monkeypatch: pytest.MonkeyPatch) -> None:
    """Typical definitions take the fast paths (so the properties above are not vacuous)."""
    expected = {
        "Osmosis is water moving across a membrane, from low to high solute.": (
            "<p>Osmosis is water moving across a membrane, from low to high solute.</p>"
        ),
        "Café’s naïve 😀 déjà-vu: 3.5\xa0km (approx.) - 'quoted' \"too\"!": (
            "<p>Café’s naïve 😀 déjà-vu: 3.5&nbsp;km (approx.) - 'quoted' \"too\"!</p>"
        ),
        "The *mitochondrion* makes **ATP** via `oxphos()` at $\\Delta G < 0$.": (
            "<p>The <em>mitochondrion</em> makes <strong>ATP</strong> via "
            "<code>oxphos()</code> at \\(\\Delta G &lt; 0\\).</p>"
        ),
        "- first *point*\n  - nested `x`\n- second": (
            "<ul>\n<li>first <em>point</em>\n<ul>\n<li>nested <code>x</code></li>\n</ul>\n"
            "</li>\n<li>second</li>\n</ul>"
        ),
        "$$\nE = mc^2\n$$": "\\[E = mc^2\\]",
    }
    for text, html in expected.items():
        assert full(text) == html
    never = _Counted()
    monkeypatch.setattr(render_module, "renderer", never)
    monkeypatch.setattr(render_module, "sanitise", never)
    for text, html in expected.items():
        assert markdown_html(text) == html
    assert never.calls == 0


def test_most_fields_of_a_sample_note_take_a_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    fields = [
        "A cell's powerhouse",
        "Water moving across a membrane.",
        "The *first* law: energy is conserved, $\\Delta U = Q - W$.",
        "See [the notes](https://example.org/notes/3) for `proof()`.",
        "- one\n- two *2*\n  - two and a half",
        "| a | b |\n|---|:-:|\n| 1 | *2* |",
        "Not fast: <b>raw html</b> and ~~strike~~.",
    ]
    real = renderer()
    calls: list[str] = []

    def counted() -> object:
        calls.append("renderer")
        return real

    monkeypatch.setattr(render_module, "renderer", counted)
    for text in fields:
        markdown_html(text)
    # Only the last field and the link's URL normalisation (one call, then cached) reach
    # markdown-it.
    assert len(calls) <= 2
