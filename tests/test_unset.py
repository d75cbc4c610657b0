"""`awsenv unset` removes every variable awsenv sets, set or not, in every shell."""

from __future__ import annotations

import subprocess

import pytest
from conftest import AWSENV, require
from pwsh_grammar import parse_errors, read_exports
from realshells import COMMANDS, evaluate

from awsenv.core.exports import MANAGED


def unset_code(shell: str) -> str:
    proc = subprocess.run(
        [AWSENV, "unset", "--shell", shell], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return proc.stdout


@pytest.mark.parametrize("shell", sorted(COMMANDS))
@pytest.mark.parametrize("preset", ["all set", "none set"])
def test_unset_clears_everything_in_strict_mode(shell: str, preset: str, tmp_path) -> None:
    require(COMMANDS[shell][0])
    values = {name: f"old {name}" for name in MANAGED} if preset == "all set" else {}
    # Plus a variable awsenv does not own, which must survive.
    result = evaluate(
        shell, unset_code(shell), [*MANAGED, "KEEP_ME"], tmp_path, {**values, "KEEP_ME": "x"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.variables == {"KEEP_ME": "x"}


def test_pwsh_unset_is_one_line_that_parses_and_removes_everything() -> None:
    code = unset_code("pwsh")
    assert parse_errors(code) == []
    assigned, removed = read_exports(code)
    assert assigned == []
    assert removed == list(MANAGED)


@pytest.mark.parametrize("shell", ["pwsh", "powershell"])
def test_pwsh_init_parses_and_ends_with_its_install_line(shell: str) -> None:
    code = subprocess.run(
        [AWSENV, "init", shell], capture_output=True, text=True, check=True
    ).stdout
    assert parse_errors(code) == []
    assert "function global:awsenv" in code
    assert (
        code.rstrip("\n")
        .splitlines()[-1]
        .endswith("Invoke-Expression (& awsenv init pwsh | Out-String)")
    )
