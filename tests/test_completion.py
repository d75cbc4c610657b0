"""Completion installed by `awsenv init SHELL`, driven through a pseudo-terminal
in real bash, zsh and fish: type `awsenv d<TAB>` and the shell completes `dev`;
a name with spaces, quotes or unicode completes to a form the shell reads back
exactly. PowerShell's completer is checked with the grammar here and run for
real in the GitHub workflow."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pexpect
import pytest
from conftest import AWSENV, AwsEnv, require
from pwsh_grammar import parse_errors

from awsenv.commandline import BY_NAME, TABLE
from awsenv.shell import SHELLS

READY = "READY> "
README = Path(__file__).resolve().parent.parent / "README.md"
ODD = 'it\'s "ünï" $HOME'
CONFIG = """\
[profile dev]
region = eu-west-1

[profile prod]
region = eu-west-1

[profile 'my dev']
region = eu-west-1
"""
# Credentials-file section names are raw: any character but `]` and a newline.
CREDENTIALS = f"""\
[zeta]
aws_access_key_id = AKIAEXAMPLEZETA00001
aws_secret_access_key = s

[{ODD}]
aws_access_key_id = AKIAEXAMPLEODD000001
aws_secret_access_key = s
"""


def spawn(aws: AwsEnv, shell: str) -> pexpect.spawn:
    require(shell)
    env = {**aws.environ, "TERM": "xterm", "PS1": READY}
    if shell == "bash":
        argv = ["bash", "--norc", "--noprofile", "-i"]
    elif shell == "zsh":
        argv = ["zsh", "-f", "-i"]
    else:
        argv = ["fish", "--no-config", "-i"]
    child = pexpect.spawn(
        argv[0],
        argv[1:],
        env=env,
        cwd=str(aws.root),
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 300),
    )
    if shell == "fish":
        child.sendline(f"function fish_prompt; printf '{READY}'; end; set -g fish_greeting ''")
        child.sendline("awsenv init fish | source")
    elif shell == "zsh":
        child.sendline("autoload -Uz compinit && compinit -u -D")
        child.sendline('eval "$(awsenv init zsh)"')
    else:
        child.sendline('eval "$(awsenv init bash)"')
    child.sendline("echo LOAD''ED")
    child.expect_exact("LOADED")
    return child


def complete(child: pexpect.spawn, typed: str) -> str:
    """Type `typed`, press TAB, then turn the line into a printf of its words:
    what comes back is each word as the shell reads it."""
    child.send(typed + "\t")
    time.sleep(1.5)  # the completer runs `awsenv list --names`
    child.send("\x01")  # beginning of line
    child.send("printf '<%s>\\n' ")
    child.send("\r")
    child.expect(r"<awsenv>\r?\n")
    child.expect(r"<([^>\r\n]*)>\r?\n")
    return child.match.group(1)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
@pytest.mark.parametrize(
    ("typed", "expected"),
    [("awsenv d", "dev"), ("awsenv my", "my dev"), ("awsenv it", ODD), ("awsenv li", "list")],
)
def test_tab_completes_what_the_shell_reads_back_exactly(
    aws: AwsEnv, shell: str, typed: str, expected: str
) -> None:
    aws.write(CONFIG, CREDENTIALS)
    assert ODD in aws.run("list", "--names").stdout.splitlines()
    child = spawn(aws, shell)
    try:
        assert complete(child, typed) == expected
    finally:
        child.close(force=True)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_explain_completes_profile_names(aws: AwsEnv, shell: str) -> None:
    aws.write(CONFIG, CREDENTIALS)
    child = spawn(aws, shell)
    try:
        child.send("awsenv explain ze\t")
        child.expect_exact("zeta")
    finally:
        child.close(force=True)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_keys_completes_its_actions_then_profile_names(aws: AwsEnv, shell: str) -> None:
    aws.write(CONFIG, CREDENTIALS)
    child = spawn(aws, shell)
    try:
        child.send("awsenv keys rot\t")
        child.expect_exact("rotate")
        child.send(" ze\t")
        child.expect_exact("zeta")
        # `list` takes no profile: nothing is offered after it.
        child.send("\x15")  # kill the line
        child.send("awsenv keys list ze\t")
        time.sleep(1.5)
        child.send("\x01printf '<%s>\\n' \r")
        child.expect(r"<awsenv>\r?\n<keys>\r?\n<list>\r?\n<([^>\r\n]*)>\r?\n")
        assert child.match.group(1) == "ze"
    finally:
        child.close(force=True)


def test_pwsh_completer_parses_and_quotes_names(aws: AwsEnv) -> None:
    code = subprocess.run(
        [AWSENV, "init", "pwsh"], capture_output=True, text=True, check=True, env=aws.environ
    ).stdout
    assert parse_errors(code) == []
    assert "Register-ArgumentCompleter -Native -CommandName awsenv" in code
    # Each of PowerShell's five single quotes is doubled inside the quoted form.
    assert re.search(r"\[char\]0x2018 \+ \[char\]0x2019 \+ \[char\]0x201A \+ \[char\]0x201B", code)


def readme_line(shell: str) -> str:
    """The rc-file line the README's "Set up your shell" table gives."""
    row = next(
        line
        for line in README.read_text().splitlines()
        if line.startswith(f"| {shell} |") and "awsenv init" in line
    )
    return row.split("|")[3].strip().strip("`")


