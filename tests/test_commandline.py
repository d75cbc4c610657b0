"""The command line is one table (awsenv/commandline.py): argparse, --help,
completion, the init wrappers' pass-through, the fast path's reading of argv
and the recursion guard all read it, and a new subcommand is one row."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import AWSENV
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awsenv import commandline, fastpath
from awsenv.commandline import (
    ANYWHERE,
    BY_NAME,
    EITHER,
    NAMES,
    PASSTHROUGH,
    PROFILE_ARGUMENT,
    ROWS,
    TABLE,
    completion,
    read,
)
from awsenv.commands.shared import parser_for
from awsenv.core.recursion import awsenv_target
from awsenv.errors import UsageError

README = Path(__file__).parent.parent / "README.md"


def run_awsenv(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AWSENV, *args], capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False
    )


def test_help_lists_every_subcommand_with_its_summary() -> None:
    result = run_awsenv("--help")
    assert result.returncode == 0 and result.stderr == ""
    listed = result.stdout.split("commands (")[1]
    for command in TABLE:
        usage = re.escape(command.usage())
        assert re.search(rf"^  {usage}\s+{re.escape(command.summary)}$", listed, re.M), command.name
    named = re.findall(r"^  awsenv (\w+)", listed, re.M)
    assert set(named) - {"PROFILE"} == NAMES


def test_version_prints_on_stdout() -> None:
    result = run_awsenv("--version")
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith("awsenv ")


@pytest.mark.parametrize("name", sorted(NAMES))
def test_each_subcommands_help_prints_on_stdout(name: str) -> None:
    result = run_awsenv(name, "--help")
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith(f"usage: awsenv {name}")


@pytest.mark.parametrize(
    "command", [c for c in TABLE if c.profile], ids=lambda c: c.name or "export"
)
def test_help_shows_the_profile_as_required(command: commandline.Command) -> None:
    """`awsenv process --help` said `[profile]`, as if it could be left out."""
    result = run_awsenv(*[w for w in (command.name,) if w], "--help")
    usage = result.stdout.split("\n\n", 1)[0]
    assert " PROFILE" in usage and "[profile]" not in usage.lower(), usage
    if command.rest:
        # exec without a COMMAND starts $SHELL: the command is optional.
        assert usage.endswith("[-- COMMAND [ARGS...]]"), usage


def _option_strings(name: str) -> set[str]:
    return {o for action in parser_for(name)._actions for o in action.option_strings}


@pytest.mark.parametrize("command", TABLE, ids=lambda c: c.name or "export")
def test_parsers_are_the_table(command: commandline.Command) -> None:
    expected = {f for o in command.all_options() for f in o.flags} | {"-h", "--help"}
    if not command.name:
        expected.add("--version")
    assert _option_strings(command.name) == expected


def test_setups_own_parser_agrees_with_its_row() -> None:
    # setup.py still builds its parser by hand (its module is being reworked);
    # until it calls parse("setup", argv), its options must be the row's.
    from awsenv.commands import setup

    own = setup.parser()
    made = parser_for("setup")

    def shape(parser: object) -> set[tuple[object, ...]]:
        return {
            (tuple(a.option_strings), a.metavar, a.nargs, a.type, type(a).__name__)
            for a in parser._actions  # type: ignore[attr-defined]
        }

    assert shape(own) == shape(made)


def test_completion_is_the_table() -> None:
    offered = completion()
    assert offered["subcommands"] == sorted(NAMES)
    assert offered["profile_argument"] == list(PROFILE_ARGUMENT)
    options = dict(offered["options"])  # type: ignore[call-overload]
    assert set(options) == {c.name for c in TABLE}
    for command in TABLE:
        longs = {o for o in _option_strings(command.name) if o.startswith("--")}
        assert options[command.name] == sorted(longs), command.name


def test_passthrough_is_every_subcommand_not_evaluated() -> None:
    not_evaluated = [c.name for c in TABLE if c.name and not c.evaluated]
    assert list(PASSTHROUGH) == [*not_evaluated, *ANYWHERE]
    assert "unset" not in PASSTHROUGH and "" not in PASSTHROUGH


def test_memos_name_only_rows_of_the_table() -> None:
    assert set(fastpath.MEMOS) <= {c.name for c in TABLE}
    for name, options in fastpath.MEMOS.items():
        known = {f for o in BY_NAME[name].all_options() for f in o.flags}
        assert set(options) <= known


def test_the_readme_reference_is_the_table() -> None:
    text = README.read_text()
    block = text.split("## Reference\n\n```\n", 1)[1].split("```", 1)[0]
    assert block.splitlines() == [c.usage(full=True) for c in ROWS]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["dev"], ("", "dev", None)),
        (["dev", "--shell", "fish"], ("", "dev", "fish")),
        (["--shell=zsh", "dev"], ("", "dev", "zsh")),
        (["unset"], ("unset", "", None)),
        (["unset", "--shell", "bash"], ("unset", "", "bash")),
        (["init", "bash"], ("init", "", "bash")),
        (["process", "dev"], ("", "dev", fastpath.PROCESS)),
        (["dev", "--refresh"], None),
        (["-p", "dev"], None),
        (["process", "dev", "--debug"], None),
        (["init"], None),
        (["init", "bash", "zsh"], None),
        (["unset", "dev"], None),
        (["dev", "--shel", "bash"], None),  # argparse's abbreviation: the full path
        (["dev", "--shell"], None),
        (["dev", "-h"], None),
        (["list", "--names"], ("list", "", fastpath.LISTING)),
        (["dev", "--shell", "process"], None),  # not `process dev`'s memo
        (["dev", "--shell=names"], None),
        (["unset", "--shell", "cmd"], None),
        (["list"], None),
        (["list", "--names", "--json"], None),
        (["list", "--names", "dev"], None),
        (["exec", "dev", "--", "true"], None),
        ([], None),
    ],
)
def test_the_fast_path_serves_only_what_the_table_reads_plainly(
    argv: list[str], expected: tuple[str, str, str | None] | None
) -> None:
    assert fastpath._request(argv) == expected


# Words the table knows, and some it does not.
_WORDS = sorted(
    {f for c in TABLE for o in c.all_options() for f in o.flags}
    | NAMES
    | {"dev", "prod", "bash", "-", "--", "-x", "--bogus", "--shell=fish", "--profile=dev", "-h"}
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_WORDS), max_size=6))
def test_whatever_the_table_reads_argparse_reads_alike(argv: list[str]) -> None:
    call = read(argv)
    if call is None:
        return
    name = call.command.name
    own = argv[1:] if name else argv
    if call.command.rest:
        own = own[: own.index("--")] if "--" in own else own
    typed = [o.key for o in call.command.all_options() if o.parse]
    if any(not call.values.get(key, "0").isdigit() for key in typed):
        return  # a value argparse converts: its refusal is the full path's message
    try:
        parsed = parser_for(name).parse_args(own)
    except UsageError:
        pytest.fail(f"the table read {argv}, argparse refused it")
    if call.command.profile == EITHER:
        assert (parsed.profile_option, parsed.profile) == (
            call.values.get("--profile"),
            call.words[0] if call.words else None,
        )
    if "--shell" in call.values:
        assert parsed.shell == call.values["--shell"]
    for flag in call.flags:
        assert getattr(parsed, flag.lstrip("-").replace("-", "_")) is True


VALUED = sorted(
    {o.key: o for c in TABLE for o in c.all_options() if o.metavar}.values(), key=lambda o: o.key
)


@pytest.mark.parametrize("command", [c for c in TABLE if c.resolves], ids=lambda c: c.name or "x")
def test_recursion_guard_treats_every_valued_option_of_the_table_as_valued(
    command: commandline.Command,
) -> None:
    head = f"awsenv {command.name}".strip()
    for option in VALUED:
        if option.key == "--profile":
            continue
        for flag in option.flags:
            assert awsenv_target(f"{head} {flag} x dev") == "dev", flag
            assert awsenv_target(f"{head} {flag}=x dev") == "dev", flag
    assert awsenv_target(f"{head} -p dev") == "dev"
    assert awsenv_target(f"{head} --profile=dev --refresh") == "dev"
    assert awsenv_target(f"python3 -m awsenv {command.name} dev".replace("  ", " ")) == "dev"


def test_recursion_guard_ignores_what_resolves_no_profile() -> None:
    resolving = {c.name for c in TABLE if c.resolves}
    assert resolving == {"", "process", "exec", "console"}
    for name in NAMES - resolving:
        assert awsenv_target(f"awsenv {name} dev") is None, name
    assert awsenv_target("awsenv exec dev -- awsenv process prod") == "dev"
    assert awsenv_target("aws sts get-caller-identity") is None


# A trivial subcommand: its row, and its module (here put in sys.modules).
WHOAMI_ROW = 'Command("whoami", "print the profile this shell exported", writes="the profile name")'
WHOAMI_MODULE = """
import os
from awsenv.commands.shared import parse, write
def run(argv, console):
    parse("whoami", argv)
    write(os.environ.get("AWSENV_PROFILE", "") + "\\n")
    return 0
