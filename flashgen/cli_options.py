"""The options and message helpers every command shares."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def _config_option(f: F) -> F:
    return click.option(
        "--config",
        "settings",
        multiple=True,
        metavar="FILE | 'KEY = VALUE'",
        help="Read this configuration file instead of looking for one, or set one key "
        "(repeatable; beats the file and frontmatter).",
    )(f)


def _paths_argument(f: F) -> F:
    return click.argument("paths", nargs=-1, type=click.Path(path_type=Path))(f)


def _quiet(quiet: bool) -> Callable[[str], None]:
    """A message printer that says nothing with -q."""
    from flashgen.output import echo

    return (lambda message: None) if quiet else echo


def _report_problems(problems: object, quiet: bool) -> int:
    from flashgen.cards import Problem

    count = 0
    assert isinstance(problems, tuple)
    for p in problems:
        assert isinstance(p, Problem)
        count += 1
        if not quiet:
            click.echo(str(p), err=True)
    return count


def _verbose_option(f: F) -> F:
    return click.option(
        "-v", "--verbose", is_flag=True, help="List each new, changed, renamed and removed card."
    )(f)


def _output_option(f: F) -> F:
    return click.option(
        "-o",
        "--output",
        "out_dir",
        type=click.Path(path_type=Path),
        default=None,
        help="Folder for the .apkg files and the lock file  [default: decks]",
    )(f)
