"""The person sees every prompt and message, whoever started awsenv: under the
real AWS CLI, which pipes a credential_process's stderr and drops it on
success, mfa_process's "Touch your YubiKey", awsenv's own lines and the
prompt reach the controlling terminal (a pty here, driven with pexpect)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import clients
import pexpect
import pytest
from conftest import AWSENV, CODE, STANDARD_CONFIG, STANDARD_CREDENTIALS, AwsEnv

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="a pty: Linux and macOS"),
]

TOOLS = f"""
[profile dev-tools]
credential_process = {AWSENV} process dev
region = us-west-2
"""


def require_awscli() -> None:
    problem = clients.available()["awscli"]
    if problem:
        if os.environ.get("AWSENV_REQUIRE_CLIENTS"):
            pytest.fail(f"awscli is required (AWSENV_REQUIRE_CLIENTS): {problem}")
        pytest.skip(problem)


def yubikey(tmp_path: Path, delay: float = 0.0) -> Path:
    """A stand-in for `ykman oath accounts code`: it asks for a touch on
    stderr, (waits,) then prints the code."""
    script = tmp_path / "ykman"
    script.write_text(f"#!/bin/sh\necho 'Touch your YubiKey...' >&2\nsleep {delay}\necho {CODE}\n")
    script.chmod(0o755)
    return script


def layout(aws: AwsEnv, mfa_process: str | None) -> None:
    config = STANDARD_CONFIG
    if mfa_process is not None:
        config = config.replace("[profile prod]", f"mfa_process = {mfa_process}\n\n[profile prod]")
    aws.write(config + TOOLS, STANDARD_CREDENTIALS)


def aws_cli_on_a_pty(aws: AwsEnv) -> pexpect.spawn:
    """`aws sts get-caller-identity --profile dev-tools` with a pty as its
    controlling terminal; botocore pipes awsenv's stdout and stderr."""
    env = clients.client_env("awscli", aws.environ)
    env.pop("PYTHONUNBUFFERED", None)
    argv = clients.client_argv("awscli", "dev-tools")
    return pexpect.spawn(
        argv[0], argv[1:], env=env, cwd=str(aws.root), encoding="utf-8", timeout=120
    )


def test_mfa_process_stderr_reaches_the_terminal_under_the_aws_cli(
    aws: AwsEnv, tmp_path: Path
) -> None:
    require_awscli()
    layout(aws, str(yubikey(tmp_path)))
    child = aws_cli_on_a_pty(aws)
    child.expect("Touch your YubiKey")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert '"Arn"' in child.before  # the CLI's answer, after the touch
    assert aws.sts.requests_log[0]["token_code"] == CODE
    assert not re.search(rf"(?<![0-9]){CODE}(?![0-9])", child.before)  # the code is no line


def test_the_line_after_a_refresh_stays_off_the_terminal_under_the_aws_cli(
    aws: AwsEnv, tmp_path: Path
) -> None:
    """What a refresh obtained is success, not a message the person must see:
    under a program (terraform, once an hour) it would land in that program's
    output. It stays on the stderr the program chose."""
    require_awscli()
    layout(aws, str(yubikey(tmp_path)))
    child = aws_cli_on_a_pty(aws)
    child.expect("Touch your YubiKey")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert aws.sts.successes["AssumeRole"] == 1  # a refresh happened
    assert "until" not in child.before and "awsenv: dev" not in child.before, child.before


def test_the_prompt_reaches_the_terminal_under_the_aws_cli(aws: AwsEnv) -> None:
    require_awscli()
    layout(aws, None)
    child = aws_cli_on_a_pty(aws)
    child.expect(r"MFA code for arn:aws:iam::\d+:mfa/alice: ")
    child.sendline(CODE)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert aws.sts.requests_log[0]["token_code"] == CODE


def test_waiting_for_another_awsenv_reaches_the_terminal_under_the_aws_cli(
    aws: AwsEnv, tmp_path: Path
) -> None:
    require_awscli()
    # The first awsenv, with no terminal, holds the refresh lock while its
    # (slow) YubiKey waits; the AWS CLI's awsenv waits for it and says so.
    layout(aws, str(yubikey(tmp_path, delay=6)))
    first = subprocess.Popen(
        [AWSENV, "process", "dev"],
        env=aws.environ,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        locks = aws.cache / "locks"
        deadline = time.monotonic() + 30
        while not (locks.exists() and any(locks.iterdir())) and time.monotonic() < deadline:
            time.sleep(0.1)
        child = aws_cli_on_a_pty(aws)
        child.expect(r"awsenv: waiting for another awsenv \(pid \d+\)")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0, child.before
    finally:
        _out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    # One code, one GetSessionToken: the second reused the first's session.
    assert aws.sts.successes["GetSessionToken"] == 1


def test_an_error_reaches_the_terminal_under_the_aws_cli(aws: AwsEnv) -> None:
    require_awscli()
    layout(aws, None)
    aws.environ["AWSENV_PROMPT"] = "none"
    child = aws_cli_on_a_pty(aws)
    child.expect("awsenv: an MFA code is needed for arn:aws:iam::")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus != 0
    assert aws.sts.calls == {}


def test_no_terminal_no_copy_and_stderr_keeps_the_line(aws: AwsEnv, tmp_path: Path) -> None:
    """Without a controlling terminal, mfa_process's stderr is awsenv's own,
    and awsenv's lines are on stderr only."""
    layout(aws, str(yubikey(tmp_path)))
    result = aws.run("process", "dev")
    assert result.returncode == 0, result.stderr
    assert "Touch your YubiKey" in result.stderr


def test_stderr_sent_to_dev_null_stays_silent_on_the_terminal(aws: AwsEnv) -> None:
    """The prompt hooks renew with `2>/dev/null`: silence asked for is kept,
    even with a terminal there (only a pipe or a file is a program's)."""
    layout(aws, None)
    env = dict(aws.environ)
    child = pexpect.spawn(
        "sh",
        ["-c", f'"{AWSENV}" dev --shell bash --no-prompt >/dev/null 2>/dev/null; echo "status=$?"'],
        env=env,
        cwd=str(aws.root),
        encoding="utf-8",
        timeout=120,
    )
    child.expect(r"status=(\d+)")
    assert child.match.group(1) == "2"  # a code was needed, --no-prompt: refused
    assert "awsenv:" not in child.before
    child.expect(pexpect.EOF)
