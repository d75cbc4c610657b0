"""Completion installed by `awsenv init SHELL`, driven through a pseudo-terminal
in real bash, zsh and fish: type `awsenv d<TAB>` and the shell completes `dev`;
a name with spaces, quotes or unicode completes to a form the shell reads back
exactly. PowerShell's completer is checked with the grammar here and run for
real in the GitHub workflow."""

from __future__ import annotations

import re
import subprocess
import time

import pexpect
import pytest
from conftest import AWSENV, AwsEnv, require
from pwsh_grammar import parse_errors

READY = "READY> "
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
