"""Score flashgen's extractor on a set of labelled notes (bench/eval/ by default).

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

Sets with styles: a set folder that holds a `styles.yaml` (a mapping of file-name prefix
to a description, e.g. `obsidian: Obsidian vault notes`) gets a second table, one row per
style (the notes whose name starts with `<prefix>-`) and a total: definitions and key
points precision and recall, MUST recall, and trap hits; then per-file MUST recall
(min and mean over the notes that have MUST cards). Such a set adds, per note:

- `must: true|false` on an expected card (absent counts as true): true is a card any
  careful student would make, false a card that is nice to have. MUST recall = matched
  MUST cards / MUST cards, all kinds together, with the matching rule above. Cards with
  `must: false` still count in precision and recall like any expected card.
- `<name>.traps.yaml`, optional: a list of `{front: ..., why: ...}`, text that must not
  become the front of a card. A trap hit is a found card of any kind whose front, after
  the front normalisation above, equals a trap's front. The table gives the number of
  trap fronts that became at least one card, out of the traps listed.

    python bench/extraction_score.py                        # the table
    python bench/extraction_score.py -v                     # and every missed or extra card
    python bench/extraction_score.py --check                # exit 1 when a target is missed
    python bench/extraction_score.py --set bench/eval-real  # another set (and its styles)
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
STYLES_FILE = "styles.yaml"


def _ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _item(text: str) -> str:
    indent = len(text) - len(text.lstrip(" "))
    return " " * indent + _ws(text)


def card_key(kind: str, front: str, back: str, items: list[str]) -> Key:
    """What two cards must share to match (see the module docstring)."""
    body = "\n".join(_item(i) for i in items) if kind == "key_points" else _ws(back)
    return kind, _ws(front).casefold(), body


def _expected(md: Path) -> list[dict[str, object]]:
    raw = yaml.safe_load(md.with_suffix(".expected.yaml").read_text(encoding="utf-8"))
    return list(raw or [])


def _key(c: dict[str, object]) -> Key:
    items = c.get("items", [])
    return card_key(
        str(c["kind"]),
        str(c["front"]),
        str(c.get("back", "")),
        [str(i) for i in items] if isinstance(items, list) else [],
    )


def found_cards(md: Path) -> Counter[Key]:
    """The cards flashgen extracts from one note, as a multiset of match keys."""
    note, problems = read_note(md, md.parent)
    if note is None:
        raise SystemExit(f"{md}: {problems}")
    return Counter(card_key(c.kind, c.front, c.back, list(c.items)) for c in extract(note).cards)


def score_note(md: Path) -> tuple[Counter[Key], Counter[Key]]:
    """(found, expected) cards of one note, as multisets of match keys."""
    return found_cards(md), Counter(_key(c) for c in _expected(md))


def must_cards(md: Path) -> Counter[Key]:
    """The expected cards of one note marked `must: true` (or with no `must`)."""
    return Counter(_key(c) for c in _expected(md) if c.get("must", True) is not False)


def trap_fronts(md: Path) -> set[str]:
    """Normalised fronts listed in `<name>.traps.yaml` (empty when there is none)."""
    path = md.with_suffix(".traps.yaml")
    if not path.exists():
        return set()
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return {_ws(str(t["front"])).casefold() for t in raw}


def _ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def _group_counts(
    found: Counter[Key], expected: Counter[Key], kinds: tuple[str, ...]
) -> Counter[str]:
    matched = found & expected
    return Counter(
        found=sum(n for k, n in found.items() if k[0] in kinds),
        expected=sum(n for k, n in expected.items() if k[0] in kinds),
        matched=sum(n for k, n in matched.items() if k[0] in kinds),
    )


def style_report(notes: list[Path], styles: dict[str, str], verbose: bool) -> None:
    """Print the per-style table and the per-file MUST recall of a set with styles."""
    rows: dict[str, Counter[str]] = {s: Counter() for s in styles}
    per_file: list[tuple[str, float]] = []
    for md in notes:
        style = next((s for s in styles if md.name.startswith(f"{s}-")), "(other)")
        row = rows.setdefault(style, Counter())
        found, expected = score_note(md)
        must = must_cards(md)
        traps = trap_fronts(md)
        row["notes"] += 1
        for short, group in (("def", "definitions"), ("kp", "key points")):
            for name, n in _group_counts(found, expected, GROUPS[group]).items():
                row[f"{short}_{name}"] += n
        must_hit = sum((found & must).values())
        row["must"] += sum(must.values())
        row["must_matched"] += must_hit
        hits = [k for k in found.elements() if k[1] in traps]
        row["traps"] += len(traps)
        row["trap_hits"] += len({k[1] for k in hits})
        if must:
            per_file.append((md.name, must_hit / sum(must.values())))
        if verbose:
            print(f"{md.name}: MUST recall {must_hit}/{sum(must.values())}")
            for kind, front, body in sorted(must - found):
                print(f"{md.name}: missed MUST {kind}: {front!r} -> {body[:90]!r}")
            for kind, front, body in sorted(hits):
                print(f"{md.name}: trap became a card {kind}: {front!r} -> {body[:90]!r}")
    total: Counter[str] = Counter()
    for row in rows.values():
        total.update(row)
    print()
    print("by style (P = precision, R = recall; MUST R = recall over must: true cards)")
    head = (
        f"{'style':<12} {'notes':>5} {'def P':>6} {'def R':>6} {'kp P':>6} {'kp R':>6} "
        f"{'MUST R':>7} {'MUST':>5} {'traps hit':>10}"
    )
    print(head)
    for style, row in [*rows.items(), ("total", total)]:
        if not row["notes"]:
            continue
        print(
            f"{style:<12} {row['notes']:>5} "
            f"{_ratio(row['def_matched'], row['def_found']):>6.3f} "
            f"{_ratio(row['def_matched'], row['def_expected']):>6.3f} "
            f"{_ratio(row['kp_matched'], row['kp_found']):>6.3f} "
            f"{_ratio(row['kp_matched'], row['kp_expected']):>6.3f} "
            f"{_ratio(row['must_matched'], row['must']):>7.3f} {row['must']:>5} "
            f"{row['trap_hits']:>5} /{row['traps']:>4}"
        )
    if per_file:
        low = min(per_file, key=lambda f: f[1])
        mean = sum(r for _, r in per_file) / len(per_file)
        print(
            f"per-file MUST recall over {len(per_file)} notes: min {low[1]:.3f} ({low[0]}), "
            f"mean {mean:.3f}; notes at 0: {sum(1 for _, r in per_file if r == 0)}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list missed and extra cards")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument(
        "--set",
        "--eval",
        dest="set",
        type=Path,
        default=EVAL,
        help="folder of labelled notes (default: bench/eval)",
    )
    args = parser.parse_args(argv)
    args.eval = args.set
    totals = {g: Counter[str]() for g in GROUPS}
    # A .md without an .expected.yaml (a README) is not a labelled note.
    notes = sorted(md for md in args.eval.glob("*.md") if md.with_suffix(".expected.yaml").exists())
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
    styles_file = args.eval / STYLES_FILE
    if styles_file.exists():
        styles = yaml.safe_load(styles_file.read_text(encoding="utf-8")) or {}
        style_report(notes, {str(k): str(v) for k, v in styles.items()}, args.verbose)
    return 1 if failed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
