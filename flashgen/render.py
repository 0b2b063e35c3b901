"""Markdown → the HTML that goes into Anki fields. The one configured renderer lives here.

Text is parsed once by markdown-it (text from notes is escaped as it is rendered, math is
passed to Anki's MathJax as `\\(…\\)` / `\\[…\\]`, fenced code is highlighted by Pygments),
then the whole HTML goes once through the nh3 sanitizer, which keeps harmless tags, drops
scripts, frames, styles, event handlers and `javascript:` URLs, and rewrites each
`<img src>` to the image's media name.

The common shapes of fields (plain prose, one paragraph with emphasis, code, math and
links, key-point lists, a code fence, a display-math block, a pipe table) take shortcuts
that produce the same bytes without most of that work: see "Fast paths" below.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.renderer import RendererProtocol
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.dollarmath import dollarmath_plugin

from flashgen.cards import CONTEXT_SEPARATOR, Card, Note, Problem, SourceRef
from flashgen.highlight import highlight
from flashgen.media import IMAGE_SUFFIXES, Media, MediaFiles, is_remote, notes_root
from flashgen.verified import FAST_PATHS


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


# Fast paths. Most fields are one line of prose with a little emphasis, code or math; the
# full markdown-it pipeline costs tens of microseconds each, most of it in creating tokens.
# Each shortcut below produces exactly what `renderer().render(text)` would (before
# sanitising), and declines (returns None) whenever the input leaves the small subset it
# models; tests/test_render_fast_path.py checks every one against the full parse.

_BLOCK_LINE = re.compile(
    r"""[ ]{0,3}(?:
        [\t ]                  # indented code, or a tab in the indentation (not modelled)
      | [#>+\-=|<:]            # heading, quote, list, setext underline, table row, raw HTML
      | ```|~~~|\$\$           # code fence, math block
      | \*(?:[ \t]|[* \t]*$)   # list item or thematic break
      | _[_ \t]*$              # thematic break
      | \d{1,9}[.)](?:[ \t]|$) # ordered list item
    )""",
    re.VERBOSE,
)
"""A line that could start or interrupt a block other than a paragraph (or make it a setext
heading or a table). Conservative: some lines it matches are paragraph text after all."""

_BLANK = re.compile(r"[ \t]*")
_ITEM = re.compile(r"((?:  )*)- (.+)")
"""A key-points line as `items_markdown` writes it: two spaces per level, `- `, the text."""


def _block_free(line: str, text: str) -> bool:
    """Whether `line` can only be paragraph text (as the first line or a later one)."""
    if _BLOCK_LINE.match(line):
        return False
    # A link reference definition (`[label]: url`) needs `]:` somewhere after its `[`.
    return not (line.lstrip(" ").startswith("[") and "]:" in text)


def _trimmed(text: str) -> str | None:
    """`text` without surrounding spaces and tabs, if markdown-it's trim would give the same.

    markdown-it trims a wider (Unicode) set than spaces and tabs, and Python's `str.strip`
    a wider one still; when what is left starts and ends with a character neither strips,
    all three agree.
    """
    out = text.strip(" \t")
    if not out or out[0].isspace() or out[-1].isspace():
        return None
    return out


def _paragraph(text: str) -> str | None:
    """The inline content, if markdown-it parses `text` as exactly one paragraph."""
    if "\r" in text or "\0" in text:
        return None  # markdown-it rewrites these first
    if "\n" not in text:  # the common case, without the list of lines
        return _trimmed(text) if _block_free(text, text) else None
    lines = text.split("\n")
    # Blank lines (spaces and tabs only) before and after are skipped; between, they
    # would end the paragraph.
    while lines and _BLANK.fullmatch(lines[-1]):
        lines.pop()
    first = 0
    while first < len(lines) and _BLANK.fullmatch(lines[first]):
        first += 1
    lines = lines[first:]
    if not lines:
        return None
    for line in lines:
        if _BLANK.fullmatch(line) or not _block_free(line, text):
            return None
    return _trimmed("\n".join(lines))


def _tight_list(text: str) -> list[tuple[int, str]] | None:
    """(level, content) of each item, if `text` is a tight `- ` list as `items_markdown`
    writes it: one line per item, each level at most one deeper than the one before, and no
    item text that could start a block of its own."""
    if "\r" in text or "\0" in text:
        return None
    items: list[tuple[int, str]] = []
    level = -1
    for line in text.split("\n"):
        m = _ITEM.fullmatch(line)
        if m is None:
            return None
        depth = len(m[1]) // 2
        content = m[2]
        # Deeper by two or more, the line would be lazy paragraph text of the item above.
        if depth > level + 1 or _trimmed(content) != content or not _block_free(content, text):
            return None
        items.append((depth, content))
        level = depth
    return items


def _list_html(items: list[tuple[int, str]]) -> tuple[str, bool]:
    """What markdown-it renders for a tight bullet list (its paragraphs are hidden), and
    whether every item went through `_fast_inline`."""
    out: list[str] = []
    ours = True
    depth = -1
    for level, content in items:
        if level > depth:
            out.append("<ul>\n" if depth < 0 else "\n<ul>\n")
        else:
            out.append("</li>\n")
            out.extend("</ul>\n</li>\n" for _ in range(depth - level))
        depth = level
        out.append("<li>")
        html_, fast = _inline(content)
        out.append(html_)
        ours = ours and fast
    out.append("</li>\n")
    out.extend("</ul>\n</li>\n" for _ in range(depth))
    out.append("</ul>\n")
    return "".join(out), ours


_TABLE_ROW = re.compile(r"\|[^\n\\]*\|")
"""A table row from margin to margin between pipes, without backslashes (escaped pipes)."""
_TABLE_RULE = re.compile(r"[ \t]*(:?)-+(:?)[ \t]*")
_ALIGN = {("", ""): "", (":", ""): "left", ("", ":"): "right", (":", ":"): "center"}


def _table_html(text: str) -> str | None:
    """What markdown-it renders for `text` if it is one pipe table and nothing else, with
    the same number of cells in every row; None otherwise."""
    lines = text.split("\n")
    if len(lines) < 2 or "\r" in text or "\0" in text:
        return None
    rows: list[list[str]] = []
    for line in lines:
        if not _TABLE_ROW.fullmatch(line):
            return None
        cells = line[1:-1].split("|")
        if rows and len(cells) != len(rows[0]):
            return None  # markdown-it pads or cuts body rows to the header's cells
        rows.append(cells)
    aligns: list[str] = []
    for rule in rows[1]:
        m = _TABLE_RULE.fullmatch(rule)
        if m is None:
            return None
        aligns.append(_ALIGN[m[1], m[2]])
    out = ["<table>\n<thead>\n<tr>\n"]
    for number, row in enumerate([rows[0], *rows[2:]]):
        if number == 1:
            out.append("<tbody>\n")
        if number:
            out.append("<tr>\n")
        tag = "th" if number == 0 else "td"
        for cell, align in zip(row, aligns, strict=True):
            content = cell.strip(" \t")
            if content and _trimmed(content) is None:
                return None  # other whitespace at an end: markdown-it's trim differs
            style = f' style="text-align:{align}"' if align else ""
            inner = _inline(content)[0] if content else ""
            out.append(f"<{tag}{style}>{inner}</{tag}>\n")
        out.append("</tr>\n</thead>\n" if number == 0 else "</tr>\n")
    if len(rows) > 2:
        out.append("</tbody>\n")
    out.append("</table>\n")
    return "".join(out)


_INLINE_SPECIAL = re.compile(r"[\n\\`*_\[!<&$~]")
"""Where an inline rule of this configuration may fire (a `]`, `>`, `"` etc. is only text)."""
_LINK_LABEL = re.compile(r"[^\n\\`*_\[\]<&$~]+")
"""A link label that is plain text to the inline rules, so it ends at the first `]`."""
_LINK_DEST = re.compile(r"[A-Za-z0-9\-._~:/?#@!$+,;=%*']+(?=\))")
"""A destination without spaces, brackets, parentheses, escapes or entities, before `)`."""


_CHAR_CLASS: dict[str, tuple[bool, bool]] = {}
"""Whitespace and punctuation, as markdown-it's emphasis sees each character (memoised)."""


def _char_class(ch: str) -> tuple[bool, bool]:
    cls = (isWhiteSpace(ord(ch)), isMdAsciiPunct(ord(ch)) or isPunctChar(ch))
    if len(_CHAR_CLASS) < 4096:  # bounded, whatever the text
        _CHAR_CLASS[ch] = cls
    return cls


_ENTITY_START = re.compile(r"&(?:#|[A-Za-z0-9]+;)")
"""What could be an entity (numeric, or named and closed by `;`); any other `&` is text."""


def _delimiter_run(src: str, start: int) -> tuple[int, bool, bool]:
    """Length, can-open and can-close of the `*`/`_` run at `start`: StateInline.scanDelims."""
    marker = src[start]
    pos = start
    while pos < len(src) and src[pos] == marker:
        pos += 1
    last = src[start - 1] if start > 0 else " "
    after = src[pos] if pos < len(src) else " "
    last_space, last_punct = _CHAR_CLASS.get(last) or _char_class(last)
    next_space, next_punct = _CHAR_CLASS.get(after) or _char_class(after)
    left = not (next_space or (next_punct and not (last_space or last_punct)))
    right = not (last_space or (last_punct and not (next_space or next_punct)))
    split_word = marker == "*"
    can_open = left and (split_word or not right or last_punct)
    can_close = right and (split_word or not left or next_punct)
    return pos - start, can_open, can_close


def _dollar_escaped(src: str, pos: int) -> bool:
    """mdit_py_plugins.dollarmath's `is_escaped`, index wrap-around at 0 included."""
    backslashes = 0
    while pos >= 0:
        pos -= 1
        if src[pos] == "\\":
            backslashes += 1
        else:
            break
    return backslashes % 2 == 1


def _dollar_math(src: str, pos: int) -> tuple[str, int] | None:
    """The dollarmath inline rule (no space inside the dollars, no digit outside them, `$$`
    inline too) at `src[pos] == "$"`: the rendered math and the position after it.

    Ported line by line, quirks included: at position 0 the "digit before" check reads the
    last character of the text (`src[-1]`), as the plugin's does.
    """
    n = len(src)
    if pos + 1 >= n or isWhiteSpace(ord(src[pos + 1])):
        return None
    if src[pos - 1].isdigit() or _dollar_escaped(src, pos):
        return None
    double = src[pos + 1] == "$"
    search = pos + 2 if double else pos + 1
    while True:
        end = src.find("$", search)
        if end < 0:
            return None
        if _dollar_escaped(src, end):
            search = end + 1
            continue
        if double:
            if end + 1 >= n:
                return None
            if src[end + 1] != "$":
                search = end + 1
                continue
            end += 1
        break
    if isWhiteSpace(ord(src[end - 1])) or (end + 1 < n and src[end + 1].isdigit()):
        return None
    content = src[pos + 2 : end - 1] if double else src[pos + 1 : end]
    if not content:
        return None
    if double:
        return "\\[" + escapeHtml(content.strip()) + "\\]", end + 1
    return "\\(" + escapeHtml(content) + "\\)", end + 1


def _code_span(src: str, pos: int) -> tuple[str, int]:
    """The backticks rule at `src[pos] == "`"`: a code span, or the run as literal text."""
    n = len(src)
    end = pos + 1
    while end < n and src[end] == "`":
        end += 1
    run = end - pos
    search = end
    while (close := src.find("`", search)) >= 0:
        after = close + 1
        while after < n and src[after] == "`":
            after += 1
        if after - close == run:
            content = src[end:close]
            if content.startswith(" ") and content.endswith(" ") and content.strip(" "):
                content = content[1:-1]
            return "<code>" + escapeHtml(content) + "</code>", after
        search = after
    return src[pos:end], end


@lru_cache(maxsize=4096)
def _link_href(dest: str) -> str | None:
    """The link rule's normalised destination, or None when it refuses the URL."""
    md = renderer()
    href: str = md.normalizeLink(dest)
    return href if md.validateLink(href) else None


_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
"""What a backslash escapes (markdown-it's escape rule); before anything else it is kept."""


def _fast_inline(src: str) -> str | None:
    """`renderer().renderInline(src)` for one line of text, emphasis, code spans, math,
    escapes and plain `[label](url)` links; None when `src` needs anything else.

    Positions are handled left to right as markdown-it's inline parser visits them, each
    construct by a port of the rule that fires there. Emphasis is then paired: markdown-it
    matches each closing run with the nearest open one of the same marker; here every run
    must open or close but not both, runs must nest like brackets with equal lengths of 1
    or 2, and anything else is declined.
    """
    if "\n" in src or "\r" in src or "\0" in src:
        return None  # line breaks (code spans make them spaces), and what markdown-it rewrites
    out: list[str] = []
    runs: list[tuple[int, str, int, bool]] = []  # (index in out, marker, length, opens)
    pos = 0
    n = len(src)
    # Between the characters searched for there is no `&` or `<`: escaping only matters
    # when the text holds `"` or `>`.
    escape = escapeHtml if '"' in src or ">" in src else str
    while True:
        m = _INLINE_SPECIAL.search(src, pos)
        end = m.start() if m is not None else n
        if end > pos:
            out.append(escape(src[pos:end]))
        if m is None:
            break
        pos = end
        c = src[pos]
        if c == "$":
            math = _dollar_math(src, pos)
            if math is None:
                out.append("$")
                pos += 1
            else:
                html_, pos = math
                out.append(html_)
        elif c == "`":
            html_, pos = _code_span(src, pos)
            out.append(html_)
        elif c == "*" or c == "_":
            length, opens, closes = _delimiter_run(src, pos)
            if opens and closes:
                return None
            if opens or closes:
                runs.append((len(out), c, length, opens))
            out.append(c * length)
            pos += length
        elif c == "\\":
            if src.startswith(("\\(", "\\["), pos):
                close = "\\)" if src[pos + 1] == "(" else "\\]"
                stop = src.find(close, pos + 2)
                if stop > pos + 2:
                    content = src[pos + 2 : stop]
                    if close == "\\)":
                        out.append("\\(" + escapeHtml(content) + "\\)")
                    else:
                        out.append("\\[" + escapeHtml(content.strip()) + "\\]")
                    pos = stop + 2
                    continue
            if pos + 1 >= n:
                out.append("\\")
                pos += 1
                continue
            escaped = src[pos + 1]
            out.append(escapeHtml(escaped if escaped in _ASCII_PUNCT else "\\" + escaped))
            pos += 2
        elif c == "[":
            label = _LINK_LABEL.match(src, pos + 1)
            stop = label.end() if label is not None else pos + 1
            if src.startswith("](", stop):
                dest = _LINK_DEST.match(src, stop + 2)
                href = _link_href(dest[0]) if dest is not None else None
                if dest is None or href is None:
                    return None
                out.append(f'<a href="{escapeHtml(href)}">{escapeHtml(src[pos + 1 : stop])}</a>')
                pos = dest.end() + 1
            elif "](" in src[pos:]:
                return None  # a link with more than text in its label, or an odd URL
            else:
                out.append("[")  # no inline link can start here, and there are no references
                pos += 1
        elif c == "!" and src.startswith("[", pos + 1):
            return None  # an image
        elif c == "!" or (c == "<" and src.startswith(" ", pos + 1)):
            out.append(escapeHtml(c))
            pos += 1
        elif c == "&" and not _ENTITY_START.match(src, pos):
            out.append("&amp;")
            pos += 1
        else:
            return None  # a line break, `~`, an entity, an autolink or raw HTML
    # An opener nothing closes, and a closer with nothing open, stay literal text.
    stack: list[tuple[int, str, int]] = []
    for index, marker, length, opens in runs:
        if opens:
            stack.append((index, marker, length))
        elif stack:
            if stack[-1][1:] != (marker, length) or length > 2:
                return None  # markdown-it would look further back, or split the run
            opener = stack.pop()[0]
            tag = "em" if length == 1 else "strong"
            out[opener] = f"<{tag}>"
            out[index] = f"</{tag}>"
    return "".join(out)


def _inline(content: str) -> tuple[str, bool]:
    """`renderer().renderInline(content)`, and whether `_fast_inline` could make it."""
    fast = _fast_inline(content)
    if fast is not None:
        return fast, True
    html_: str = renderer().renderInline(content)
    return html_, False


_FENCE_OPEN = re.compile(r"(`{3,})([^`|]*)")
"""A backtick fence at the margin. Without `|` the line cannot head a table (tried first)."""


def _fenced_code(text: str) -> tuple[str, str] | None:
    """(info, code) if `text` is exactly one backtick fence, opened and closed at the margin."""
    lines = text.split("\n")
    opening = _FENCE_OPEN.fullmatch(lines[0])
    if opening is None or len(lines) < 2 or lines[-1] != opening[1] or "\r" in text or "\0" in text:
        return None
    body = lines[1:-1]
    # A body line that could close the fence early (backticks after indentation).
    if any(line.lstrip(" \t").startswith("```") for line in body):
        return None
    return opening[2], "".join(line + "\n" for line in body)


def _math_block(text: str) -> str | None:
    """The content of `$$` / lines / `$$` when `text` is that and only that (no `$` inside,
    so no earlier end and no equation label, no blank line)."""
    lines = text.split("\n")
    if len(lines) < 3 or lines[0] != "$$" or lines[-1] != "$$" or "\r" in text or "\0" in text:
        return None
    body = lines[1:-1]
    if any("$" in line or not line.strip() for line in body):
        return None
    return "\n" + "\n".join(body) + "\n"


def _block_html(text: str) -> tuple[str, bool]:
    """`renderer().render(text)`, and whether only this module's fast paths made it."""
    if text.startswith("- "):
        items = _tight_list(text)
        if items is not None:
            return _list_html(items)
    elif text.startswith("```"):
        fenced = _fenced_code(text)
        if fenced is not None:
            return _fence_html(*fenced), False
    elif text.startswith("$$"):
        math = _math_block(text)
        if math is not None:
            return "\\[" + escapeHtml(math.strip()) + "\\]\n", True
    elif text.startswith("|"):
        table = _table_html(text)
        if table is not None:
            return table, False
    out: str = renderer().render(text)
    return out, False


_PLAIN = re.compile("[^`*_\\[\\]\\\\<>&$~\n\r\0\ud800-\udfff]*")
"""Text no inline rule touches and that neither escaping nor nh3 changes, but for NBSP,
which nh3 writes as `&nbsp;` (every other code point was checked one by one)."""

_NH3_REWRITES = re.compile("&quot;|<a |\xa0|[\ud800-\udfff]")
"""What nh3 would change in HTML from the fast paths: `&quot;` becomes `"`, links gain a
`rel`, NBSP becomes `&nbsp;`, and a lone surrogate makes it raise. Everything else the fast
paths write (`p`, `ul`, `li`, `em`, `strong` and `code` tags, text escaped by `escapeHtml`)
it parses and writes back unchanged."""


def markdown_html(text: str, image_src: ImageSrc | None = None) -> str:
    """Render a block of markdown to sanitised HTML."""
    if not FAST_PATHS:
        return sanitise(renderer().render(text), image_src).strip()
    content = _paragraph(text)
    if content is not None:
        if _PLAIN.fullmatch(content):
            # Plain prose (most definitions): `<p>` and the text are what markdown-it and
            # nh3 would give, and no `<img>` can come of it.
            return "<p>" + content.replace("\xa0", "&nbsp;") + "</p>"
        inner, ours = _inline(content)
        out = "<p>" + inner + "</p>\n"
    else:
        out, ours = _block_html(text)
    if ours and _NH3_REWRITES.search(out) is None:
        return out.strip()  # what sanitise would return: there is nothing for it to change
    return sanitise(out, image_src).strip()


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
