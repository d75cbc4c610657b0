"""`awsenv PROFILE`: refresh what the profile needs and print shell code that exports it.

`awsenv` alone, with a person at the terminal, offers a picker of the
profiles (commands/picker.py) and exports the one chosen, as if it had been
named; without a terminal it is the usage error it always was."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from awsenv.commands.shared import (
    ExtraWords,
    check_stdout,
    mistyped_command,
    obtain_for,
    parse,
    profile_of,
    say_notices,
    shell_named,
    write,
)
from awsenv.errors import UnknownProfile, UsageError
from awsenv.stderr import Console


def run(argv: Sequence[str], console: Console) -> int:
    with _mistyped_subcommand(argv, ExtraWords):
        args = parse("", argv)
    with _mistyped_subcommand(argv, UnknownProfile):
        if not (args.profile or args.profile_option):
            from awsenv.commands import picker

            args.profile = picker.choose() if picker.available() else None
        profile = profile_of(args, console)
        return _export(args, profile, console)


@contextmanager
def _mistyped_subcommand(argv: Sequence[str], error: type[Exception]) -> Iterator[None]:
    """`awsenv lsit`, `awsenv explian dev`: a first word that names no
    profile (`error` is UnknownProfile for it) or leaves extra words
    (ExtraWords, from the parser) but is close to a subcommand is said to be
    the typo it is."""
    first = argv[0] if argv and not argv[0].startswith("-") else None
    try:
        yield
    except error as exc:
        named = getattr(exc, "name", first)
        hint = mistyped_command(first) if first is not None and named == first else None
        if hint is None:
            raise
        raise UsageError(hint) from None


def _export(args: argparse.Namespace, profile: str, console: Console) -> int:
    check_stdout()
    to_terminal = sys.stdout.isatty()
    shell = shell_named(args.shell)

    from awsenv import fastpath
    from awsenv.aws.credentials import format_time

    with fastpath.recording(os.environ, profile, shell.name) as memo:
        outcome = obtain_for(args, profile, console, notices=False)
        if to_terminal:
            say_notices(outcome, console)
            from awsenv.render.templates import render_macro

            until = (
                format_time(outcome.exports.expiration)
                if outcome.exports.expiration
                else "no expiry"
            )
            console.say(f"profile {profile!r} is ready, valid until {until}; nothing was exported")
            line = render_macro(shell, "usage", profile=profile).strip()
            console.say(f"to export it into this shell, run: {line}")
            return 0
        from awsenv.render.templates import render_exports

        text = render_exports(shell, outcome.exports)
        write(text)
        say_notices(outcome, console)
        memo.printed(text, outcome)
    return 0
