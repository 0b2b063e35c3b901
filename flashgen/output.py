"""How flashgen talks: messages on stderr, data on stdout, colour and progress only on a terminal."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TextIO

import click

from flashgen.cards import Problem

_LEVEL_COLOURS = {"error": "red", "warning": "yellow"}


def plural(n: int, word: str) -> str:
    """`1 card`, `2 cards`."""
    return f"{n} {word}{'s' * (n != 1)}"


def colour_on(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return not os.environ.get("NO_COLOR") and stream.isatty()


def _stream(err: bool) -> TextIO:
    return click.get_text_stream("stderr" if err else "stdout")


def paint(text: str, fg: str, err: bool = True, bold: bool = False) -> str:
    """`text` in a colour when the stream it goes to shows colour."""
    return click.style(text, fg=fg, bold=bold) if colour_on(_stream(err)) else text


def problem_line(p: Problem, err: bool = True) -> str:
    """`path:line: level: message`, the level coloured on a terminal."""
    return f"{p.source}: {paint(p.level, _LEVEL_COLOURS[p.level], err, bold=True)}: {p.message}"


def echo(message: str, err: bool = True) -> None:
    """Print a line; messages go to stderr unless they are the command's data."""
    click.echo(message, err=err, color=colour_on(_stream(err)))


class Progress:
    """A one-line progress bar on stderr, drawn only on a terminal and only after `delay`.

    Quick builds print nothing; a long one shows the bar, then erases it when done.
    Use it as the build's `progress` callback; `close` it when the build ends.
    """

    def __init__(
        self,
        show: bool = True,
        stream: TextIO | None = None,
        delay: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = show and self.stream.isatty()
        self.delay = delay
        self.clock = clock
        self.start = clock()
        self.drawn = 0.0
        self.shown = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = self.clock()
        if not self.enabled or total <= 0 or now - self.start < self.delay:
            return
        if self.shown and now - self.drawn < 0.1:
            return  # a terminal redrawn more often than this only flickers
        width = 30
        filled = width * min(done, total) // total
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r\x1b[K{stage} [{bar}] {done}/{total}")
        self.stream.flush()
        self.drawn = now
        self.shown = True

    def close(self) -> None:
        """Erase the bar so the next message starts on a clean line."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False
