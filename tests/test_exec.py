"""`awsenv exec PROFILE [options] -- COMMAND [ARGS...]`: COMMAND runs with the
environment an export would leave, in place of awsenv, with its own status."""

from __future__ import annotations

import subprocess

import pytest
from conftest import AWSENV, CODE, AwsEnv
from realshells import evaluate

from awsenv.core.exports import MANAGED


def child_environment(stdout: str) -> dict[str, str]:
    entries = [e for e in stdout.split("\0") if e]
    return dict(e.split("=", 1) for e in entries)


def test_exit_status_of_the_command_is_passed_through(aws: AwsEnv) -> None:
    aws.seed()
    result = aws.run("exec", "dev", "--mfa-code", CODE, "--", "sh", "-c", "exit 7")
    assert result.returncode == 7, result.stderr
    assert result.stdout == ""


def test_child_environment_is_the_export_variable_by_variable(aws: AwsEnv, tmp_path) -> None:
    aws.seed()
    exported = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    assert exported.returncode == 0, exported.stderr
    shell = evaluate("bash", exported.stdout, list(MANAGED), tmp_path).variables
    stale = {
        "AWS_SESSION_TOKEN": "stale-token",
        "AWS_SECURITY_TOKEN": "stale-legacy",
        "AWS_DEFAULT_PROFILE": "other",
        "AWS_PROFILE": "other",
        "UNRELATED": "kept",
    }
    result = aws.run("exec", "dev", "--", "env", "-0", env=stale)
    assert result.returncode == 0, result.stderr
    # ... and the marker of an exec (test_exec_shell.py: a nested exec says so).
    expected = {**aws.environ, "UNRELATED": "kept", **shell, "AWSENV_EXEC": "dev"}
    assert child_environment(result.stdout) == expected


def test_stale_session_token_is_removed_for_long_term_keys(aws: AwsEnv) -> None:
    aws.seed()
    result = aws.run("exec", "other", "--", "env", "-0", env={"AWS_SESSION_TOKEN": "stale-token"})
    assert result.returncode == 0, result.stderr
    env = child_environment(result.stdout)
    assert "AWS_SESSION_TOKEN" not in env
    assert env["AWS_ACCESS_KEY_ID"] == "AKIAEXAMPLEOTHER0001"


def test_words_after_the_separator_belong_to_the_command(aws: AwsEnv) -> None:
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    inner = aws.run("exec", "dev", "--", AWSENV, "--help")
    assert inner.returncode == 0, inner.stderr
    # The inner awsenv's help (on stdout), not exec's (`usage: awsenv exec ...`).
    assert inner.stdout.startswith("usage: awsenv PROFILE [options]"), inner.stdout
    echoed = aws.run("exec", "dev", "--", "sh", "-c", 'printf "%s|" "$@"', "sh", "--refresh", "--")
    assert echoed.returncode == 0 and echoed.stdout == "--refresh|--|"
    assert aws.sts.calls == {"GetSessionToken": 1, "AssumeRole": 1}  # no --refresh for awsenv


def test_from_a_cold_cache_with_mfa_code(aws: AwsEnv) -> None:
    aws.standard()
    result = aws.run("exec", "prod", "--mfa-code", CODE, "--", "sh", "-c", "echo $AWS_REGION")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "eu-north-1\n"
    assert aws.sts.successes == {"GetSessionToken": 1, "AssumeRole": 1}