def spawn_zsh(aws: AwsEnv, zshrc: str) -> pexpect.spawn:
    """An interactive zsh that reads only `zshrc` (no system rc files), as a
    person's ~/.zshrc holding just these lines."""
    require("zsh")
    zdotdir = aws.root / "zdotdir"
    zdotdir.mkdir(exist_ok=True)
    (zdotdir / ".zshrc").write_text(zshrc)
    env = {**aws.environ, "TERM": "xterm", "PS1": READY, "ZDOTDIR": str(zdotdir)}
    child = pexpect.spawn(
        "zsh",
        ["--no-globalrcs", "-i"],
        env=env,
        cwd=str(aws.root),
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 300),
    )
    child.sendline("echo LOAD''ED")
    child.expect_exact("LOADED")
    return child


def explained(child: pexpect.spawn) -> str:
    """`awsenv explain dev` through the integration, its stdout and stderr."""
    child.sendline("awsenv explain dev 2>&1; echo EXPLAIN''ED")
    child.expect_exact("EXPLAINED")
    return child.before or ""


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("awsenv d", "dev"), ("awsenv my", "my dev"), ("awsenv it", ODD), ("awsenv li", "list")],
)
def test_plain_zsh_completes_after_the_readme_line_alone(
    aws: AwsEnv, typed: str, expected: str
) -> None:
    """zsh -f: no compinit anywhere. The README's line alone completes (through
    compctl), and names read back exactly."""
    aws.write(CONFIG, CREDENTIALS)
    require("zsh")
    child = pexpect.spawn(
        "zsh",
        ["-f", "-i"],
        env={**aws.environ, "TERM": "xterm", "PS1": READY},
        cwd=str(aws.root),
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 300),
    )
    try:
        child.sendline(readme_line("zsh"))
        child.sendline("echo LOAD''ED")
        child.expect_exact("LOADED")
        assert complete(child, typed) == expected
    finally:
        child.close(force=True)


@pytest.mark.parametrize("order", ["compinit first", "compinit after"])
def test_zsh_uses_compinit_whether_it_comes_before_or_after_the_line(
    aws: AwsEnv, order: str
) -> None:
    aws.seed()
    compinit = "autoload -Uz compinit && compinit -u -D\n"
    line = readme_line("zsh") + "\n"
    child = spawn_zsh(aws, compinit + line if order == "compinit first" else line + compinit)
    try:
        child.send("awsenv explain pr\t")
        child.expect_exact("prod")
        child.send("\x15")  # the line is cleared
        text = explained(child)
        assert "shell integration: loaded (zsh, completion through compinit)" in text
        assert "completion of awsenv is not installed" not in text
    finally:
        child.close(force=True)


def test_zsh_without_compinit_explains_compctl_and_without_either_says_the_fix(
    aws: AwsEnv,
) -> None:
    aws.seed()
    line = readme_line("zsh") + "\n"
    child = spawn_zsh(aws, line)
    try:
        text = explained(child)
        assert "shell integration: loaded (zsh, completion through compctl)" in text
        assert "completion of awsenv is not installed" not in text
    finally:
        child.close(force=True)
    # A zsh with neither: compctl disabled, no compinit.
    child = spawn_zsh(aws, "zmodload zsh/compctl && disable compctl\n" + line)
    try:
        text = explained(child)
        assert "shell integration: loaded (zsh)" in text
        assert re.search(
            r"finding: zsh completion of awsenv is not installed: .*; "
            r"fix: add `autoload -Uz compinit && compinit` to ~/.zshrc",
            " ".join(text.split()),
        ), text
    finally:
        child.close(force=True)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("awsenv init fi", "fish"),
        ("awsenv dev --shell pw", "pwsh"),
        ("awsenv unset --shell z", "zsh"),
    ],
)
def test_shell_names_complete_after_init_and_shell(
    aws: AwsEnv, shell: str, typed: str, expected: str
) -> None:
    aws.seed()
    assert expected in SHELLS  # the names come from the shell table
    child = spawn(aws, shell)
    try:
        words = complete_words(child, typed)
        assert words[-1] == expected, words
    finally:
        child.close(force=True)


def complete_words(child: pexpect.spawn, typed: str) -> list[str]:
    """Every word of the line after TAB, as the shell reads it."""
    child.send(typed + "\t")
    time.sleep(1.5)
    child.send("\x01")
    child.send("printf '<%s>\\n' ")
    child.send("\r")
    child.expect(r"<awsenv>\r?\n")
    words = []
    while child.expect([r"<([^>\r\n]*)>\r?\n", re.escape(READY)]) == 0:
        words.append(child.match.group(1))
    return words


def test_init_offers_only_the_shells_with_an_integration(aws: AwsEnv) -> None:
    """`sh` has no `init`: the completer offers the shells render_macro can serve."""
    from awsenv.render.templates import shells_with

    assert "sh" in SHELLS and "sh" not in shells_with("init")
    code = subprocess.run(
        [AWSENV, "init", "bash"], capture_output=True, text=True, env=aws.environ, check=True
    ).stdout
    init_words = re.search(r"\n +'init'\) __awsenv_shells=1 __awsenv_words=\(([^)]*)\)", code)
    assert init_words is not None
    assert init_words.group(1).split() == [f"'{n}'" for n in shells_with("init")]


def test_fish_completions_carry_the_tables_descriptions(aws: AwsEnv) -> None:
    require("fish")
    aws.seed()
    script = (
        "awsenv init fish | source; complete -C 'awsenv '; echo ==; "
        "complete -C 'awsenv exec dev --'"
    )
    out = aws.command(["fish", "--no-config", "-c", script]).stdout
    commands, options = out.split("==\n")
    offered = dict(line.split("\t", 1) for line in commands.splitlines() if "\t" in line)
    for command in TABLE:
        if command.name:
            assert offered.get(command.name) == command.summary, command.name
    assert offered.get("dev") == "profile"
    helps = dict(line.split("\t", 1) for line in options.splitlines() if "\t" in line)
    for option in BY_NAME["exec"].options:
        assert helps.get(option.key) == option.help, option.key
