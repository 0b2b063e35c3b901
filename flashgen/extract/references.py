"""Reference sections and link-only values: never cards (a decision the rules share).

- A heading or lead-in that names a reference section (`References`, `Further reading`,
  `Additional References`, `Resources`, `See also`, `Bibliography`, `Links to this page` …)
  heads no key-points card: its items are readings, not facts.
- A `Label: value` whose value is only a link, a quoted link, or a list of links
  (`Further reading: "[Feature Stores Explained](https://…)"`) is no definition.
"""

from __future__ import annotations

import re

from flashgen.extract.markup import strip_emphasis

REFERENCE_WORDS = (
    "references",
    "reference",
    "refs",
    "bibliography",
    "bibliographic notes",
    "further reading",
    "further readings",
    "reading list",
    "readings",
    "resources",
    "see also",
    "links",
    "sources",
    "related",
    "related lists",
    "related terms",
    "related notes",
    "links to this page",
    "backlinks",
    "citations",
    "works cited",
)
_REFERENCE = re.compile(
    r"^(?:additional|more|other|useful|external|further|recommended|suggested|key|main)?\s*(?:"
    + "|".join(re.escape(w) for w in REFERENCE_WORDS)
    + r")(?:\s+(?:and|&)\s+\w+)?(?:\s+for\b.*)?$"
)
_ONE_LINK = r"""["“'\u2018]?(?:\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])|\[\[[^\]]+\]\]|<?https?://\S+?>?)["”'\u2019]?"""
_LINKS_ONLY = re.compile(rf"^{_ONE_LINK}(?:\s*[,;·|/]?\s*(?:and\s+)?{_ONE_LINK})*[.,;]?$")


def is_reference_heading(text: str) -> bool:
    """`## Further reading`, `**Additional References:**`, `Sources for the essay`."""
    t = strip_emphasis(text).strip().rstrip(":").strip().casefold()
    return _REFERENCE.match(t) is not None


def is_links_only(text: str) -> bool:
    """`[Feature Stores](https://…)`, `"[A](…)"`, `[[A]], [[B]]`: links and nothing else."""
    t = text.strip()
    if not t or t[0] not in "\"“'\u2018[<h":
        return False
    return _LINKS_ONLY.match(t) is not None
