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
    UnknownOption,
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
    with _mistyped_subcommand(argv):
        args = parse("", argv)
        if not (args.profile or args.profile_option):
            from awsenv.commands import picker

            # --no-prompt: fail instead of asking, a picker included.
            args.profile = picker.choose() if picker.available() and not args.no_prompt else None
        profile = profile_of(args, console)
        return _export(args, profile, console)


@contextmanager
def _mistyped_subcommand(argv: Sequence[str]) -> Iterator[None]:
    """`awsenv lsit`, `awsenv explian dev`: a first word that names no
    profile, close to a subcommand, is said to be the typo it is, whatever
    failed first (the profile not found, the extra word, the shell). A
    profile of that name keeps its own errors."""
    first = argv[0] if argv and not argv[0].startswith("-") else None
    try:
        yield
    except UnknownOption:
        raise  # named as it is: `awsenv lsit --bogus` is about --bogus first
    except (UsageError, UnknownProfile) as exc:
        if first is None or getattr(exc, "name", first) != first:
            raise  # about another word: a profile of the chain, say
        hint = mistyped_command(first)
        if hint is None or _is_profile(first):
            raise
        raise UsageError(hint) from None


def _is_profile(name: str) -> bool:
    """Only on a failure: the cheap header reader, else the full one."""
    from awsenv import profile_names

    names = profile_names.profile_names(os.environ)
    if names is None:
        from awsenv.core.obtain import load_files

        names = load_files(os.environ).names
    return name in names


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