def test_mfa_code_from_stdin(aws: AwsEnv) -> None:
    aws.seed()
    proc = subprocess.run(
        [AWSENV, "exec", "dev", "--mfa-code", "-", "--", "sh", "-c", "echo $AWSENV_PROFILE"],
        env=aws.environ,
        input=f"{CODE}\n",
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "dev\n"
    assert aws.sts.requests_log[0]["token_code"] == CODE


def test_command_never_starts_when_the_credentials_fail(aws: AwsEnv) -> None:
    aws.seed()
    marker = aws.root / "started"
    result = aws.run("exec", "dev", "--no-prompt", "--", "touch", str(marker))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert not marker.exists()


def test_awsenv_becomes_the_command_and_no_secret_is_on_its_command_line(aws: AwsEnv) -> None:
    aws.seed()
    proc = subprocess.Popen(
        [
            AWSENV,
            "exec",
            "dev",
            "--mfa-code",
            CODE,
            "--",
            "sh",
            "-c",
            'echo "$$"; tr "\\0" " " < /proc/$$/cmdline; echo; echo "$AWS_SECRET_ACCESS_KEY"',
        ],
        env=aws.environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    pid, cmdline, secret = out.splitlines()
    assert int(pid) == proc.pid  # execvp: the same process, no awsenv left behind
    assert secret and secret not in cmdline and cmdline.startswith("sh -c ")


def test_mfa_code_from_stdin_leaves_the_rest_of_stdin_to_the_command(aws: AwsEnv) -> None:
    """`printf 'CODE\\nDATA\\n' | awsenv exec dev --mfa-code - -- cat`: awsenv
    takes one line, byte by byte, and COMMAND reads the rest."""
    aws.seed()
    result = aws.command(
        ["sh", "-c", f"printf '{CODE}\\nDATA\\nMORE\\n' | {AWSENV} exec dev --mfa-code - -- cat"]
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "DATA\nMORE\n"
    assert aws.sts.requests_log[0]["token_code"] == CODE


@pytest.mark.parametrize("words", ["dev --shell bash", "process dev"])
@pytest.mark.parametrize("stdin", ["pipe", "file"])
def test_mfa_code_from_stdin_is_one_line_in_the_export_and_process(
    aws: AwsEnv, words: str, stdin: str
) -> None:
    """What follows the code's line is left for whoever reads stdin next, from
    a pipe or from a file (whose offset the shell's next command shares)."""
    aws.seed()
    (aws.root / "input").write_text(f"{CODE}\nREST\n")
    group = f"{{ {AWSENV} {words} --mfa-code - >/dev/null && cat; }}"
    line = f"cat input | {group}" if stdin == "pipe" else f"{group} < input"
    result = aws.command(["sh", "-c", line])
    assert result.returncode == 0, result.stderr
    assert result.stdout == "REST\n"
    assert aws.sts.requests_log[0]["token_code"] == CODE


@pytest.mark.parametrize(
    ("command", "status", "says"),
    [
        ("no-such-command-awsenv", 127, "no-such-command-awsenv: command not found"),
        ("", 127, "the command name is empty"),
        ("./not-executable", 126, "./not-executable: cannot run it: Permission denied"),
        ("./a-directory", 126, "./a-directory: cannot run it: Is a directory"),
        ("./missing/path", 127, "./missing/path: No such file or directory"),
    ],
)
def test_command_is_found_before_any_code_is_spent(
    aws: AwsEnv, command: str, status: int, says: str
) -> None:
    aws.seed()
    (aws.root / "not-executable").write_text("#!/bin/sh\n")
    (aws.root / "a-directory").mkdir()
    before = aws.snapshot()
    result = aws.command([AWSENV, "exec", "dev", "--mfa-code", CODE, "--", command])
    assert result.returncode == status
    assert result.stdout == ""
    assert result.stderr == f"awsenv: {says}\n"
    assert aws.sts.calls == {}
    assert aws.snapshot() == before


def test_a_nul_in_a_credential_process_value_is_one_line(aws: AwsEnv) -> None:
    aws.seed()
    helper = aws.root / "helper"
    document = '{"Version": 1, "AccessKeyId": "AKIAHELPER", "SecretAccessKey": "se\\u0000cret"}'
    helper.write_text(f"#!/bin/sh\nprintf '%s' '{document}'\n")
    helper.chmod(0o755)
    aws.config.write_text(
        aws.config.read_text() + f"\n[profile tool]\ncredential_process = {helper}\n"
    )
    for words in (["exec", "tool", "--", "true"], ["tool", "--shell", "bash"], ["process", "tool"]):
        result = aws.run(*words)
        assert result.returncode == 3, (words, result.stderr)
        assert result.stdout == ""
        assert result.stderr == (
            "awsenv: profile 'tool': AWS_SECRET_ACCESS_KEY would hold a NUL character, "
            "which no environment variable can\n"
        )
