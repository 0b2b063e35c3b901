"""Obsidian, Logseq and Quartz notes read as plain notes, before the rules run.

`prepare` rewrites an outline's units so the rules see what the student sees in the app:

- wikilinks and note embeds as the text they show (wikilinks.py);
- inline `#tags` out of the text, collected for the note's cards (inline_tags.py);
- metadata fields (`created:: …`, `status:: …`, Logseq's `id::` and `collapsed::`) out,
  as they are never cards (fields.py);
- `%% comments %%` out (Obsidian hides them);
- Logseq task blocks (`TODO …`, `DONE …`, `LATER …`) out;
- navigation out: a line or item of wikilinks only (`Related: [[A]] · [[B]]`), a
  `Next:`/`Up:`/`See also:` line with a wikilink, a wikilink item under a `See also`,
  `Related`, `Backlinks` or `Links to this page` heading;
- Logseq's `{{cloze text}}` (and logseq-anki-sync's `{{c2 text}}`) as flashgen's
  `{{c1::text}}` (`{{c2::text}}`);
- Logseq's `SCHEDULED: <…>` and `DEADLINE: <…>` lines out.

A note with none of `[[`, `#`, `::`, `%%`, `{{c`, `: <` or a task word keeps its units
as they are: one pass of substring tests.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from flashgen.extract.fields import DEFINITION_KEYS, field, is_metadata
from flashgen.extract.inline_tags import take_tags
from flashgen.extract.outline import Unit
from flashgen.extract.wikilinks import plain_links

TASK_WORDS = frozenset(
    ("TODO", "DOING", "DONE", "LATER", "NOW", "WAITING", "WAIT", "CANCELED", "CANCELLED")
)
"""A Logseq block starting with one of these is a task, never a card."""
_TASK_STARTS = frozenset(word[:2] for word in TASK_WORDS)
_COMMENT = re.compile(r"%%.*?%%", re.DOTALL)
_CLOZE = re.compile(r"\{\{(?:cloze:?|c(\d+))\s+(.+?)\s*\}\}")
_SCHEDULED = re.compile(r"^(?:SCHEDULED|DEADLINE): <[^>\n]*>[ \t]*$", re.MULTILINE)
_EXISTING_CLOZE = re.compile(r"\{\{c(\d+)(?:::|\s)")
_READ = ("text", "item", "heading", "quote", "term", "desc")
_LINK = r"(?:\[\[[^\[\]\n]+\]\]|\[[^\[\]\n]*\]\([^()\s]*\))"
_LINKS_ONLY = re.compile(
    rf"^(?:[^:\[\]\n]{{1,40}}:\s*)?{_LINK}(?:\s*(?:[,·|;/–—•-]|and)?\s*{_LINK})*\s*\.?$"
)
"""A line of links, perhaps after a label: `Related: [[A]] · [[B]]`, `[[Sleep and memory]]`."""
_NAVIGATION_LABELS = frozenset(
    ("next", "previous", "prev", "up", "parent", "see also", "see", "related", "links", "backlinks")
)
NAVIGATION_HEADINGS = frozenset(
    ("see also", "related", "links", "backlinks", "links to this page", "references", "moc")
)
"""Sections of links to other pages: a wikilink item under one is navigation."""


def _cloze(text: str) -> str:
    n = max((int(x) for x in _EXISTING_CLOZE.findall(text)), default=0)

    def number(m: re.Match[str]) -> str:
        nonlocal n
        if m.group(1):
            return f"{{{{c{m.group(1)}::{m.group(2)}}}}}"
        n += 1
        return f"{{{{c{n}::{m.group(2)}}}}}"

    return _CLOZE.sub(number, text)


def _without_metadata(text: str) -> str:
    """The lines of `text` that are not metadata fields."""
    if "::" not in text:
        return text
    kept = []
    for k, line in enumerate(text.split("\n")):
        found = field(line.strip())
        if found is None or not is_metadata(*found):
            kept.append(line)
        elif k and found[0].lower() in DEFINITION_KEYS and found[1]:
            kept.append(line)  # `- White dwarf` / `definition:: …`: fields.match reads it
    return "\n".join(kept) if len(kept) != text.count("\n") + 1 else text


def prepare(units: Sequence[Unit]) -> tuple[Sequence[Unit], list[str]]:
    """The units as the rules should read them, and the inline tags found in them."""
    tags: list[str] = []
    out: list[Unit] | None = None
    dropped = False
    in_comment = False
    links_section = False
    for k, unit in enumerate(units):
        text = unit.text
        kind = unit.kind
        if kind == "heading":
            links_section = text.strip().rstrip(":").casefold() in NAVIGATION_HEADINGS
        if (
            not (
                in_comment
                # _touched, written out: it runs for every unit of every note.
                or "[[" in text
                or "#" in text
                or "::" in text
                or "%%" in text
                or "{{c" in text
                or ": <" in text
                or (text[:2] in _TASK_STARTS and text.split(" ", 1)[0] in TASK_WORDS)
            )
            or kind not in _READ
        ):
            if out is not None:
                out.append(unit)
            continue
        if out is None:
            out = list(units[:k])
        new = text
        if in_comment or "%%" in new:
            new, in_comment = _uncomment(new, in_comment)
        if unit.kind == "item" and new.split(" ", 1)[0] in TASK_WORDS:
            new = ""
        if "#" in new:
            new = take_tags(new, tags)  # a tag in a field (`status:: #seedling`) counts too
        if "::" in new and unit.kind in ("text", "item"):
            new = _without_metadata(new)
        if "[[" in new:
            if _is_navigation(new, links_section and unit.kind == "item"):
                new = ""
            else:
                new = plain_links(new)
        if "{{c" in new:
            new = _cloze(new)
        if ": <" in new:
            new = _SCHEDULED.sub("", new).strip()
        new = new.strip() if new != text else new
        if not new:  # a line of tags, metadata, a comment, a task: nothing left to read
            dropped = True
            continue
        out.append(unit if new == text else replace(unit, text=new))
    if out is None:
        return units, tags
    return (_reflow(out) if dropped else out), tags


def _is_navigation(text: str, in_links_section: bool) -> bool:
    """A line that only points at other pages (see NAVIGATION_HEADINGS, _LINKS_ONLY)."""
    if in_links_section and text.startswith("[["):
        return True
    if "\n" not in text and _LINKS_ONLY.match(text):
        return True
    label, colon, _ = text.partition(":")
    return bool(colon) and label.strip().casefold() in _NAVIGATION_LABELS


def _uncomment(text: str, in_comment: bool) -> tuple[str, bool]:
    """`text` without its `%% … %%` comments; whether a comment is still open at its end."""
    if in_comment:
        end = text.find("%%")
        if end < 0:
            return "", True
        text = text[end + 2 :]
    text = _COMMENT.sub("", text)
    start = text.find("%%")
    if start >= 0:
        return text[:start], True
    return text, False


def _reflow(units: list[Unit]) -> list[Unit]:
    """First and last lines of paragraphs again, after lines were taken out."""
    out: list[Unit] = []
    for k, unit in enumerate(units):
        if unit.kind != "text":
            out.append(unit)
            continue
        prev = units[k - 1] if k else None
        nxt = units[k + 1] if k + 1 < len(units) else None
        first = prev is None or prev.kind != "text" or prev.group != unit.group
        last = nxt is None or nxt.kind != "text" or nxt.group != unit.group
        cont = unit.cont and not first
        if (first, last, cont) != (unit.first, unit.last, unit.cont):
            unit = replace(unit, first=first, last=last, cont=cont)
        out.append(unit)
    return out
