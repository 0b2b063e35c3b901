"""Markdown → the HTML that goes into Anki fields. The one configured renderer lives here.

Text is parsed once by markdown-it (text from notes is escaped as it is rendered, math is
passed to Anki's MathJax as `\\(…\\)` / `\\[…\\]`, fenced code is highlighted by Pygments),
then the whole HTML goes once through the nh3 sanitizer, which keeps harmless tags, drops
scripts, frames, styles, event handlers and `javascript:` URLs, and rewrites each
`<img src>` to the image's media name.

Most fields are rendered by markdown-it-pyrs (markdown-it.rs, the Rust port of markdown-it)
instead of markdown-it-py: `pyrs_html` sends a field there only when nothing in it can make
the two disagree (no math, wikilinks, embeds, raw HTML or fences, which need flashgen's own rules; none
of the few constructs the two parse differently), and only keeps pyrs's HTML when it holds no
soft line break, which pyrs cannot render as `<br>`. Every other field goes to markdown-it-py.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

import markdown_it_pyrs
import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererProtocol
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.dollarmath import dollarmath_plugin

from flashgen.cards import CONTEXT_SEPARATOR, Card, Note, Problem, SourceRef
from flashgen.extract.wikilinks import is_image_embed, link_text
from flashgen.highlight import highlight
from flashgen.media import IMAGE_SUFFIXES, Media, MediaFiles, is_remote, notes_root


@dataclass(frozen=True, slots=True)
class Rendered:
    """A card's Anki fields, rendered."""

    card: Card
    model: str
    """`basic` or `cloze`."""
    fields: tuple[str, ...]
    """Basic: Front, Back, Extra, Context, Source, Reverse. Cloze: Text, Extra, Context, Source."""
    media: tuple[Media, ...] = ()
    """Local media files the fields reference, each under its content-hash name."""
    problems: tuple[Problem, ...] = ()
    """Images not found, refused, too large or remote: the card is built anyway."""


# Attributes the sanitizer keeps: nh3's defaults, plus classes for highlighted code, image
# sizes, table alignment and text colour. Every other attribute (`onclick`, ...) is dropped.
_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "img": {"src", "alt", "title", "width", "height"},
    "a": {"href", "title"},
    "span": {"class", "style"},
    "code": {"class"},
    "pre": {"class"},
    "div": {"class"},
    "th": {*nh3.ALLOWED_ATTRIBUTES["th"], "style"},
    "td": {*nh3.ALLOWED_ATTRIBUTES["td"], "style"},
}
_STRIP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template"}
_STYLE_PROPERTIES = {"text-align", "color", "background-color"}
_KNOWN_TAGS = frozenset({*nh3.ALLOWED_TAGS, *_STRIP_WITH_CONTENT})
"""Tags that count as raw HTML when written in lower case; anything else in angle brackets
(`List<String>`, `<T>`, `<FORM>`) is text and shows literally instead of vanishing."""


