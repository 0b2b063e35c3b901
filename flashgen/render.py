"""Markdown → the HTML that goes into Anki fields. The one configured renderer lives here."""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

from flashgen.cards import CONTEXT_SEPARATOR, Card, Problem


@dataclass(frozen=True, slots=True)
class Rendered:
    """A card's Anki fields, rendered."""

    card: Card
    model: str
    """`basic` or `cloze`."""
    fields: tuple[str, ...]
    """Basic: Front, Back, Extra, Context, Source, Reverse. Cloze: Text, Extra, Context, Source."""
    media: tuple[str, ...] = ()
    """Absolute paths of local media files the fields reference."""
    problems: tuple[Problem, ...] = ()


@lru_cache(maxsize=1)
def renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable("table")
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
    md.add_render_rule(
        "math_inline",
        lambda self, tokens, idx, options, env: "\\(" + html.escape(tokens[idx].content) + "\\)",
    )
    md.add_render_rule(
        "math_block",
        lambda self, tokens, idx, options, env: "\\[" + html.escape(tokens[idx].content) + "\\]\n",
    )
    return md


def markdown_html(text: str) -> str:
    """Render a block of markdown."""
    out: str = renderer().render(text)
    return out.strip()


def inline_html(text: str) -> str:
    """Render a short piece (a term, a question) without a wrapping paragraph."""
    out = markdown_html(text)
    if out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1:
        return out[3:-4]
    return out


def items_markdown(items: tuple[str, ...]) -> str:
    """Key points back as a markdown list, nesting kept."""
    lines = []
    for item in items:
        stripped = item.lstrip(" ")
        level = (len(item) - len(stripped)) // 2
        lines.append("  " * level + "- " + stripped)
    return "\n".join(lines)


def render(card: Card) -> Rendered:
    """Fields for one card."""
    context = html.escape(CONTEXT_SEPARATOR.join(card.context))
    source = html.escape(str(card.source))
    extra = markdown_html(card.extra) if card.extra else ""
    if card.kind == "cloze":
        return Rendered(card, "cloze", (markdown_html(card.front), extra, context, source))
    back = markdown_html(items_markdown(card.items) if card.kind == "key_points" else card.back)
    reverse = "y" if card.reverse else ""
    return Rendered(card, "basic", (inline_html(card.front), back, extra, context, source, reverse))
