"""Legacy names that SDKs still read credentials from are removed by every
export, by `awsenv unset` and by `awsenv exec`, in every shell: a stale one
would pair old secrets with the new keys, or outlive an unset.

  AWS_SECRET_KEY            the Java SDK v1 reads it *before* AWS_SECRET_ACCESS_KEY;
                            the Go SDKs (v1, v2) and Ruby when that one is unset
  AWS_ACCESS_KEY            Java v1, Go v1 and v2, Ruby, when AWS_ACCESS_KEY_ID is unset
  AMAZON_ACCESS_KEY_ID,     the Ruby SDK v3, after the AWS_ names; AMAZON_SESSION_TOKEN
  AMAZON_SECRET_ACCESS_KEY, whenever AWS_SESSION_TOKEN is unset, as it is for an export
  AMAZON_SESSION_TOKEN      of long-term keys
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CODE, AwsEnv, require
from pwsh_grammar import parse_errors, read_exports
from realshells import COMMANDS, evaluate
from test_exec import child_environment

LEGACY = (
    "AWS_SECRET_KEY",
    "AWS_ACCESS_KEY",
    "AMAZON_ACCESS_KEY_ID",
    "AMAZON_SECRET_ACCESS_KEY",
    "AMAZON_SESSION_TOKEN",
)
STALE = {name: f"stale {name}" for name in LEGACY}


@pytest.mark.parametrize("shell", sorted(COMMANDS))
@pytest.mark.parametrize("words", [("dev",), ("other",), ("unset",)])
def test_legacy_credential_names_are_removed_in_every_shell(
    aws: AwsEnv, shell: str, words: tuple[str, ...], tmp_path: Path
) -> None:
    """A role (with a session token), long-term keys (without one), and unset."""
    require(COMMANDS[shell][0])
    aws.seed()
    args = [*words, "--shell", shell] + (["--mfa-code", CODE] if words == ("dev",) else [])
    result = aws.run(*args)
    assert result.returncode == 0, result.stderr
    evaluated = evaluate(shell, result.stdout, [*LEGACY, "AWS_ACCESS_KEY_ID"], tmp_path, STALE)
    assert evaluated.returncode == 0, evaluated.stderr
    assert evaluated.stderr == ""
    expected = set() if words == ("unset",) else {"AWS_ACCESS_KEY_ID"}
    assert set(evaluated.variables) == expected


@pytest.mark.parametrize("words", [("other",), ("unset",)])
def test_pwsh_removes_legacy_credential_names(aws: AwsEnv, words: tuple[str, ...]) -> None:
    aws.seed()
    result = aws.run(*words, "--shell", "pwsh")
    assert result.returncode == 0, result.stderr
    assert parse_errors(result.stdout) == []
    _assigned, removed = read_exports(result.stdout)
    assert set(LEGACY) <= set(removed)


def test_exec_gives_the_command_no_legacy_credential_names(aws: AwsEnv) -> None:
    aws.seed()
    result = aws.run("exec", "dev", "--mfa-code", CODE, "--", "env", "-0", env=STALE)
    assert result.returncode == 0, result.stderr
    assert not set(LEGACY) & set(child_environment(result.stdout))
