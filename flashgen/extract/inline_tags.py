"""Inline `#tags` (Obsidian, Logseq): taken out of the text, given to the note's cards.

A tag is `#` after a space or the start of a line, then letters, digits, `_`, `-` or `/`
(`#exam1`, `#philosophy/ethics`), with at least one character that is not a digit: `#123`
(an issue number) and `# Heading` are not tags, nor `C#` or `page#anchor`, nor a colour
code (`#fff`, `#a3b2c1`: three, four, six or eight hex digits). Code spans are left alone.
Tags at the end of a line (`Main sequence #card`) or on a line of their own leave the
card's text, as Anki shows them in the card's tags instead; a tag inside a sentence
(`the #mitochondria make ATP`) keeps its word without the `#`. A nested tag keeps its `/`
(`philosophy/ethics`), as frontmatter tags do.
"""

from __future__ import annotations

import re

_TAG = re.compile(r"(?:(?<=\s)|^)#([^\s!-,.:-@\[-^`{-~]+)(?=$|[\s!-,.:;?\])])")
"""`#` then tag characters: no space or ASCII punctuation other than `_`, `-` and `/`."""
_HEX = re.compile(r"[0-9a-fA-F]{3}(?:[0-9a-fA-F](?:[0-9a-fA-F]{2}(?:[0-9a-fA-F]{2})?)?)?")
_CODE = re.compile(r"(`+)(?:.+?)\1")
_SPACES = re.compile(r"[ \t]{2,}")
_REST_TAGS = re.compile(r"(?:[ \t]+#[^\s#]+)*[ \t]*(?:\n|$)")
"""What follows a tag at the end of its line: only more tags."""


def _is_tag(name: str) -> bool:
    if name.isdigit() or not name.strip("-_/"):
        return False
    # Not a colour: `#a3b2c1`, `#fff`.
    return not (_HEX.fullmatch(name) and (any(c.isdigit() for c in name) or len(set(name)) == 1))


def take_tags(text: str, found: list[str]) -> str:
    """`text` without its inline tags (outside code spans); the tags are added to `found`."""
    if "#" not in text:
        return text
    if "`" in text:
        out: list[str] = []
        pos = 0
        for m in _CODE.finditer(text):
            out.append(take_tags(text[pos : m.start()], found))
            out.append(m.group(0))
            pos = m.end()
        if out:
            out.append(take_tags(text[pos:], found))
            return "".join(out)

    def drop(m: re.Match[str]) -> str:
        name = m.group(1).rstrip("/")
        if not _is_tag(name):
            return m.group(0)
        found.append(name)
        at_end = _REST_TAGS.match(text, m.end()) is not None
        return "" if at_end else m.group(1)

    out_text = _TAG.sub(drop, text)
    if out_text == text:
        return text
    return "\n".join(_SPACES.sub(" ", line).strip() for line in out_text.split("\n"))