"""


def test_a_new_subcommand_is_one_row_and_one_module(tmp_path: Path) -> None:
    source = Path(commandline.__file__).read_text()
    end = "\n)\n\nHELP = "
    assert source.count(end) == 1
    source = source.replace(end, f"\n    {WHOAMI_ROW},{end}")
    probe = textwrap.dedent(
        f"""
        import contextlib, io, json, sys, types
        module = types.ModuleType("awsenv.commandline")
        module.__file__ = "commandline.py"
        sys.modules["awsenv.commandline"] = module
        exec({source!r}, module.__dict__)
        whoami = types.ModuleType("awsenv.commands.whoami")
        exec({WHOAMI_MODULE!r}, whoami.__dict__)
        sys.modules["awsenv.commands.whoami"] = whoami
        from awsenv import cli, commandline, fastpath
        from awsenv.core.recursion import awsenv_target
        help_out = io.StringIO()
        with contextlib.redirect_stdout(help_out):
            try:
                cli.main(["--help"])
            except SystemExit:
                pass
        out = {{
            "help": help_out.getvalue(),
            "completion": commandline.completion()["subcommands"],
            "passthrough": list(commandline.PASSTHROUGH),
            "memo": fastpath._request(["whoami"]),
            "guard": awsenv_target("awsenv whoami dev"),
        }}
        print(json.dumps(out))
        sys.stdout.flush()
        sys.exit(cli.main(["whoami"]))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={"AWSENV_PROFILE": "dev", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    import json

    report, answer = result.stdout.split("\n", 1)
    found = json.loads(report)
    assert re.search(
        r"^  awsenv whoami\s+print the profile this shell exported$", found["help"], re.M
    )
    assert "whoami" in found["completion"] and "whoami" in found["passthrough"]
    assert found["memo"] is None and found["guard"] is None
    assert answer == "dev\n"


def test_the_table_and_the_boundary_are_cheap_to_import() -> None:
    # The fast path imports both before it serves a memo.
    probe = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import awsenv.cli, awsenv.commandline\n"
        "heavy = {'argparse', 'dataclasses', 'enum', 're', 'typing', 'configparser',\n"
        "         'pathlib', 'jinja2', 'botocore', 'awsenv.commands'}\n"
        "loaded = heavy & (set(sys.modules) - before)\n"
        "assert not loaded, sorted(loaded)\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    ("argv", "action", "words", "flags"),
    [
        (["keys", "add", "dev", "--yes"], "keys add", ["dev"], ["--yes"]),
        (["keys", "list"], "keys list", [], []),
        (["keys", "process", "dev"], "keys process", ["dev"], []),
        (["keys"], None, None, None),
        (["keys", "add"], None, None, None),
        (["keys", "list", "dev"], None, None, None),
        (["keys", "bogus", "dev"], None, None, None),
        (["keys", "process", "dev", "--yes"], None, None, None),
    ],
)
def test_keys_actions_are_read_as_rows_of_their_own(
    argv: list[str], action: str | None, words: list[str] | None, flags: list[str] | None
) -> None:
    call = read(argv)
    if action is None:
        assert call is None
        with pytest.raises(UsageError):
            parser_for("keys").parse_args(argv[1:])
        return
    assert call is not None and call.command.name == "keys"
    assert call.action is not None and call.action.name == action
    assert (call.words, call.flags) == (words, flags)
    parsed = parser_for("keys").parse_args(argv[1:])
    assert parsed.action == action.split()[1]
    assert fastpath._request(argv) is None  # never a memo
    assert awsenv_target("awsenv " + " ".join(argv)) is None  # resolves no profile


def test_the_shell_option_names_every_shell_of_the_table() -> None:
    """The --shell help is written out (the completion path must not import the
    shell table): it must still name each shell awsenv supports."""
    from awsenv.shell import SHELLS

    assert commandline.SHELL.help is not None
    named = set(commandline.SHELL.help.replace(",", " ").split())
    assert set(SHELLS) <= named, set(SHELLS) - named
