"""One self-contained HTML page showing every card as Anki will: same templates, same CSS.

The note types' templates use a small part of Anki's template language, rendered here:
`{{Field}}`, `{{#Field}}…{{/Field}}`, `{{^Field}}…{{/Field}}`, `{{FrontSide}}` and
`{{cloze:Text}}`. Images are inlined as data URIs, so the page opens without a network.
"""

from __future__ import annotations

import base64
import html
import mimetypes
import os
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flashgen import anki
from flashgen.build import extract_all
from flashgen.cards import Problem
from flashgen.errors import FlashgenError
from flashgen.extract import Options
from flashgen.lockfile import write_atomic
from flashgen.media import MAX_MEDIA_BYTES, MediaFiles
from flashgen.output import plural
from flashgen.project import Project
from flashgen.render import Rendered, render

_SECTION = re.compile(r"\{\{([#^])([^}]+)\}\}(.*?)\{\{/\2\}\}", re.DOTALL)
_TAG = re.compile(r"\{\{([^}]+)\}\}")
_CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.DOTALL)
_SRC = re.compile(r"""(\bsrc=)(["'])([^"']+)\2""")


@dataclass(frozen=True, slots=True)
class PreviewCard:
    """One Anki card: a note rendered through one of its note type's templates."""

    rendered: Rendered
    template: str
    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class PreviewResult:
    """What `write_preview` wrote."""

    path: Path
    cards: int
    """Anki cards shown (a note with a reverse card counts twice)."""
    decks: int
    problems: tuple[Problem, ...]


def cloze(text: str, ordinal: int, answer: bool) -> str:
    """Anki's `{{cloze:Field}}` for card `ordinal`: its deletions hidden, or shown on the back."""

    def one(m: re.Match[str]) -> str:
        if int(m.group(1)) != ordinal:
            return m.group(2)
        if answer:
            return f'<span class="cloze">{m.group(2)}</span>'
        return f'<span class="cloze">[{m.group(3) or "..."}]</span>'

    return _CLOZE.sub(one, text)


def fill(template: str, fields: Mapping[str, str], ordinal: int = 1, answer: bool = False) -> str:
    """Render a card template with the subset of Anki's syntax flashgen's note types use."""

    def section(m: re.Match[str]) -> str:
        filled = bool(fields.get(m.group(2).strip(), "").strip())
        return m.group(3) if filled == (m.group(1) == "#") else ""

    def tag(m: re.Match[str]) -> str:
        name = m.group(1).strip()
        if name.startswith("cloze:"):
            return cloze(fields.get(name[6:], ""), ordinal, answer)
        return fields.get(name, "")

    previous = None
    while previous != template:
        previous, template = template, _SECTION.sub(section, template)
    return _TAG.sub(tag, template)


def cards_of(r: Rendered) -> list[PreviewCard]:
    """The Anki cards a note gives: one per template whose front is not empty, one per cloze."""
    if r.model == "cloze":
        fields = dict(zip(anki.CLOZE_FIELDS, r.fields, strict=True))
        numbers = sorted({int(n) for n, _, _ in _CLOZE.findall(fields["Text"])}) or [1]
        tmpl = anki._CLOZE_TMPLS[0]
        return [
            PreviewCard(
                r, f"Cloze {n}", fill(tmpl["qfmt"], fields, n), fill(tmpl["afmt"], fields, n, True)
            )
            for n in numbers
        ]
    fields = dict(zip(anki.BASIC_FIELDS, r.fields, strict=True))
    out = []
    for tmpl in anki._BASIC_TMPLS:
        question = fill(tmpl["qfmt"], fields)
        if not question.strip():
            continue
        answer = fill(tmpl["afmt"], {**fields, "FrontSide": question})
        out.append(PreviewCard(r, tmpl["name"], question, answer))
    return out


@lru_cache(maxsize=256)
def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _inline_media(text: str, media: Mapping[str, Path]) -> str:
    def one(m: re.Match[str]) -> str:
        path = media.get(urllib.parse.unquote(m.group(3)))
        if path is None:
            return m.group(0)
        return f"{m.group(1)}{m.group(2)}{_data_uri(path)}{m.group(2)}"

    return _SRC.sub(one, text) if media else text


def _source_link(card: PreviewCard, page_dir: Path) -> str:
    source = card.rendered.card.source
    target = Path(source.path).resolve()
    try:
        href = urllib.parse.quote(Path(os.path.relpath(target, page_dir)).as_posix())
    except ValueError:  # pragma: no cover - another drive on Windows
        href = target.as_uri()
    return f'<a class="fg-source-link" href="{href}">{html.escape(str(source))}</a>'


