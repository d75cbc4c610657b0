"""The command line, once: every subcommand, its options, and what its output is.

Derived from TABLE: the argparse parsers and `awsenv --help` (commands/shared.py),
the dispatch and what a failed write names (cli.py), completion and the `init`
wrappers' pass-through (commands/init.py -> shells/*.j2), the fast path's
reading of argv (fastpath.py), and the recursion guard's reading of a
credential_process line (core/recursion.py). A new subcommand is one row here
and one module in awsenv/commands/.

Cheap to import: the fast path reads it before anything heavy is loaded (no
argparse, dataclasses, enum, typing or re).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

# How a subcommand takes its profile.
EITHER = "either"  # PROFILE, or -p/--profile PROFILE (for a name that is a subcommand)
POSITIONAL = "positional"  # PROFILE only


class Option:
    """One option. `metavar` set: it takes a value (`--x V` or `--x=V`); else a
    flag. `parse`: how argparse reads the value ("" as text, "seconds",
    "int", "duration": 50m, 2h or seconds); `repeat`: it may be given more than once (a list)."""

    __slots__ = ("dest", "flags", "help", "metavar", "parse", "repeat")

    def __init__(
        self,
        *flags: str,
        metavar: str | None = None,
        help: str,
        parse: str = "",
        repeat: bool = False,
        dest: str | None = None,
    ) -> None:
        self.flags = flags
        self.metavar = metavar
        self.help = help
        self.parse = parse
        self.repeat = repeat
        self.dest = dest

    @property
    def key(self) -> str:
        """Its long name, as a Call holds it."""
        return self.flags[-1]

    def usage(self) -> str:
        text = f"{self.key} {self.metavar}" if self.metavar else self.key
        return f"[{text}]..." if self.repeat else f"[{text}]"


class Command:
    """One subcommand. `name` "" is the export (`awsenv PROFILE`).

    evaluated: its stdout is shell code that the init wrappers evaluate;
    profile: None, EITHER or POSITIONAL; words: its other positional arguments;
    writes: what its stdout carries, as a failure to write it says (None when
    stdout is not awsenv's, as exec's is COMMAND's); resolves: it obtains the
    profile's credentials (the recursion guard's concern); rest: it takes
    `-- COMMAND [ARGS...]`; about: the longer description of its --help;
    actions: its sub-actions (`awsenv keys add PROFILE`), each a row of its
    own whose name is the whole command (`keys add`)."""

    __slots__ = (
        "about",
        "actions",
        "evaluated",
        "name",
        "options",
        "profile",
        "resolves",
        "rest",
        "summary",
        "words",
        "writes",
    )

    def __init__(
        self,
        name: str,
        summary: str,
        *,
        evaluated: bool = False,
        profile: str | None = None,
        words: tuple[tuple[str, str], ...] = (),
        options: tuple[Option, ...] = (),
        writes: str | None = None,
        resolves: bool = False,
        rest: bool = False,
        about: str = "",
        actions: tuple[Command, ...] = (),
    ) -> None:
        self.name = name
        self.summary = summary
        self.evaluated = evaluated
        self.profile = profile
        self.words = words
        self.options = options
        self.writes = writes
        self.resolves = resolves
        self.rest = rest
        self.about = about or summary
        self.actions = actions

    @property
    def word(self) -> str:
        """The word that names it on the command line (`add` of `keys add`)."""
        return self.name.rpartition(" ")[2]

    def action(self, word: str) -> Command | None:
        return next((a for a in self.actions if a.word == word), None)

    def all_options(self) -> tuple[Option, ...]:
        """Its options, with -p/--profile where it takes a profile that way."""
        return (PROFILE_OPTION, *self.options) if self.profile == EITHER else self.options

    def usage(self, *, full: bool = False) -> str:
        """`awsenv process PROFILE [options]`; full: each option spelled out."""
        parts = ["awsenv"]
        if self.name:
            parts.append(self.name)
        if self.actions:
            parts.append("|".join(a.word for a in self.actions))
            parts.append("...")
        if self.profile:
            parts.append("PROFILE")
        parts.extend(metavar for metavar, _ in self.words)
        if self.options:
            parts.extend(o.usage() for o in self.options) if full else parts.append("[options]")
        if self.rest:
            parts.append("[-- COMMAND [ARGS...]]")
        return " ".join(parts)


SHELL = Option(
    "--shell",
    metavar="SHELL",
    # Written out, not read from shell.py: completion runs this module on every
    # TAB (a test holds it to the shell table).
    help="bash, zsh, sh, fish, pwsh, elvish, tcsh, nu or xonsh (default: the calling shell)",
)
PROFILE_OPTION = Option(
    "-p",
    "--profile",
    metavar="PROFILE",
    dest="profile_option",
    help="the profile, for names that clash with a subcommand",
)
CREDENTIALS = (
    Option(
        "--mfa-code",
        metavar="CODE",
        help="the 6-digit MFA code, or - to read it from stdin "
        "(else: the profile's mfa_process, else a prompt)",
    ),
    Option(
        "--duration",
        metavar="SECONDS",
        parse="seconds",
        help="lifetime of the credentials asked for (default: the profile's duration_seconds)",
    ),
    Option(
        "--min-valid",
        metavar="DURATION",
        parse="duration",
        help="renew unless the credentials last this long (50m, 2h or seconds)",
    ),
    Option("--refresh", help="get new credentials even if cached ones are valid"),
    Option("--no-prompt", help="fail instead of asking for an MFA code (for hooks and scripts)"),
    Option("--debug", help="explain each step on stderr"),
)

KEYS = Command(
    "keys",
    "long-term keys in the OS keyring: add, list, remove, rotate, process",
    about="Keep an IAM user's long-term keys in the OS keyring (Secret Service, Keychain, "
    "Credential Locker) instead of ~/.aws/credentials; every SDK reads them through "
    "credential_process.",
    writes="the key names or the credential_process JSON",
    actions=(
        Command(
            "keys add",
            "move a profile's access key into the OS keyring (else asked without echo)",
            profile=POSITIONAL,
            options=(Option("--yes", help="do it without asking"),),
        ),
        Command("keys list", "the profiles whose keys the keyring holds (names only)"),
        Command(
            "keys remove",
            "delete a profile's keys from the keyring and its credential_process",
            profile=POSITIONAL,
            options=(Option("--yes", help="do it without asking"),),
        ),
        Command(
            "keys rotate",
            "a new access key from IAM (with the MFA session), checked, the old one deleted",
            profile=POSITIONAL,
            options=(CREDENTIALS[0], CREDENTIALS[-1]),
        ),
        Command(
            "keys process",
            "print the keys as credential_process JSON (what SDKs run)",
            profile=POSITIONAL,
        ),
    ),
)
TABLE = (
    Command(
        "",
        "export a profile's credentials into this shell",
        about="Refresh an AWS profile's MFA session and role credentials and "
        "print shell code that exports it.",
        evaluated=True,
        profile=EITHER,
        options=(SHELL, *CREDENTIALS),
        writes="the shell code",
        resolves=True,
    ),
    Command(
        "init",
        "print the shell integration: wrapper, expiry hook, completion",
        words=(("SHELL", "the shell whose integration to print"),),
        writes="the shell integration",
    ),
    Command(
        "unset",
        "print code that removes every variable awsenv sets",
        evaluated=True,
        options=(SHELL,),
        writes="the shell code",
    ),
    Command(
        "process",
        "print credential_process JSON for SDKs and tools",
        profile=EITHER,
        options=(
            *CREDENTIALS,
            Option(
                "--format",
                metavar="FORMAT",
                help="json (credential_process, the default) or dotenv "
                "(KEY=value lines for docker --env-file and compose env_file)",
            ),
        ),
        writes="the credential_process JSON",
        resolves=True,
    ),
    Command(
        "exec",
        "run COMMAND (else $SHELL) with the profile's credentials in its environment",
        profile=EITHER,
        options=(
            *CREDENTIALS,
            Option(
                "--server",
                help="serve the credentials to COMMAND from a local endpoint that renews "
                "them (the container-credentials protocol), instead of keys in its environment",
            ),
        ),
        resolves=True,
        rest=True,
    ),
    Command(
        "login",
        "sign in to IAM Identity Center (SSO) for a profile, in the browser",
        about="Sign in to IAM Identity Center (SSO) with the device-authorization flow and "
        "keep the token where the AWS CLI keeps it (~/.aws/sso/cache), for awsenv, the "
        "AWS CLI and every SDK.",
        profile=POSITIONAL,
    ),
    Command(
        "list",
        "list the profiles: kind, source, region, cached credentials, MFA",
        options=(
            Option("--json", help="the stable JSON schema (README)"),
            Option("--names", help="only the names, one a line"),
        ),
        writes="the listing",
    ),
    Command(
        "explain",
        "how a profile resolves, and what is wrong around it",
        profile=POSITIONAL,
        options=(
            Option(
                "--check-sts",
                help="also measure the local clock against STS (one unsigned request)",
            ),
        ),
        writes="the explanation",
    ),
    Command(
        "setup",
        "write the MFA session and role profiles (asks, or takes flags)",
        options=(
            Option("--source", metavar="PROFILE", help="the long-term key profile"),
            Option("--mfa-serial", metavar="ARN", help="else found with iam list-mfa-devices"),
            Option("--session", metavar="NAME", help="the MFA session profile (mfa)"),
            Option("--duration", metavar="SECONDS", parse="int", help="session length (28800)"),
            Option("--role", metavar="NAME=ARN", repeat=True, help="a role profile (repeat)"),
            Option("--region", metavar="REGION", help="the roles' region"),
            Option("--process", help="also NAME-process credential_process profiles"),
            Option("--rc", help="add the init line to the shell's rc file"),
            Option("--shell", metavar="SHELL", help="the shell whose rc file to use"),
            Option(
                "--sso-start-url", metavar="URL", help="IAM Identity Center: the portal's start URL"
            ),
            Option("--sso-region", metavar="REGION", help="IAM Identity Center's region"),
            Option("--sso-account", metavar="ACCOUNT", help="the account id of the role"),
            Option(
                "--sso-role",
                metavar="[NAME=]ROLE",
                help="the permission set (profile NAME, else ROLE-ACCOUNT)",
            ),
            Option("--yes", help="write without asking"),
            Option("--dry-run", help="show the diff, write nothing"),
        ),
        writes="the diff",
    ),
    Command(
        "console",
        "open the AWS console for a role profile",
        profile=POSITIONAL,
        options=(
            Option("--print", help="print the sign-in URL, open nothing"),
            Option(
                "--destination",
                metavar="URL",
                help="the console page to land on (default: its home)",
            ),
        ),
        writes="the sign-in URL",  # only with --print
        resolves=True,
    ),
    KEYS,
)

HELP = ("-h", "--help")
VERSION = "--version"
# What the wrappers run as it is wherever it stands: output for people.
ANYWHERE = (*HELP, VERSION)

BY_NAME = {command.name: command for command in TABLE}
# Every row a usage line describes: the rows, with a row's actions instead of it.
ROWS = tuple(row for command in TABLE for row in (command.actions or (command,)))
NAMES = frozenset(name for name in BY_NAME if name)
# What each one writes to stdout; "" is `awsenv PROFILE`, the export.
OUTPUT = {c.name: c.writes for c in TABLE if c.writes}
# What the wrappers run as it is when it comes first: subcommands whose output
# is for people or programs, not for eval; help and version wherever they are.
PASSTHROUGH = (*(c.name for c in TABLE if c.name and not c.evaluated), *ANYWHERE)
# The subcommands whose first argument is a profile, for the shell completers.
PROFILE_ARGUMENT = tuple(c.name for c in TABLE if c.name and c.profile)


class Call:
    """argv as the table reads it: the command, its positional words, each
    valued option's value (by its long name; the last one given), its flags,
    and for a `rest` command what follows `--`."""

    __slots__ = ("action", "command", "flags", "rest", "values", "words")

    def __init__(self, command: Command) -> None:
        self.command = command
        self.action: Command | None = None  # its sub-action's row (`keys add`)
        self.words: list[str] = []
        self.values: dict[str, str] = {}
        self.flags: list[str] = []
        self.rest: list[str] = []

    @property
    def profile(self) -> str | None:
        """The profile it names: -p/--profile's value, else its first word."""
        if not (self.action or self.command).profile:
            return None
        return self.values.get("--profile") or (self.words[0] if self.words else None)


