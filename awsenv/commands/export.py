"""`awsenv PROFILE`: refresh what the profile needs and print shell code that exports it."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from awsenv.commands.shared import (
    check_stdout,
    obtain_for,
    parse,
    profile_of,
    say_notices,
    shell_named,
    write,
)
from awsenv.stderr import Console


def run(argv: Sequence[str], console: Console) -> int:
    args = parse("", argv)
    profile = profile_of(args, console)
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
