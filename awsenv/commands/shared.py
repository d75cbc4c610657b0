"""What the subcommands share: the argparse parser, the credential options,
the profile a call names, the call into the core for credentials, and writing
stdout. cli.py dispatches to the subcommands and is their one error boundary;
it imports nothing from here."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from awsenv import __version__
from awsenv.commandline import BY_NAME, EITHER, POSITIONAL, TABLE, Command, Option
from awsenv.errors import NoTerminalError, UsageError
from awsenv.stderr import Console

if TYPE_CHECKING:
    from awsenv.core.obtain import Outcome
    from awsenv.shell import Shell

USE = """\
use it as:  eval "$(awsenv PROFILE)"                      (bash, zsh, sh)
            awsenv PROFILE --shell fish | source         (fish)
            Invoke-Expression (awsenv PROFILE --shell pwsh)   (PowerShell)
or, after adding `awsenv init SHELL` to your shell's rc file, just: awsenv PROFILE
"""
EXIT_STATUS = """\
exit status: 0 ok, 2 usage, 3 AWS config, 4 refused by AWS, 5 STS unreachable,
             6 a lock held too long or not to be trusted, 130 interrupted,
             141 the reader of stdout went away (a closed pipe);
             exec: COMMAND's own status, 126 cannot run it, 127 not found
"""


def epilog() -> str:
    """`awsenv --help`'s list of commands: every row of the table."""
    lines = [USE, "commands (awsenv COMMAND --help for its options):"]
    for command in TABLE:
        usage = command.usage()
        gap = "\n" + " " * 36 if len(usage) > 33 else " " * (34 - len(usage))
        lines.append(f"  {usage}{gap}{command.summary}")
    return "\n".join(lines) + "\n\n" + EXIT_STATUS


# `--name` up to any `=value`; of `-xVALUE`, only `-x`.
_OPTION_NAME = re.compile(r"--[A-Za-z][A-Za-z0-9-]*(?==|$)|-[A-Za-z]")


class UnknownOption(UsageError):
    """An option the row does not know: said by its name, whatever else is wrong."""


class Parser(argparse.ArgumentParser):
    command = BY_NAME[""]  # the row of the table it parses (parser_for sets it)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Whole option names only: the fast path (commandline.read) and the
        # shell wrappers read `--shell` by its name, so `--sh fish` taken as
        # `--shell fish` here had a wrapper run fish's code in bash. An
        # abbreviation is "unknown option --sh; did you mean --shell?".
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def parse_args(self, args: Sequence[str] | None = None, namespace: Any = None) -> Any:  # type: ignore[override]
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            error = UnknownOption if any(_OPTION_NAME.match(arg) for arg in extras) else UsageError
            raise error(f"{self._unexpected(extras)} (see awsenv --help)")
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
        name = self.command.name
        if self.command.rest:
            return f"{name} runs what follows --; usage: {self.command.usage()}"
        if name and not self.command.profile and not self.command.words:
            return f"{name} takes no profile"
        return "unexpected extra arguments (the MFA code goes after --mfa-code)"

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see awsenv --help)")