_INDEX: dict[str, dict[str, Option]] = {}


def _options(command: Command | None) -> dict[str, Option]:
    """Option by flag, for one command (None: every command's, for the
    lenient reading). Built on first use."""
    key = "\0" if command is None else command.name
    found = _INDEX.get(key)
    if found is None:
        commands = ROWS if command is None else (command,)
        found = {f: o for c in commands for o in c.all_options() for f in o.flags}
        _INDEX[key] = found
    return found


def read(argv: Sequence[str], *, strict: bool = True) -> Call | None:
    """The call argv makes, as the table reads it. Strict: None for anything
    the table does not say plainly (an unknown or abbreviated option, a
    missing value, too many words, -h): the full path answers then, and says
    why. Lenient (the recursion guard): unknown words that look like options
    are passed over, and a value goes with every option that takes one in any
    row."""
    args = list(argv)
    command = BY_NAME[args[0]] if args and args[0] in NAMES else BY_NAME[""]
    if command.name:
        del args[0]
    call = Call(command)
    if not _take_action(call, args) and strict:
        return None
    known = _options((call.action or command) if strict else None)
    while args:
        word = args.pop(0)
        if word == "--":
            if command.rest:
                call.rest = args
            elif strict:
                return None
            break
        if not word.startswith("-") or word == "-":
            call.words.append(word)
        elif not _take_option(call, word, args, known) and strict:
            return None
    if strict and not _words_fit(call):
        return None
    return call


