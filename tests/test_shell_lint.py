"""The generated bash and sh code passes `shellcheck --enable=all` and `shfmt -d`:
the init integration and real exports with no exclusion at all, the nasty-value
corpus with only the data exclusions listed in shell_lint.py."""

from __future__ import annotations

import pytest
from conftest import CODE, AwsEnv, require
from shell_lint import (
    DATA_EXCLUSIONS,
    SHFMT_UNSAFE_DATA,
    init_code,
    shellcheck,
    shfmt_diff,
    typical_exports,
)
from test_quoting import CORPUS_VALUES, render


@pytest.fixture(autouse=True)
def _linters() -> None:
    require("shellcheck")
    require("shfmt")


def test_bash_init_is_clean_under_both_linters() -> None:
    code = init_code("bash")
    assert shellcheck("bash", code) == ""
    assert shfmt_diff("bash", code) == ""


@pytest.mark.parametrize("name", ["bash export", "bash unset", "sh export", "sh unset"])
def test_typical_exports_are_clean_under_both_linters(name: str) -> None:
    shell, code = name.split()[0], typical_exports()[name]
    assert shellcheck(shell, code) == ""
    assert shfmt_diff(shell, code) == ""


@pytest.mark.parametrize("shell", ["bash", "sh"])
def test_a_real_export_is_clean_under_both_linters(aws: AwsEnv, shell: str) -> None:
    aws.seed()
    proc = aws.run("dev", "--shell", shell, "--mfa-code", CODE)
    assert proc.returncode == 0, proc.stderr
    assert "export AWS_SESSION_TOKEN=" in proc.stdout
    assert shellcheck(shell, proc.stdout) == ""
    assert shfmt_diff(shell, proc.stdout) == ""


@pytest.mark.parametrize("shell", ["bash", "sh"])
def test_nasty_values_need_only_the_data_exclusions(shell: str) -> None:
    assert shellcheck(shell, render(shell, CORPUS_VALUES), DATA_EXCLUSIONS) == ""
    tame = [v for v in CORPUS_VALUES if not any(c in v for c in SHFMT_UNSAFE_DATA)]
    assert shfmt_diff(shell, render(shell, tame)) == ""


def test_the_linters_can_fail() -> None:
    assert "SC2250" in shellcheck("bash", 'echo "$x"\n')  # braces: only under --enable=all
    assert "SC2086" in shellcheck("sh", "echo $x\n")
    assert shfmt_diff("bash", "f() {\n    echo x\n}\n") != ""
    assert "SC2016" in shellcheck("sh", "export A='$HOME'\n")
    assert shellcheck("sh", "export A='$HOME'\n", DATA_EXCLUSIONS) == ""
