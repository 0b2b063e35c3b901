"""Rename matching: which new card continues a card that disappeared in the same build.

A card's key is `note|kind|term`, so editing its term, renaming its note file or moving
the file gives it a new key. When a key disappears from a build and another appears, the
new card inherits the old card's GUID (and so its review history) if this rule pairs them:

Two cards are *candidates* when they have the same kind and note type and

1. they come from the same note and their terms are close, or
2. their terms share a name and their answers are close, or
3. their answers are the same and at least `MIN_TOKENS` words long.

A term's *names* are the term without its parenthesised parts and each parenthesised part:
`dvc (data version control)` has the names `dvc` and `data version control`, so it shares a
name with `dvc` and with `data version control`. Terms are *close* when they share a name
or a name of one is within `TERM_CLOSE` edit similarity of a name of the other:
`lakehouse architechture` → `lakehouse architecture`. Answers are compared as sets of words
(the rendered back, or a cloze's text): *same* from `ANSWER_SAME` Jaccard similarity,
*close* from `ANSWER_CLOSE`.

A candidate pair's strength is term (equal 2, close 1) + answer (same 2, close 1) + same
note (1). A pair is accepted when each card is the other's only strongest candidate; this
repeats over the cards still unpaired until nothing more is accepted. A new card that is
left with candidates had a tie: it is reported as ambiguous and becomes a new card. The
result depends only on the two sets of cards, never on their order.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

TERM_CLOSE = 0.8
"""Edit similarity (1 - Levenshtein distance / longer length) from which names are close."""
ANSWER_SAME = 0.8
"""Jaccard similarity of answer words from which answers are the same."""
ANSWER_CLOSE = 0.5
"""Jaccard similarity of answer words from which answers are close."""
MIN_TOKENS = 4
"""Fewer distinct answer words than this cannot pair two cards with different terms."""

_KEY = re.compile(r"^(?P<note>.*)\|(?P<kind>[a-z_]+)\|(?P<term>.*?)(?:#(?P<n>\d+))?$", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_CLOZE = re.compile(r"\{\{c\d+::(.*?)(?:::[^}]*)?\}\}", re.DOTALL)
_WORD = re.compile(r"\w+")
_PARENS = re.compile(r"\(([^()]*)\)")


@dataclass(frozen=True, slots=True)
class Sketch:
    """What the matcher knows of one card."""

    key: str
    note: str
    """`Note.key` part of the card key."""
    kind: str
    term: str
    """Normalised term (without the `#n` of a repeated term)."""
    model: str
    """Note type: cards of different note types never pair (Anki cannot convert them)."""
    names: frozenset[str]
    """The term's names: without parenthesised parts, and each parenthesised part."""
    words: frozenset[str]
    """Distinct case-folded words of the answer."""


@dataclass(frozen=True, slots=True)
class Ambiguity:
    """A new card with more than one equally good old card (or sharing its best with another)."""

    new: str
    """Key of the new card, which becomes a new Anki note."""
    old: tuple[str, ...]
    """Keys of the old cards it could continue, sorted."""
    rivals: tuple[str, ...]
    """Keys of other new cards that are as good a match for those old cards, sorted."""


@dataclass(frozen=True, slots=True)
class Matches:
    """The matcher's decisions."""

    pairs: Mapping[str, str]
    """New key → old key whose GUID it inherits."""
    ambiguous: tuple[Ambiguity, ...] = ()


def answer_text(model: str, fields: Sequence[str]) -> str:
    """The part of a note that answers it, as plain text: Back, or a cloze's Text."""
    if not fields:
        return ""
    raw = fields[0] if model == "cloze" else (fields[1] if len(fields) > 1 else "")
    return html.unescape(_TAG.sub(" ", _CLOZE.sub(r"\1", raw)))


def sketch(key: str, model: str, fields: Sequence[str]) -> Sketch:
    """Parse a card key and its rendered fields into what the rule compares."""
    m = _KEY.match(key)
    note, kind, term = (m["note"], m["kind"], m["term"]) if m else ("", "", key)
    names = {_squash(_PARENS.sub(" ", term)), *(_squash(p) for p in _PARENS.findall(term))}
    words = frozenset(_WORD.findall(answer_text(model, fields).casefold()))
    return Sketch(key, note, kind, term, model, frozenset(n for n in names if n), words)


def _squash(text: str) -> str:
    return " ".join(text.split())


