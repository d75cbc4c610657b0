"""`awsenv PROFILE`: refresh what the profile needs and print shell code that exports it."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from awsenv.cli import export_parser, shell_named, write
from awsenv.console import Console
from awsenv.errors import NoTerminalError, UsageError


def run(argv: Sequence[str], console: Console) -> int:
    args = export_parser().parse_args(argv)
    if args.debug:
        console.enable_debug()
    if args.profile and args.profile_option:
        raise UsageError("give the profile once, either as PROFILE or as --profile")
    profile = args.profile_option or args.profile
    if not profile:
        raise UsageError("no profile given (see awsenv --help)")
    if sys.stdout is None:
        raise UsageError("stdout is closed: there is nowhere to print the shell code")
    to_terminal = sys.stdout.isatty()
    shell = shell_named(args.shell)
    if args.mfa_code:
        console.redact.add(args.mfa_code)

    from awsenv import fastpath
    from awsenv.core import Request, obtain
    from awsenv.credentials import format_time
    from awsenv.mfa import ask_terminal

    with fastpath.recording(os.environ, profile, shell.name) as memo:
        outcome = obtain(
            Request(profile, args.duration, args.refresh, args.mfa_code),
            ask=_no_prompt if args.no_prompt else ask_terminal,
            on_secret=console.redact.add,
            on_wait=console.say,
        )
        for notice in outcome.notices:
            console.say(notice)
        if to_terminal:
            from awsenv.render import render_macro

            until = (
                format_time(outcome.exports.expiration)
                if outcome.exports.expiration
                else "no expiry"
            )
            console.say(f"profile {profile!r} is ready, valid until {until}; nothing was exported")
            line = render_macro(shell, "usage", profile=profile).strip()
            console.say(f"to export it into this shell, run: {line}")
            return 0
        from awsenv.render import render_exports

        text = render_exports(shell, outcome.exports)
        write(text)
        memo.printed(text, outcome)
    return 0


def _no_prompt(serial: str, hint: str = "") -> str:
    raise NoTerminalError(f"an MFA code is needed for {serial}, and --no-prompt was given")
