"""Obsidian, Logseq and Quartz notes read as plain notes, before the rules run.

`prepare` rewrites an outline's units so the rules see what the student sees in the app:

- wikilinks and note embeds as the text they show (wikilinks.py);
- inline `#tags` out of the text, collected for the note's cards (inline_tags.py);
- metadata fields (`created:: …`, `status:: …`, Logseq's `id::` and `collapsed::`) out,
  as they are never cards (fields.py);
- `%% comments %%` out (Obsidian hides them);
- Logseq task blocks (`TODO …`, `DONE …`, `LATER …`) out;
- Logseq's `{{cloze text}}` as flashgen's `{{c1::text}}`.

A note with none of `[[`, `#`, `::`, `%%`, `{{cloze` or a task word keeps its units as
they are: one pass of substring tests.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from flashgen.extract.fields import field, is_metadata
from flashgen.extract.inline_tags import take_tags
from flashgen.extract.outline import Unit
from flashgen.extract.wikilinks import plain_links

TASK_WORDS = frozenset(
    ("TODO", "DOING", "DONE", "LATER", "NOW", "WAITING", "WAIT", "CANCELED", "CANCELLED")
)
"""A Logseq block starting with one of these is a task, never a card."""
_COMMENT = re.compile(r"%%.*?%%", re.DOTALL)
_CLOZE = re.compile(r"\{\{cloze:?\s+(.+?)\s*\}\}")
_EXISTING_CLOZE = re.compile(r"\{\{c(\d+)::")
_READ = ("text", "item", "heading", "quote", "term", "desc")


def _touched(text: str) -> bool:
    return (
        "[[" in text
        or "#" in text
        or "::" in text
        or "%%" in text
        or "{{cloze" in text
        or text.split(" ", 1)[0] in TASK_WORDS
    )


def _cloze(text: str) -> str:
    n = max((int(x) for x in _EXISTING_CLOZE.findall(text)), default=0)

    def number(m: re.Match[str]) -> str:
        nonlocal n
        n += 1
        return f"{{{{c{n}::{m.group(1)}}}}}"

    return _CLOZE.sub(number, text)


def _without_metadata(text: str) -> str:
    """The lines of `text` that are not metadata fields."""
    if "::" not in text:
        return text
    kept = []
    for line in text.split("\n"):
        found = field(line.strip())
        if found is None or not is_metadata(*found):
            kept.append(line)
    return "\n".join(kept) if len(kept) != text.count("\n") + 1 else text


def prepare(units: Sequence[Unit]) -> tuple[Sequence[Unit], list[str]]:
    """The units as the rules should read them, and the inline tags found in them."""
    tags: list[str] = []
    out: list[Unit] | None = None
    dropped = False
    in_comment = False
    for k, unit in enumerate(units):
        text = unit.text
        if unit.kind not in _READ or not (in_comment or _touched(text)):
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
            new = plain_links(new)
        if "{{cloze" in new:
            new = _cloze(new)
        new = new.strip() if new != text else new
        if not new and unit.kind in ("text", "item"):
            dropped = True
            continue
        out.append(unit if new == text else replace(unit, text=new))
    if out is None:
        return units, tags
    return (_reflow(out) if dropped else out), tags


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
