"""The command line: parse, call the core, render, write. Nothing else.

stdout is a protocol: it carries shell code and nothing else, and nothing at
all on failure. Everything for people goes to stderr through the Console.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from awsenv import __version__
from awsenv.console import Console
from awsenv.errors import EXIT_INTERRUPTED, AwsenvError, NoTerminalError, UsageError

if TYPE_CHECKING:
    from awsenv.shell import Shell

# What the init wrappers run as it is; everything else (a profile, `unset`)
# prints shell code, which they evaluate. New subcommands that print for
# people go here.
PASSTHROUGH = ("init", "-h", "--help", "--version")
# ... and these wherever they appear: their output is for people, not eval.
PASSTHROUGH_ANYWHERE = ("-h", "--help", "--version")

EPILOG = """\
use it as:  eval "$(awsenv PROFILE)"                      (bash, zsh, sh)
            awsenv PROFILE --shell fish | source         (fish)
            Invoke-Expression (awsenv PROFILE --shell pwsh)   (PowerShell)
or, after adding `awsenv init SHELL` to your shell's rc file, just: awsenv PROFILE

other commands:
  awsenv init SHELL      print the shell integration (a wrapper function and an expiry hook)
  awsenv unset           print code that removes every variable awsenv sets

exit status: 0 ok, 2 usage, 3 AWS config, 4 refused by AWS, 5 STS unreachable,
             6 another awsenv held a lock too long, 130 interrupted
"""


# `--name` up to any `=value`; of `-xVALUE`, only `-x`.
_OPTION_NAME = re.compile(r"--[A-Za-z][A-Za-z0-9-]*(?==|$)|-[A-Za-z]")


class _Parser(argparse.ArgumentParser):
    def parse_args(self, args: Sequence[str] | None = None, namespace: Any = None) -> Any:  # type: ignore[override]
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            raise UsageError(f"{self._unexpected(extras)} (see awsenv --help)")
        return parsed

    def _unexpected(self, extras: list[str]) -> str:
        """Name the first unknown option. Only an option's name is echoed, never
        a positional argument or an option's value: either could be an MFA code."""
        for arg in extras:
            match = _OPTION_NAME.match(arg)
            if match:
                name = match.group()
                known = [o for action in self._actions for o in action.option_strings]
                close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]}?" if close else ""
                return f"unknown option {name}{hint}"
        return "unexpected extra arguments (the MFA code goes after --mfa-code)"

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see awsenv --help)")

    def _print_message(self, message: str, file: Any = None) -> None:
        # Help and version are for people: when stdout is being captured for
        # eval, they go to stderr, so that no shell ever runs them.
        if message and (file is None or file is sys.stdout) and not sys.stdout.isatty():
            file = sys.stderr
        super()._print_message(message, file)


def _export_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="awsenv",
        description="Refresh an AWS profile's MFA session and role credentials and "
        "print shell code that exports them.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("profile", nargs="?", help="the AWS profile to export")
    parser.add_argument(
        "-p",
        "--profile",
        dest="profile_option",
        metavar="PROFILE",
        help="the profile, for names that clash with a subcommand",
    )
    _add_shell(parser)
    parser.add_argument("--mfa-code", metavar="CODE", help="the 6-digit MFA code (else: prompt)")
    parser.add_argument(
        "--duration",
        type=_seconds,
        metavar="SECONDS",
        help="lifetime of the credentials asked for (default: the profile's duration_seconds)",
    )
    parser.add_argument(
        "--refresh", action="store_true", help="get new credentials even if cached ones are valid"
    )
    parser.add_argument(
        "--no-prompt",
        action="store_true",
        help="fail instead of asking for an MFA code (for hooks and scripts)",
    )
    parser.add_argument("--debug", action="store_true", help="explain each step on stderr")
    parser.add_argument("--version", action="version", version=f"awsenv {__version__}")
    return parser


def _add_shell(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--shell",
        metavar="SHELL",
        help="bash, zsh, sh, fish or pwsh (default: the calling shell)",
    )


def _seconds(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of seconds: {text!r}") from None


def _shell(name: str | None) -> Shell:
    from awsenv import shell

    return shell.lookup(name) if name is not None else shell.detect()


def _write(text: str) -> None:
    from awsenv.output import write_stdout

    write_stdout(text)


def _cmd_export(argv: Sequence[str], console: Console) -> int:
    args = _export_parser().parse_args(argv)
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
    shell = _shell(args.shell)
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
        _write(text)
        memo.printed(text, outcome)
    return 0


def _no_prompt(serial: str, hint: str = "") -> str:
    raise NoTerminalError(f"an MFA code is needed for {serial}, and --no-prompt was given")


def _cmd_unset(argv: Sequence[str], console: Console) -> int:
    parser = _Parser(prog="awsenv unset", description="Print code that removes awsenv's variables.")
    _add_shell(parser)
    args = parser.parse_args(argv)
    from awsenv.exports import Exports
    from awsenv.render import render_exports

    _write(render_exports(_shell(args.shell), Exports.clear()))
    return 0


def _cmd_init(argv: Sequence[str], console: Console) -> int:
    parser = _Parser(prog="awsenv init", description="Print the shell integration.")
    parser.add_argument("shell", metavar="SHELL", help="bash, zsh, fish or pwsh")
    args = parser.parse_args(argv)
    from awsenv.render import render_macro

    _write(
        render_macro(
            _shell(args.shell),
            "init",
            passthrough=list(PASSTHROUGH),
            anywhere=list(PASSTHROUGH_ANYWHERE),
        )
    )
    return 0


def run(argv: Sequence[str], console: Console) -> int:
    first = argv[0] if argv else ""
    if first == "unset":
        return _cmd_unset(argv[1:], console)
    if first == "init":
        return _cmd_init(argv[1:], console)
    return _cmd_export(argv, console)


def main(argv: Sequence[str] | None = None) -> int:
    console = Console()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return run(args, console)
    except AwsenvError as exc:
        console.say(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        console.say("interrupted; nothing was changed")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away: quietly, as Unix tools do
        from awsenv.output import EXIT_BROKEN_PIPE

        return EXIT_BROKEN_PIPE
    except Exception as exc:  # the last line of defence: never a raw traceback
        if "--debug" in args:
            import traceback

            console.stream.write(console.redact(traceback.format_exc()))
        console.say(f"internal error ({type(exc).__name__}); run with --debug for details")
        return 1


if __name__ == "__main__":
    sys.exit(main())