def similarity(a: str, b: str) -> float:
    """1 - Levenshtein distance / length of the longer string (1.0 for two empty strings)."""
    if a == b:
        return 1.0
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return 1.0 - previous[-1] / len(a)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Shared words / all words; 0.0 when both are empty (no answer says nothing)."""
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared) if a or b else 0.0


def term_level(a: Sketch, b: Sketch) -> int:
    """2 equal, 1 close, 0 neither."""
    if a.term == b.term:
        return 2
    if a.names & b.names:
        return 1
    # Names differing in length by more than the threshold allows cannot be close.
    for x in a.names:
        for y in b.names:
            if min(len(x), len(y)) >= TERM_CLOSE * max(len(x), len(y)) and (
                similarity(x, y) >= TERM_CLOSE
            ):
                return 1
    return 0


def answer_level(a: Sketch, b: Sketch) -> int:
    """2 same, 1 close, 0 neither."""
    j = jaccard(a.words, b.words)
    return 2 if j >= ANSWER_SAME else 1 if j >= ANSWER_CLOSE else 0


def strength(old: Sketch, new: Sketch) -> int:
    """How strongly `new` continues `old`; 0 when the rule does not make them candidates."""
    if old.kind != new.kind or old.model != new.model:
        return 0
    same_note = old.note == new.note
    answer = answer_level(old, new)
    by_name = answer >= 1 and bool(old.names & new.names)
    by_answer = answer == 2 and min(len(old.words), len(new.words)) >= MIN_TOKENS
    if not (same_note or by_name or by_answer):
        return 0
    # Only now the edit distance, the one costly comparison.
    term = term_level(old, new)
    if not (by_name or by_answer or term >= 1):
        return 0
    return term + answer + int(same_note)


def _note_block(s: Sketch) -> list[tuple[str, str]]:
    return [(s.note, s.kind)]


def _name_blocks(s: Sketch) -> list[tuple[str, str]]:
    return [(name, s.kind) for name in s.names]


def _pairs_to_score(old: Sequence[Sketch], new: Sequence[Sketch]) -> set[tuple[int, int]]:
    """Index pairs that can be candidates, without comparing every old card with every new one.

    A candidate pair shares its note (rule 1), a name (rule 2) or most of its answer words
    (rule 3). Answers that are the same share at least ceil(ANSWER_SAME * n) of each side's
    n words, so they share one of each side's rarest n - ceil(ANSWER_SAME * n) + 1 words
    (prefix filtering), and neither has fewer than ANSWER_SAME times the other's words.
    """
    out: set[tuple[int, int]] = set()
    for block in (_note_block, _name_blocks):
        index: dict[tuple[str, str], list[int]] = {}
        for i, o in enumerate(old):
            for b in block(o):
                index.setdefault(b, []).append(i)
        for j, n in enumerate(new):
            for b in block(n):
                out.update((i, j) for i in index.get(b, ()))
    frequency: dict[str, int] = {}
    for s in (*old, *new):
        for w in s.words:
            frequency[w] = frequency.get(w, 0) + 1

    def prefix(words: frozenset[str]) -> list[str]:
        if len(words) < MIN_TOKENS:
            return []
        ordered = sorted(words, key=lambda w: (frequency[w], w))
        return ordered[: len(ordered) - math.ceil(ANSWER_SAME * len(ordered)) + 1]

    by_word: dict[str, list[int]] = {}
    for i, o in enumerate(old):
        for w in prefix(o.words):
            by_word.setdefault(w, []).append(i)
    for j, n in enumerate(new):
        size = len(n.words)
        for w in prefix(n.words):
            out.update(
                (i, j)
                for i in by_word.get(w, ())
                if ANSWER_SAME * size <= len(old[i].words) <= size / ANSWER_SAME
            )
    return out


def match(old: Iterable[Sketch], new: Iterable[Sketch]) -> Matches:
    """Pair new cards with old ones by the rule in this module's docstring."""
    olds = sorted(old, key=lambda s: s.key)
    news = sorted(new, key=lambda s: s.key)
    scores: dict[tuple[int, int], int] = {}
    for i, j in _pairs_to_score(olds, news):
        s = strength(olds[i], news[j])
        if s:
            scores[(i, j)] = s
    pairs: dict[str, str] = {}
    free_old = set(range(len(olds)))
    free_new = set(range(len(news)))
    while True:
        best_old = _best(scores, free_old, free_new, side=0)
        best_new = _best(scores, free_old, free_new, side=1)
        accepted = [
            (next(iter(top)), j)
            for j, top in best_new.items()
            if len(top) == 1 and best_old.get(next(iter(top))) == {j}
        ]
        if not accepted:
            break
        for i, j in accepted:
            pairs[news[j].key] = olds[i].key
            free_old.discard(i)
            free_new.discard(j)
    ambiguous = []
    best_old = _best(scores, free_old, free_new, side=0)
    for j, top in sorted(_best(scores, free_old, free_new, side=1).items()):
        rivals = {r for i in top for r in best_old[i]} - {j}
        ambiguous.append(
            Ambiguity(
                news[j].key,
                tuple(sorted(olds[i].key for i in top)),
                tuple(sorted(news[r].key for r in rivals)),
            )
        )
    return Matches(pairs, tuple(sorted(ambiguous, key=lambda a: a.new)))


def _best(
    scores: Mapping[tuple[int, int], int], free_old: set[int], free_new: set[int], side: int
) -> dict[int, set[int]]:
    """For each free card on `side` (0 old, 1 new), its strongest free candidates."""
    best: dict[int, tuple[int, set[int]]] = {}
    for pair, s in scores.items():
        i, j = pair
        if i not in free_old or j not in free_new:
            continue
        me, other = pair[side], pair[1 - side]
        top = best.get(me)
        if top is None or s > top[0]:
            best[me] = (s, {other})
        elif s == top[0]:
            top[1].add(other)
    return {k: v[1] for k, v in best.items()}
