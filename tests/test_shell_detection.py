"""Which shell's code to print: --shell, the alias table, or the calling shell."""

from __future__ import annotations

import pytest
from conftest import AWSENV, CODE, AwsEnv, require

from awsenv import shell
from awsenv.errors import UsageError


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bash", "bash"),
        ("-bash", "bash"),
        ("/usr/bin/zsh", "zsh"),
        ("-zsh", "zsh"),
        ("dash", "sh"),
        ("/bin/sh", "sh"),
        ("fish", "fish"),
        ("/usr/local/bin/fish", "fish"),
        ("pwsh", "pwsh"),
        ("powershell", "pwsh"),
        ("powershell.exe", "pwsh"),
        (r"C:\Program Files\PowerShell\7\pwsh.exe", "pwsh"),
        (r"C:\Windows\System32\WindowsPowerShell\v1.0\PowerShell.EXE", "pwsh"),
    ],
)
def test_alias_table_resolves_names_and_paths(name: str, expected: str) -> None:
    assert shell.lookup(name).name == expected


@pytest.mark.parametrize("name", ["rc", "cmd.exe", "", "bash2", "/usr/bin/"])
def test_unknown_shell_names_the_supported_ones(name: str) -> None:
    with pytest.raises(UsageError, match="supported: bash, zsh, sh, fish, pwsh"):
        shell.lookup(name)


@pytest.mark.parametrize(
    ("command", "marker"),
    [
        (["bash", "-c"], "export AWS_PROFILE="),
        (["zsh", "-f", "-c"], "export AWS_PROFILE="),
        (["dash", "-c"], "export AWS_PROFILE="),
        (["fish", "--no-config", "-c"], "set -gx AWS_PROFILE "),
    ],
)
def test_calling_shell_is_detected(aws: AwsEnv, command: list[str], marker: str) -> None:
    require(command[0])
    aws.seed()
    # Not the last command: a shell may exec its last command in place of
    # itself, and awsenv's parent would then be whatever ran the shell.
    status = "$status" if command[0] == "fish" else "$?"
    proc = aws.command([*command, f'"{AWSENV}" dev --mfa-code {CODE} > out.txt; exit {status}'])
    assert proc.returncode == 0, proc.stderr
    assert marker in (aws.root / "out.txt").read_text()


def test_explicit_shell_wins_over_detection(aws: AwsEnv) -> None:
    aws.seed()
    proc = aws.command(["bash", "-c", f'"{AWSENV}" dev --shell fish --mfa-code {CODE}'])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("set -gx ")


@pytest.fixture
def no_shell_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests pin the fallback after the parent process: when pytest runs
    serially from a shell, that shell is the parent and would answer first."""
    monkeypatch.setattr(shell, "parent_shell", lambda: None)


@pytest.mark.usefixtures("no_shell_parent")
def test_undetectable_shell_names_the_option(monkeypatch: pytest.MonkeyPatch) -> None:
    import shellingham

    def fail() -> tuple[str, str]:
        raise shellingham.ShellDetectionFailure()

    monkeypatch.setattr(shellingham, "detect_shell", fail)
    with pytest.raises(UsageError, match="pass --shell with one of: bash, zsh, sh, fish, pwsh"):
        shell.detect()


@pytest.mark.usefixtures("no_shell_parent")
def test_detected_but_unsupported_shell_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import shellingham

    monkeypatch.setattr(shellingham, "detect_shell", lambda: ("rc", "/bin/rc"))
    with pytest.raises(UsageError, match="called from 'rc', which it does not support"):
        shell.detect()
