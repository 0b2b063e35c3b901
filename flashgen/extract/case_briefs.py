"""A case brief in law notes: a heading that names a case (`### Lucy v. Zehmer (Va.
1954)`) over labelled lines (`**Facts:** …`, `**Holding:** …`, `**Rule:** …`) → a card
for the case, its back the rule the case stands for (the `Rule:` line). The labels
themselves are never terms (not_terms.LABELS); a case with no `Rule:` line makes no card
here. Part of the `heading_sentences` setting.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from flashgen.cards import Draft
from flashgen.extract.base import Match, logical_line
from flashgen.extract.markup import strip_emphasis
from flashgen.extract.outline import Unit

_CASE = re.compile(r"^[A-Z][\w.'’&-]*(?: [\w.'’&-]+)* v\. [A-Z]")
_RULE = re.compile(
    r"^(?:\*\*|__)?(?:Rule|Rule of law)(?::(?:\*\*|__)|(?:\*\*|__)?:)\s+(?P<d>\S.*)$"
)


def match(units: Sequence[Unit], i: int) -> Match | None:
    head = units[i]
    if head.kind != "heading" or " v. " not in head.text:
        return None
    name = strip_emphasis(head.text)
    if _CASE.match(name) is None:
        return None
    j = i + 1
    while j < len(units) and units[j].kind != "heading":
        if units[j].kind == "text" and "Rule" in units[j].text:
            text, _ = logical_line(units, j)
            m = _RULE.match(text)
            if m is not None:
                return Match(
                    (Draft("definition", name, m.group("d").strip(), line=head.line),), i + 1
                )
        j += 1
    return None
