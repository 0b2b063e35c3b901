"""Which emphasised lead-ins are labels rather than terms (a decision the rules share).

`**Note.**`, `**Example.**`, `**Proof.**`, `**Remark.**` and their kin are never terms.
Numbered labels are decided by what they head:

- `**Definition 6.1.** A *group* is …`: the label is not the term; the emphasised term in
  the sentence is (the `bold_sentences` rule makes that card).
- `**Theorem 2.2** (Handshake lemma). In every graph …`: a card named by the name in
  parentheses, its back the statement; with no statement after it, no card.
- `**Corollary 2.3.** Every graph has …`: a theorem-like label with no name; the card's
  front is the label itself (`Corollary 2.3`), as the statement is worth learning.
- `**Example 2.1.**`, `**Exercise 4.**`, `**Proof sketch.**`: never a card.
"""

from __future__ import annotations

import re

LABEL_WORDS = frozenset(
    (
        "note",
        "notes",
        "nb",
        "example",
        "examples",
        "worked example",
        "proof",
        "proof sketch",
        "sketch",
        "remark",
        "remarks",
        "exercise",
        "exercises",
        "solution",
        "hint",
        "warning",
        "tip",
        "caution",
        "aside",
        "notation",
        "problem",
        "problems",
        "recall",
        "reminder",
        "summary",
        "intuition",
        "motivation",
        "observation",
        "convention",
        "illustration",
        "key equation",
        "safety note",
        "check your understanding",
        "question",
        "answer",
        "homework",
        "reading",
        "definition",
        "definitions",
    )
)
"""Words that label a paragraph (alone or numbered): never a term."""

THEOREM_WORDS = frozenset(
    ("theorem", "lemma", "corollary", "proposition", "claim", "conjecture", "law", "principle")
)
"""Labels of a statement worth a card: by its name, or by the label when it has none."""

_NUMBERED = re.compile(r"^(?P<w>[^\W\d_][\w ]*?)\s*(?P<n>\d+(?:\.\d+)*[a-z]?)?\.?$")


def label_word(text: str) -> tuple[str, bool] | None:
    """`Theorem 2.2` → ("theorem", True); `Proof` → ("proof", False); a term → None."""
    m = _NUMBERED.match(text.strip().casefold())
    if m is None:
        return None
    word = m.group("w").strip()
    if word in LABEL_WORDS or word in THEOREM_WORDS:
        return word, m.group("n") is not None
    return None


def is_paragraph_label(text: str) -> bool:
    """`Note`, `Example 2.1`, `Definition 6.1`, `Theorem 3`: a label, not a term."""
    return label_word(text) is not None