_PAGE_CSS = """
body.fg-preview { margin: 0; background: #f2f2f7; font-family: -apple-system, "Segoe UI",
  Roboto, "Helvetica Neue", Arial, sans-serif; color: #1d1d1f; }
.fg-preview > header, .fg-deck { max-width: 70em; margin: 0 auto; padding: 0 1em; }
.fg-preview h1 { font-size: 1.4em; margin: 0.8em 0 0.2em; }
.fg-preview nav a, .fg-source-link { color: #0a60c2; }
.fg-deck h2 { font-size: 1.15em; margin: 1.4em 0 0.5em; }
.fg-count { color: #6e6e73; font-weight: normal; }
.fg-preview-card { background: #fff; border: 1px solid #d1d1d6; border-radius: 8px;
  margin: 0 0 0.8em; overflow: hidden; }
.fg-sides { display: flex; flex-wrap: wrap; }
.fg-side { flex: 1 1 22em; min-width: 0; padding: 0.6em 0; }
.fg-side + .fg-side { border-left: 1px solid #e5e5ea; }
.fg-label, .fg-preview-card > footer { font-size: 12px; color: #6e6e73; padding: 0 12px; }
.fg-preview-card > footer { border-top: 1px solid #e5e5ea; padding: 0.4em 12px; }
"""


def preview_html(rendered: Sequence[Rendered], page_dir: Path) -> tuple[str, int, int]:
    """The page, with the number of cards and decks it shows."""
    by_deck: dict[str, list[PreviewCard]] = {}
    for r in rendered:
        media = {m.name: m.path for m in r.media}
        inlined = Rendered(
            r.card,
            r.model,
            tuple(_inline_media(f, media) for f in r.fields),
            r.media,
            r.problems,
        )
        by_deck.setdefault(r.card.deck, []).extend(cards_of(inlined))
    total = sum(len(cs) for cs in by_deck.values())
    decks = sorted(by_deck)
    nav = "".join(
        f'<li><a href="#deck-{i}">{html.escape(d)}</a> '
        f'<span class="fg-count">({len(by_deck[d])})</span></li>'
        for i, d in enumerate(decks, 1)
    )
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>flashgen preview</title>",
        f"<style>{_PAGE_CSS}</style>",
        f"<style>{anki.css()}</style>",
        '</head><body class="fg-preview">',
        (
            f"<header><h1>flashgen preview</h1><p>{plural(total, 'card')} in "
            f"{plural(len(decks), 'deck')}</p><nav><ul>{nav}</ul></nav></header>"
        ),
    ]
    for i, deck in enumerate(decks, 1):
        cards = by_deck[deck]
        parts.append(
            f'<section class="fg-deck" id="deck-{i}" data-deck="{html.escape(deck)}" '
            f'data-cards="{len(cards)}"><h2>{html.escape(deck)} '
            f'<span class="fg-count">{plural(len(cards), "card")}</span></h2>'
        )
        for c in cards:
            parts.append(
                f'<article class="fg-preview-card" data-kind="{c.rendered.card.kind}" '
                f'data-template="{html.escape(c.template)}"><div class="fg-sides">'
                f'<div class="fg-side"><div class="fg-label">Front</div>'
                f'<div class="card">{c.question}</div></div>'
                f'<div class="fg-side"><div class="fg-label">Back</div>'
                f'<div class="card">{c.answer}</div></div></div>'
                f"<footer>{_source_link(c, page_dir)} · {c.rendered.card.kind} · "
                f"{html.escape(c.template)}</footer></article>"
            )
        parts.append("</section>")
    parts.append("</body></html>\n")
    return "\n".join(parts), total, len(decks)


def write_preview(
    paths: Sequence[Path],
    out_file: Path,
    options: Options | None = None,
    max_media_bytes: int = MAX_MEDIA_BYTES,
    project: Project | None = None,
) -> PreviewResult:
    """Render every card of the notes into one HTML page at `out_file`."""
    extractions = extract_all(paths, options, project=project)
    files = MediaFiles(max_media_bytes)
    rendered = [render(card, ex.note, files) for ex in extractions for card in ex.cards]
    problems = (
        *(p for ex in extractions for p in ex.problems),
        *(p for r in rendered for p in r.problems),
    )
    page, cards, decks = preview_html(rendered, out_file.resolve().parent)
    try:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(out_file, page.encode("utf-8"))
    except OSError as exc:
        raise FlashgenError(
            f"cannot write {out_file}: {exc.strerror}; choose another file with -o FILE"
        ) from exc
    return PreviewResult(out_file, cards, decks, problems)