def _take_action(call: Call, args: list[str]) -> bool:
    """Put the sub-action its first word names (taken from args) into call;
    False when it has actions and none is named."""
    if not call.command.actions:
        return True
    call.action = call.command.action(args[0]) if args else None
    if call.action is not None:
        del args[0]
    return call.action is not None


def _take_option(call: Call, word: str, args: list[str], known: dict[str, Option]) -> bool:
    """Put one option (and its value, taken from args) into call; False when
    the table does not know it as given."""
    name, equals, value = word.partition("=") if word.startswith("--") else (word, "", "")
    option = known.get(name)
    if option is None:
        return False
    if option.metavar is None:
        call.flags.append(option.key)
        return not equals
    if not equals:
        if not args or (args[0].startswith("-") and args[0] != "-"):
            return False
        value = args.pop(0)
    call.values[option.key] = value
    return True


def _words_fit(call: Call) -> bool:
    command = call.action or call.command
    wanted = len(command.words) + (1 if command.profile == POSITIONAL else 0)
    if command.profile == EITHER:
        return len(call.words) <= 1
    return len(call.words) == wanted


def completion() -> dict[str, object]:
    """What the completers offer (the templates' `completion`): the
    subcommands, each one's long options ("" for the export, with --help as
    argparse adds it, and --version for the export), the subcommands whose
    first argument is a profile, the sub-actions (`keys add`), the shells
    `--shell` takes (shell.py's table), and for completers that show them
    (fish) each subcommand's summary and each option's help, by
    "COMMAND --option"."""
    from awsenv.shell import SHELLS

    options = {}
    descriptions = {}
    for command in TABLE:
        flags = {f for o in command.all_options() for f in o.flags if f.startswith("--")}
        flags.add("--help")
        descriptions[f"{command.name} --help"] = "show the help"
        if not command.name:
            flags.add(VERSION)
            descriptions[f" {VERSION}"] = "show the version"
        for option in command.all_options():
            descriptions[f"{command.name} {option.key}"] = option.help
        options[command.name] = sorted(flags)
    return {
        "subcommands": sorted(NAMES),
        "options": sorted(options.items()),
        "profile_argument": list(PROFILE_ARGUMENT),
        # (subcommand, its actions, those whose next word is a profile)
        "actions": [
            (c.name, [a.word for a in c.actions], [a.word for a in c.actions if a.profile])
            for c in TABLE
            if c.actions
        ],
        "shells": list(SHELLS),
        "init_shells": list(SHELLS),  # `awsenv init` narrows it to those with an integration
        # Where a shell's name goes: the subcommands whose first word is SHELL
        # (init), and the options that take one (--shell).
        "shell_argument": [c.name for c in TABLE if c.words[:1] and c.words[0][0] == "SHELL"],
        "shell_options": sorted(
            {f for c in TABLE for o in c.all_options() if o.metavar == "SHELL" for f in o.flags}
        ),
        "summaries": sorted((c.name, c.summary) for c in TABLE if c.name),
        "descriptions": descriptions,
    }
