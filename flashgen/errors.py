"""The errors that stop a whole build; problems with one note are `cards.Problem`s instead."""

from __future__ import annotations

import click


class FlashgenError(click.ClickException):
    """A user-facing error: Click prints ``Error: <message>`` and exits 1."""


class ConfigError(FlashgenError):
    """Bad arguments or configuration; exits 2 like Click's own usage errors."""

    exit_code = 2


class LockError(FlashgenError):
    """The lock file is unreadable, from a newer flashgen, or held by another build."""
