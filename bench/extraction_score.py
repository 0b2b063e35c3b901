"""Score flashgen's extractor on the labelled notes in bench/eval/.

Each `bench/eval/<name>.md` has its hand-checked cards in `<name>.expected.yaml`: a list
of `kind`, `front` and `back` (or `items` for key points). The script extracts the cards
of every note and prints precision and recall for definitions and for key points
(and, for information, for the explicit kinds: qa and cloze).

Matching rule: a found card matches an expected card when they have the same kind, the
same front after normalisation (whitespace collapsed, case-folded), and the same back
(or the same items, in order) after whitespace normalisation (runs of whitespace become
one space, ends stripped; the two-space indent of nested key points is kept). Each
expected card matches at most one found card. Precision = matched / found, recall =
matched / expected, per group.

    python bench/extraction_score.py            # the table
    python bench/extraction_score.py -v         # and every missed or extra card
    python bench/extraction_score.py --check    # exit 1 when a target is missed
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flashgen.extract import extract
from flashgen.notes import read_note

EVAL = Path(__file__).resolve().parent / "eval"
GROUPS = {
    "definitions": ("definition",),
    "key points": ("key_points",),
    "qa+cloze": ("qa", "cloze"),
}
TARGETS = {"definitions": (0.95, 0.90), "key points": (0.95, 0.90)}
"""(precision, recall) each group must reach; the explicit kinds are reported only."""

Key = tuple[str, str, str]


def _ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _item(text: str) -> str:
    indent = len(text) - len(text.lstrip(" "))
    return " " * indent + _ws(text)


def card_key(kind: str, front: str, back: str, items: list[str]) -> Key:
    """What two cards must share to match (see the module docstring)."""
    body = "\n".join(_item(i) for i in items) if kind == "key_points" else _ws(back)
    return kind, _ws(front).casefold(), body


def score_note(md: Path) -> tuple[Counter[Key], Counter[Key]]:
    """(found, expected) cards of one note, as multisets of match keys."""
    note, problems = read_note(md, md.parent)
    if note is None:
        raise SystemExit(f"{md}: {problems}")
    found = Counter(card_key(c.kind, c.front, c.back, list(c.items)) for c in extract(note).cards)
    raw = yaml.safe_load(md.with_suffix(".expected.yaml").read_text(encoding="utf-8")) or []
    expected = Counter(
        card_key(c["kind"], c["front"], c.get("back", ""), c.get("items", [])) for c in raw
    )
    return found, expected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list missed and extra cards")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--eval", type=Path, default=EVAL, help="folder of labelled notes")
    args = parser.parse_args(argv)
    totals = {g: Counter[str]() for g in GROUPS}
    notes = sorted(args.eval.glob("*.md"))
    for md in notes:
        found, expected = score_note(md)
        matched = found & expected
        for group, kinds in GROUPS.items():
            t = totals[group]
            t["found"] += sum(n for k, n in found.items() if k[0] in kinds)
            t["expected"] += sum(n for k, n in expected.items() if k[0] in kinds)
            t["matched"] += sum(n for k, n in matched.items() if k[0] in kinds)
        if args.verbose:
            for label, cards in (("extra", found - expected), ("missed", expected - found)):
                for kind, front, body in sorted(cards.elements()):
                    print(f"{md.name}: {label} {kind}: {front!r} -> {body[:90]!r}")
    print(f"{len(notes)} labelled notes in {args.eval}/")
    print(
        f"{'group':<12} {'found':>6} {'expected':>9} {'matched':>8} {'precision':>10} {'recall':>7}"
    )
    failed = False
    for group, t in totals.items():
        precision = t["matched"] / t["found"] if t["found"] else 1.0
        recall = t["matched"] / t["expected"] if t["expected"] else 1.0
        target = TARGETS.get(group)
        miss = target is not None and (precision < target[0] or recall < target[1])
        failed |= miss
        print(
            f"{group:<12} {t['found']:>6} {t['expected']:>9} {t['matched']:>8} "
            f"{precision:>10.3f} {recall:>7.3f}" + ("  below target" if miss else "")
        )
    return 1 if failed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
