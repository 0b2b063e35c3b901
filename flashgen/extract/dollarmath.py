"""Where markdown-it-py's dollarmath plugin finds `$$` blocks, for markdown-it-pyrs, which
has no math plugin: `blocks` cuts a note at its top-level math blocks with this rule.
"""

from __future__ import annotations

import re

MATH_LINE = re.compile(r"^[ \t>*+\-:~0-9.)]*\$\$", re.MULTILINE)
"""A line on which markdown-it-py's dollarmath might open a `$$` block (a superset)."""
_EQNO_REVERSED = re.compile(r"^\s*\)([^)$\r\n]+?)\(\s*\${2}")
_LABEL_SPACE = re.compile(r"\s+")


def math_block(lines: list[str], start: int) -> tuple[str, list[int], str, str] | None:
    """dollarmath's block rule at a top-level line (mdit_py_plugins 0.7, labels and blank
    lines allowed): the `math_block` or `math_block_label` token's type, map, content and
    info, or None."""
    line = lines[start]
    text = line.lstrip(" \t")
    if not text.startswith("$$"):
        return None
    end_line = start
    label = None
    content_end = -1
    stripped = text.strip()
    if len(stripped) > 3:
        if stripped.endswith("$$"):
            content_end = len(text) - 2 - (len(text) - len(stripped))
        else:
            trailing_close = "$$" in text[2:]
            match = _EQNO_REVERSED.match(text[::-1])
            if match:
                label = match.group(1)[::-1]
                content_end = len(text) - match.end()
            elif trailing_close:
                return None
    if content_end < 0:
        for end_line in range(start + 1, len(lines)):
            text = lines[end_line].lstrip(" \t")
            stripped = text.strip()
            if stripped.endswith("$$"):
                content_end = len(text) - 2 - (len(text) - len(stripped))
                break
            match = _EQNO_REVERSED.match(text[::-1])
            if match:
                label = match.group(1)[::-1]
                content_end = len(text) - match.end()
                break
        else:
            return None
    first = lines[start].lstrip(" \t")
    if end_line == start:
        content = first[2:content_end]
    else:
        middle = "".join(ln + "\n" for ln in lines[start + 1 : end_line])
        last = lines[end_line]
        content = first[2:] + "\n" + middle + last[: len(last) - len(text) + content_end]
    if label:
        info = _LABEL_SPACE.sub("-", label)
        return "math_block_label", [start, end_line + 1], content, info
    return "math_block", [start, end_line + 1], content, ""