def _math_inline(
    self: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # Escaped so the field stays valid HTML; the browser decodes `&lt;` before MathJax reads it.
    return "\\(" + escapeHtml(tokens[idx].content) + "\\)"


def _math_display(
    self: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    out = "\\[" + escapeHtml(tokens[idx].content.strip()) + "\\]"
    return out + "\n" if tokens[idx].block else out


def _bracket_math(state: StateInline, silent: bool) -> bool:
    """`\\(…\\)` and `\\[…\\]`: the same tokens as dollarmath's `$…$` and `$$…$$`."""
    src, pos = state.src, state.pos
    if not src.startswith(("\\(", "\\["), pos):
        return False
    close = "\\)" if src[pos + 1] == "(" else "\\]"
    end = src.find(close, pos + 2)
    if end <= pos + 2:
        return False
    if not silent:
        token = state.push("math_inline" if close == "\\)" else "math_inline_double", "math", 0)
        token.markup = src[pos : pos + 2]
        token.content = src[pos + 2 : end]
    state.pos = end + 2
    return True


def _obsidian_embed(state: StateInline, silent: bool) -> bool:
    """`![[file.png]]`, `![[file.png|300]]`, `![[file.png|alt text]]` → an image token."""
    src, pos = state.src, state.pos
    if not src.startswith("![[", pos):
        return False
    end = src.find("]]", pos + 3)
    if end < 0:
        return False
    target, _, option = src[pos + 3 : end].partition("|")
    target = target.strip()
    if "\n" in target or Path(target).suffix.lower() not in IMAGE_SUFFIXES:
        return False
    if not silent:
        token = state.push("image", "img", 0)
        token.attrs = {"src": target, "alt": ""}
        width, _, height = option.strip().partition("x")
        alt = option.strip()
        if width.isdigit() and (not height or height.isdigit()):
            token.attrs["width"] = width
            if height:
                token.attrs["height"] = height
            alt = ""
        text = Token("text", "", 0)
        text.content = alt
        token.children = [text]
        token.content = alt
    state.pos = end + 2
    return True


def _wikilink(state: StateInline, silent: bool) -> bool:
    """`[[page|alias]]`, `[[page#Heading]]`, a note embed `![[note#heading]]` → their text
    (extract/wikilinks.py: the alias, else `page › Heading`); image embeds are left to
    `_obsidian_embed`. Extraction already turned the wikilinks of card text into text; this
    covers the rest (a table or code block's neighbour in Extra)."""
    src, pos = state.src, state.pos
    start = pos + 1 if src.startswith("![[", pos) else pos
    if not src.startswith("[[", start):
        return False
    end = src.find("]]", start + 2)
    target = src[start + 2 : end]
    if end < 0 or not target.strip() or "\n" in target or "[" in target or "]" in target:
        return False
    if start > pos and is_image_embed(target):
        return False
    if not silent:
        token = state.push("text", "", 0)
        token.content = link_text(target)
    state.pos = end + 2
    return True


def _is_known_tag(raw: str) -> bool:
    if raw.startswith("<!--"):
        return True
    start = 2 if raw.startswith("</") else 1
    end = start
    while end < len(raw) and (raw[end].isalnum() or raw[end] == "-"):
        end += 1
    name = raw[start:end]
    return name.islower() and name in _KNOWN_TAGS


def _html_inline(
    self: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    raw = tokens[idx].content
    return raw if _is_known_tag(raw) else escapeHtml(raw)


def _html_block(
    self: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    raw = tokens[idx].content
    return raw if _is_known_tag(raw.lstrip()) else f"<p>{escapeHtml(raw.strip())}</p>\n"


def _fence(
    self: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return _fence_html(tokens[idx].info, tokens[idx].content)


def _fence_html(info: str, code: str) -> str:
    language = info.strip().split(maxsplit=1)[0] if info.strip() else ""
    highlighted = highlight(code, language) if language else None
    if highlighted is not None:
        return highlighted + "\n"
    cls = f' class="language-{escapeHtml(language)}"' if language else ""
    return f"<pre><code{cls}>{escapeHtml(code)}</code></pre>\n"


@lru_cache(maxsize=1)
def renderer() -> MarkdownIt:
    """The one markdown-it configuration used for card fields."""
    md = MarkdownIt("commonmark", {"html": True, "breaks": True}).enable(["table", "strikethrough"])
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
    md.inline.ruler.before("escape", "bracket_math", _bracket_math)
    md.inline.ruler.before("link", "wikilink", _wikilink)
    md.inline.ruler.before("image", "obsidian_embed", _obsidian_embed)
    md.add_render_rule("math_inline", _math_inline)
    md.add_render_rule("math_inline_double", _math_display)
    md.add_render_rule("math_block", _math_display)
    md.add_render_rule("math_block_label", _math_display)
    md.add_render_rule("html_inline", _html_inline)
    md.add_render_rule("html_block", _html_block)
    md.add_render_rule("fence", _fence)
    return md


ImageSrc = Callable[[str], str | None]
"""Rewrites one `<img src>` value; None drops the attribute."""


def _cleaner(attribute_filter: Callable[[str, str, str], str | None] | None = None) -> nh3.Cleaner:
    return nh3.Cleaner(
        attributes=_ATTRIBUTES,
        clean_content_tags=_STRIP_WITH_CONTENT,
        filter_style_properties=_STYLE_PROPERTIES,
        attribute_filter=attribute_filter,
    )


_plain_cleaner = lru_cache(maxsize=1)(_cleaner)


def sanitise(fragment: str, image_src: ImageSrc | None = None) -> str:
    """Keep harmless HTML only; `image_src` rewrites each `<img src>`."""
    if image_src is None or "<img" not in fragment.lower():
        return _plain_cleaner().clean(fragment)

    def rewrite(tag: str, attr: str, value: str) -> str | None:
        return image_src(value) if (tag, attr) == ("img", "src") else value

    return _cleaner(rewrite).clean(fragment)


@lru_cache(maxsize=1)
def pyrs_renderer() -> markdown_it_pyrs.MarkdownIt:
    """`renderer()`'s commonmark, table and strikethrough in Rust; no math, no flashgen rules."""
    return markdown_it_pyrs.MarkdownIt("commonmark").enable_many(["table", "strikethrough"])


# -- When markdown-it-pyrs renders a field -------------------------------------------
#
# pyrs renders a field only when its HTML, once sanitised, is byte for byte markdown-it-py's
# (tests/test_render_pyrs.py checks it on the repository's notes, the benchmark corpus and
# generated markdown). The test is on characters and lines, not a parse: anything in the
# text that could reach one of these differences sends it to markdown-it-py.
#
# - flashgen's and dollarmath's rules: `$`, `\(` `\[`, `[[` (wikilinks, embeds), raw HTML and
#   autolinks (`<`), fences (three backticks or tildes: Pygments highlights them);
# - whitespace other than space and newline: markdown-it-py strips all of Python's
#   whitespace (NBSP, U+2028, ...) around paragraphs, headings and cells, pyrs only ASCII;
#   and a tab indents four columns in one character, which would defeat the nesting bound;
# - nesting: markdown-it-py stops at 20 levels of containers or of brackets, pyrs goes on;
#   a line's container depth is at most its run of marker characters (12 allowed), link
#   brackets at most their count (fewer than 16);
# - pyrs 0.4 panics on an unclosed code span inside a link label: no backtick after a `[`;
# - emphasis: pyrs matches a `*` pair after an unmatched `_` or `~` (or the reverse)
#   differently, and treats Unicode symbols (`→`, emoji) next to a delimiter as letters:
#   one kind of delimiter per field, and no non-ASCII punctuation or symbol beside one;
# - code spans of only spaces, three or more or across a line (pyrs trims them), a backslash at the end of a line (hard
#   breaks, reference destinations), reference definitions (`]:`), and empty list items
#   (markdown-it-py ends a blockquote at one, pyrs continues the paragraph lazily);
# - entities after `](` on a line: markdown-it-py strips a link destination's decoded
#   whitespace (`&nbsp;`), pyrs percent-encodes it;
# - any unquoted line right after a quoted one: markdown-it-py and pyrs disagree on lazy
#   continuation lines (leading spaces in code spans, items and tables ending the quote);
# - tables: pyrs accepts a one-column table without a pipe in its header and lets a table
#   end a blockquote's lazy paragraph or run on into a list; markdown-it-py does not. With a
#   `|`: no one-cell delimiter row, no `>`, no block marker right after a pipe line.
#
# Then pyrs's HTML is kept only when every newline in it ends the document or comes before
# a block tag: a newline before text or an inline tag is a soft break (markdown-it-py, with
# `breaks`, writes `<br />` there) or a hard break or code block line. Empty blockquotes
# (pyrs writes a newline inside) and one-column tables go back too.

_PYRS_REFUSES = re.compile(
    r"[$<]|\\[(\[]|\[\[|```|~~~|[^\S \n]|^[ >*+0-9.)-]{12}|\]:|`(?: {3,}| *\n)[ \n]*`|\\$"
    r"|^[ \t>]*(?:[-*+]|[0-9]{1,9}[.)])[ \t]*$"
    r"|^[ \t>*+0-9.)-]*>.*\n(?![ \t]*>)[ \t]*\S"  # a lazy line after a quoted one
    r"|\]\(.*&[#0-9A-Za-z]+;",  # an entity in a link destination
    re.MULTILINE,
)
_TABLE_EDGE = re.compile(
    r"^[ \t>]*\|?[ \t]*:?-+:?[ \t]*\|?[ \t]*$"  # a one-cell delimiter row
    r"|\|.*\n[ \t]*(?:[-*+>#]|[0-9]{1,9}[.)])",  # a block marker after a pipe line
    re.MULTILINE,
)
_BESIDE_DELIMITER = re.compile(r"[^\x00-\x7f](?=[*_~])|(?<=[*_~])[^\x00-\x7f]")
_PYRS_HTML_REFUSED = re.compile(
    r"\n(?!\Z|</?(?:p|ul|ol|li|blockquote|h[1-6]|hr|table|thead|tbody|tr|th|td)[ />])"
    r"|<blockquote>\n</blockquote>|<tr>\n<th[^\n]*\n</tr>"
)
_MAX_BRACKETS = 16


def _pyrs_may_render(text: str) -> bool:
    """True when nothing in `text` can make pyrs's HTML differ from markdown-it-py's."""
    if _PYRS_REFUSES.search(text) or text.count("[") >= _MAX_BRACKETS:
        return False
    bracket = text.find("[")
    if bracket >= 0 and text.find("`", bracket) > bracket:
        return False
    if ("*" in text) + ("_" in text) + ("~" in text) > 1:
        return False
    if "|" in text and (">" in text or _TABLE_EDGE.search(text)):
        return False
    return not any(
        unicodedata.category(m.group())[0] in "PS" for m in _BESIDE_DELIMITER.finditer(text)
    )


def pyrs_html(text: str) -> str | None:
    """markdown-it-pyrs's HTML for `text` when it is `renderer()`'s, else None."""
    if not _pyrs_may_render(text):
        return None
    try:
        out = pyrs_renderer().render(text)
    except BaseException as exc:  # a Rust panic (none known past the test above) is no Exception
        if type(exc).__name__ != "PanicException":
            raise
        return None
    return None if _PYRS_HTML_REFUSED.search(out) else out


def markdown_it_html(text: str) -> str:
    """markdown-it's HTML for a field: by markdown-it-pyrs where `pyrs_html` vouches for it."""
    fast = pyrs_html(text)
    return renderer().render(text) if fast is None else fast


def markdown_html(text: str, image_src: ImageSrc | None = None) -> str:
    """Render a block of markdown to sanitised HTML: markdown-it, then nh3, always."""
    return sanitise(markdown_it_html(text), image_src).strip()


def inline_html(text: str, image_src: ImageSrc | None = None) -> str:
    """Render a short piece (a term, a question) without a wrapping paragraph."""
    out = markdown_html(text, image_src)
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


class _Images:
    """One card's image references: resolved to media names, with a Problem for each failure."""

    def __init__(self, card: Card, note: Note, files: MediaFiles) -> None:
        self.card = card
        self.note = note
        self.files = files
        self.media: dict[str, Media] = {}
        self.problems: dict[tuple[int, str], Problem] = {}

    def src(self, ref: str) -> str | None:
        """The `src` the field gets: a media name, the remote URL, or None (not usable)."""
        if is_remote(ref):
            self._warn(ref, f"remote image needs a connection to show: {ref}")
            return ref
        root = notes_root(self.note.path, self.note.folder)
        found = self.files.resolve(ref, self.note.path, root)
        if isinstance(found, str):
            self._warn(ref, found)
            return None
        self.media[found.name] = found
        return found.name

    def _warn(self, ref: str, message: str) -> None:
        line = _line_of(ref, self.note, self.card.source.line)
        self.problems.setdefault(
            (line, message), Problem(SourceRef(self.card.source.path, line), message)
        )


def _line_of(ref: str, note: Note, start: int) -> int:
    """The file line where `ref` is written: the first at or after the card's line."""
    lines = note.body.split("\n")
    first = max(start - note.body_line, 0)
    order: list[int] = [*range(first, len(lines)), *range(first)]
    for written in dict.fromkeys((ref, unquote(ref))):
        # Whole references only: `/etc/passwd` is not the one inside `../etc/passwd`.
        pattern = re.compile(r"(?<![\w./~-])" + re.escape(written) + r"(?![\w./~-])")
        for k in order:
            if pattern.search(lines[k]):
                return note.body_line + k
    return start


def render(card: Card, note: Note | None = None, files: MediaFiles | None = None) -> Rendered:
    """Fields for one card; with its note, local images become media under content-hash names."""
    images = _Images(card, note, files or MediaFiles()) if note is not None else None
    src = images.src if images is not None else None
    context = html.escape(CONTEXT_SEPARATOR.join(card.context))
    source = html.escape(str(card.source))
    extra = markdown_html(card.extra, src) if card.extra else ""
    if card.kind == "cloze":
        fields: tuple[str, ...] = (markdown_html(card.front, src), extra, context, source)
        model = "cloze"
    else:
        back_md = items_markdown(card.items) if card.kind == "key_points" else card.back
        back = markdown_html(back_md, src)
        reverse = "y" if card.reverse else ""
        fields = (inline_html(card.front, src), back, extra, context, source, reverse)
        model = "basic"
    if images is None or not (images.media or images.problems):
        return Rendered(card, model, fields)  # most cards: no images
    return Rendered(
        card,
        model,
        fields,
        tuple(images.media[name] for name in sorted(images.media)),
        tuple(images.problems[key] for key in sorted(images.problems)),
    )
