"""What the subcommands share: the argparse parser, the credential options,
the profile a call names, the call into the core for credentials, and writing
stdout. cli.py dispatches to the subcommands and is their one error boundary;
it imports nothing from here."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from awsenv import __version__
from awsenv.errors import NoTerminalError, UsageError
from awsenv.stderr import Console

if TYPE_CHECKING:
    from awsenv.core.obtain import Outcome
    from awsenv.shell import Shell

EPILOG = """\
use it as:  eval "$(awsenv PROFILE)"                      (bash, zsh, sh)
            awsenv PROFILE --shell fish | source         (fish)
            Invoke-Expression (awsenv PROFILE --shell pwsh)   (PowerShell)
or, after adding `awsenv init SHELL` to your shell's rc file, just: awsenv PROFILE

other commands:
  awsenv init SHELL      print the shell integration (a wrapper function and an expiry hook)
  awsenv unset           print code that removes every variable awsenv sets
  awsenv process PROFILE print credential_process JSON (credential_process = awsenv process PROFILE)
  awsenv exec PROFILE -- COMMAND [ARGS...]
                         run COMMAND with the profile's credentials in its environment

exit status: 0 ok, 2 usage, 3 AWS config, 4 refused by AWS, 5 STS unreachable,
             6 a lock held too long or not to be trusted, 130 interrupted,
             141 the reader of stdout went away (a closed pipe);
             exec: COMMAND's own status, 126 cannot run it, 127 not found
"""


# `--name` up to any `=value`; of `-xVALUE`, only `-x`.
_OPTION_NAME = re.compile(r"--[A-Za-z][A-Za-z0-9-]*(?==|$)|-[A-Za-z]")


class Parser(argparse.ArgumentParser):
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
                import difflib  # only for this message

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
        if message and (file is None or file is sys.stdout) and not _stdout_is_terminal():
            file = sys.stderr
        super()._print_message(message, file)


def _stdout_is_terminal() -> bool:
    return sys.stdout is not None and sys.stdout.isatty()


def export_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="awsenv",
        description="Refresh an AWS profile's MFA session and role credentials and "
        "print shell code that exports them.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_profile(parser, "the AWS profile to export")
    add_shell(parser)
    add_credential_options(parser)
    parser.add_argument("--version", action="version", version=f"awsenv {__version__}")
    return parser


def credential_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """The parser of a subcommand that obtains a profile's credentials."""
    parser = Parser(prog=prog, description=description)
    add_profile(parser, "the AWS profile")
    add_credential_options(parser)
    return parser


def add_profile(parser: argparse.ArgumentParser, what: str) -> None:
    """PROFILE, or -p/--profile for a name that is also a subcommand."""
    parser.add_argument("profile", nargs="?", help=what)
    parser.add_argument(
        "-p",
        "--profile",
        dest="profile_option",
        metavar="PROFILE",
        help="the profile, for names that clash with a subcommand",
    )


def add_credential_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--mfa-code",
        metavar="CODE",
        help="the 6-digit MFA code, or - to read it from stdin "
        "(else: the profile's mfa_process, else a prompt)",
    )
    parser.add_argument(
        "--duration",
        type=seconds,
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


def profile_of(args: argparse.Namespace, console: Console) -> str:
    """The profile a credential subcommand was given; turns on --debug."""
    if args.debug:
        console.enable_debug()
    if args.profile and args.profile_option:
        raise UsageError("give the profile once, either as PROFILE or as --profile")
    profile: str | None = args.profile_option or args.profile
    if not profile:
        raise UsageError("no profile given (see awsenv --help)")
    return profile


def obtain_for(
    args: argparse.Namespace, profile: str, console: Console, *, notices: bool = True
) -> Outcome:
    """Call the core for a credential subcommand and say its notices; a caller
    that still has output to write passes `notices=False` and says them after
    it (`say_notices`), so that a failure to write is its only line."""
    from awsenv.core.mfa_codes import ask_terminal
    from awsenv.core.obtain import Request, obtain

    code = _mfa_code(args.mfa_code)
    console.redact.add(code)
    outcome = obtain(
        Request(profile, args.duration, args.refresh, code),
        ask=_no_prompt if args.no_prompt else ask_terminal,
        on_secret=console.redact.add,
        on_wait=console.progress,
    )
    if notices:
        say_notices(outcome, console)
    return outcome


def say_notices(outcome: Outcome, console: Console) -> None:
    for notice in outcome.notices:
        console.say(notice)


def _mfa_code(given: str | None) -> str | None:
    if given != "-":
        return given
    # `--mfa-code -`: from a pipe, so that the code is on no command line.
    from awsenv.core.mfa_codes import code_from_stdin

    return code_from_stdin()


def _no_prompt(serial: str, hint: str = "") -> str:
    raise NoTerminalError(f"an MFA code is needed for {serial}, and --no-prompt was given")


def add_shell(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--shell",
        metavar="SHELL",
        help="bash, zsh, sh, fish or pwsh (default: the calling shell)",
    )


def seconds(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of seconds: {text!r}") from None


def shell_named(name: str | None) -> Shell:
    from awsenv import shell

    return shell.lookup(name) if name is not None else shell.detect()


def write(text: str) -> None:
    from awsenv.stdout import write_stdout

    write_stdout(text)


def check_stdout() -> None:
    """Fail now, before a code is spent, if stdout is closed (OutputError)."""
    from awsenv.stdout import check_open

    check_open()