def parser_for(name: str) -> Parser:
    """The argparse parser of a row of the table ("" is the export). --help
    and --version print on stdout: a person asked for them, and the init
    wrappers run them without eval."""
    command = BY_NAME[name]
    parser = Parser(
        prog=f"awsenv {name}".strip(),
        # The table's usage where argparse's would mislead: COMMAND after `--`,
        # and a profile it shows as optional ([profile]) because -p may give it.
        usage=command.usage() if command.rest or command.profile == EITHER else None,
        description=command.about[:1].upper() + command.about[1:],
        epilog=epilog() if not name else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _fill(parser, command)
    if not name:
        parser.add_argument("--version", action="version", version=f"awsenv {__version__}")
    return parser


def _fill(parser: Parser, command: Command) -> None:
    """A row's arguments and options; its actions as sub-parsers (`action`)."""
    parser.command = command
    if command.actions:
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        for row in command.actions:
            sub = actions.add_parser(
                row.word,
                help=row.summary,
                description=row.summary[:1].upper() + row.summary[1:],
            )
            _fill(sub, row)
    if command.profile == EITHER:
        parser.add_argument(
            "profile", nargs="?", metavar="PROFILE", help="the AWS profile (or -p PROFILE)"
        )
    elif command.profile == POSITIONAL:
        parser.add_argument("profile", metavar="PROFILE", help="the AWS profile")
    for metavar, what in command.words:
        parser.add_argument(metavar.lower(), metavar=metavar, help=what)
    for option in command.all_options():
        _add(parser, option)


def _add(parser: argparse.ArgumentParser, option: Option) -> None:
    extra: dict[str, Any] = {}
    if option.dest:
        extra["dest"] = option.dest
    if option.metavar is None:
        extra["action"] = "store_true"
    elif option.repeat:
        extra.update(action="append", default=[], metavar=option.metavar)
    else:
        extra["metavar"] = option.metavar
    if option.parse:
        extra["type"] = {"seconds": seconds, "int": int, "duration": duration}[option.parse]
    parser.add_argument(*option.flags, help=option.help, **extra)


def parse(name: str, argv: Sequence[str]) -> argparse.Namespace:
    """argv as the row `name` of the table reads it (UsageError if it does not)."""
    parsed: argparse.Namespace = parser_for(name).parse_args(argv)
    return parsed


def profile_of(args: argparse.Namespace, console: Console) -> str:
    """The profile a credential subcommand was given; turns on --debug."""
    if args.debug:
        console.enable_debug()
    if args.profile and args.profile_option:
        raise UsageError("give the profile once, either as PROFILE or as --profile")
    profile: str | None = args.profile_option or args.profile
    if not profile:
        raise UsageError(NO_PROFILE)
    return profile


NO_PROFILE = "no profile given: awsenv list shows them, awsenv setup writes them"
# Words people type for a subcommand that is an option here.
_ALIASES = {"help": "--help", "version": "--version"}


def mistyped_command(word: str) -> str | None:
    """The line for a first word that is no profile but looks like a
    subcommand (`lsit`, `explian`, `help`); None when it does not. Only a
    word close to a subcommand's name is echoed: never a code or a value."""
    import difflib  # only on a failure

    from awsenv.commandline import NAMES

    if word in _ALIASES:
        return f"{word!r} is not a subcommand; did you mean awsenv {_ALIASES[word]}?"
    close = difflib.get_close_matches(word, sorted(NAMES), n=1, cutoff=0.6)
    if not close:
        return None
    return f"unknown subcommand or profile {word!r}; did you mean {close[0]}? (see awsenv --help)"


def obtain_for(
    args: argparse.Namespace,
    profile: str,
    console: Console,
    *,
    notices: bool = True,
    for_sdk: bool = False,
) -> Outcome:
    """Call the core for a credential subcommand and say its notices; a caller
    that still has output to write passes `notices=False` and says them after
    it (`say_notices`), so that a failure to write is its only line. `for_sdk`:
    the credentials go to an SDK, renewed within its refresh window."""
    from awsenv.core.mfa_codes import ask_person
    from awsenv.core.obtain import Request, obtain

    code = _mfa_code(args.mfa_code)
    console.redact.add(code)
    min_valid = getattr(args, "min_valid", None)
    from awsenv.commands.sso_person import PersonHere

    outcome = obtain(
        Request(profile, args.duration, args.refresh, code, min_valid, for_sdk),
        ask=_no_prompt if args.no_prompt else ask_person,
        on_secret=console.redact.add,
        on_wait=console.progress,
        # --no-prompt (hooks, scripts): no login either.
        person=None if args.no_prompt else PersonHere(console),
    )
    if notices:
        say_notices(outcome, console)
    return outcome


def say_notices(outcome: Outcome, console: Console) -> None:
    """The core's notices, then after a refresh (any STS call) one line of
    what was obtained; nothing more after a call served from the cache."""
    for notice in outcome.notices:
        console.say(notice)
    if outcome.sts_calls:
        from awsenv.core.refreshed import summary

        console.note(summary(outcome.plan, outcome.exports, outcome.plan.name))


def _mfa_code(given: str | None) -> str | None:
    if given != "-":
        return given
    # `--mfa-code -`: from a pipe, so that the code is on no command line.
    from awsenv.core.mfa_codes import code_from_stdin

    return code_from_stdin()


def _no_prompt(serial: str, hint: str = "") -> str:
    raise NoTerminalError(f"an MFA code is needed for {serial}, and --no-prompt was given")


def seconds(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of seconds: {text!r}") from None


# --min-valid's units: `50m`, `2h`, `90s`, or plain seconds.
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600}
_DURATION = re.compile(r"([0-9]{1,7})([smh]?)")


def duration(text: str) -> int:
    """A duration in seconds from `50m`, `2h` or `3000`."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(
            f"not a duration: {text!r} (give seconds, or minutes or hours as 50m, 2h)"
        )
    return int(match.group(1)) * _UNITS[match.group(2)]


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
