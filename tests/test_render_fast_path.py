"""The one-line fast path in rendering gives exactly what the full parse gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from flashgen.render import markdown_html, renderer, sanitise

PIECES = st.sampled_from(
    [
        "word",
        " ",
        "*",
        "**",
        "_",
        "`",
        "[",
        "]",
        "(",
        ")",
        "$",
        "$$",
        "\\\\(",
        "\\\\)",
        "#",
        "-",
        "1.",
        ">",
        "<",
        "&",
        "==",
        "~~",
        "|",
        ":",
        "!",
        "[[",
        "]]",
        "'",
        '"',
        "é",
        "\\t",
        "http://x.org",
        "<b>",
        "</b>",
        "<script>",
        "x^2",
        "\\\\",
        ".",
        "?",
        ";",
        "{{c1::",
        "}}",
    ]
)
LINE = st.lists(PIECES, max_size=12).map("".join)


def slow(text: str) -> str:
    return sanitise(renderer().render(text)).strip()


@settings(max_examples=500, deadline=None)
@given(LINE)
def test_one_line_fast_path_matches_full_render(text: str) -> None:
    assert markdown_html(text) == slow(text)
