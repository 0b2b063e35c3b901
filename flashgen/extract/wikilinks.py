"""Obsidian wikilinks as the text they show: `[[page|alias]]` → `alias`, `[[page]]` → `page`.

A link to a heading shows the page and the heading, `[[page#Heading]]` → `page › Heading`
(the separator Obsidian uses in its own link suggestions); a link to a block
(`[[page#^id]]`) shows the page; a link inside the note (`[[#Heading]]`) the heading.
A note embed `![[note#heading]]` is shown the same way (never transcluded); an image
embed `![[diagram.png|300]]` stays as written, for rendering to show the picture.
Code spans are left alone. Plain string work on one line of markdown source.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from flashgen.media import IMAGE_SUFFIXES

HEADING_SEPARATOR = " › "
_WIKILINK = re.compile(r"(!?)\[\[([^\[\]\n]+?)\]\]")
_CODE = re.compile(r"(`+)(?:.+?)\1")


def is_image_embed(target: str) -> bool:
    """`diagram.png`, `diagram.png|300`: the name of an image file."""
    return PurePath(target.partition("|")[0].strip()).suffix.lower() in IMAGE_SUFFIXES


def link_text(target: str) -> str:
    """What `[[target]]` shows: its alias, else its page (and heading)."""
    page, bar, alias = target.partition("|")
    if bar and alias.strip():
        return alias.strip()
    page, _, anchor = page.partition("#")
    page = page.strip()
    if page.lower().endswith(".md"):
        page = page[:-3]
    anchor = anchor.strip()
    if not anchor or anchor.startswith("^"):
        return page or anchor.lstrip("^")
    # A heading path `#A#B` shows its last heading, as Obsidian does.
    heading = anchor.split("#")[-1].strip()
    return f"{page}{HEADING_SEPARATOR}{heading}" if page else heading


def _replace(m: re.Match[str]) -> str:
    if m.group(1) and is_image_embed(m.group(2)):
        return m.group(0)
    return link_text(m.group(2))


def plain_links(text: str) -> str:
    """`text` with each wikilink and note embed outside code spans as the text it shows."""
    if "[[" not in text:
        return text
    if "`" not in text:
        return _WIKILINK.sub(_replace, text)
    out: list[str] = []
    pos = 0
    for m in _CODE.finditer(text):
        out.append(_WIKILINK.sub(_replace, text[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_WIKILINK.sub(_replace, text[pos:]))
    return "".join(out)
