"""`mfa_process`: MFA codes from a program. Order: --mfa-code, then
mfa_process, then the terminal; failures are one line naming the profile,
and what the program printed is never echoed, not even in --debug."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CODE, SEED_CONFIG, SEED_CREDENTIALS, AwsEnv

from awsenv.core.mfa_process import MfaProcess
from awsenv.errors import ConfigError


def with_mfa_process(aws: AwsEnv, command: str) -> None:
    config = SEED_CONFIG.replace("[profile dev]", f"mfa_process = {command}\n\n[profile dev]")
    aws.write(config, SEED_CREDENTIALS)


def test_mfa_process_gives_the_code_without_a_terminal(aws: AwsEnv) -> None:
    with_mfa_process(aws, f"echo {CODE}")
    result = aws.run("dev", "--shell", "bash")
    assert result.returncode == 0, result.stderr
    assert aws.sts.requests_log[0]["token_code"] == CODE


def test_mfa_code_option_comes_before_mfa_process(aws: AwsEnv) -> None:
    marker = aws.root / "ran"
    with_mfa_process(aws, f"sh -c 'touch {marker}; echo 654321'")
    result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    assert not marker.exists()
    assert aws.sts.requests_log[0]["token_code"] == CODE


def test_role_inherits_mfa_process_with_its_mfa_serial(aws: AwsEnv) -> None:
    """In the standard layout the role holds mfa_serial, and so mfa_process."""
    aws.standard()
    aws.config.write_text(aws.config.read_text() + f"mfa_process = echo {CODE}\n")  # prod
    assert aws.run("prod", "--shell", "bash").returncode == 0


def test_output_that_is_not_a_code_is_never_echoed(aws: AwsEnv) -> None:
    with_mfa_process(aws, "echo hunter2-password")
    before = aws.snapshot()
    result = aws.run("dev", "--shell", "bash", "--debug")
    assert result.returncode == 3 and result.stdout == ""
    assert "hunter2" not in result.stderr
    assert "profile 'mfa': mfa_process printed something that is not a 6-digit code" in (
        result.stderr
    )
    assert aws.snapshot() == before


def test_a_code_from_mfa_process_is_not_in_debug_output(aws: AwsEnv) -> None:
    with_mfa_process(aws, "echo 987654")
    aws.sts.valid_code = "987654"
    result = aws.run("dev", "--shell", "bash", "--debug")
    assert result.returncode == 0, result.stderr
    assert "987654" not in result.stderr


def test_a_rejected_code_from_mfa_process_is_not_asked_again(aws: AwsEnv) -> None:
    with_mfa_process(aws, "echo 000000")
    result = aws.run("dev", "--shell", "bash")
    assert result.returncode == 4
    assert aws.sts.calls["GetSessionToken"] == 1
    assert "000000" not in result.stderr


def test_a_program_that_hangs_times_out_in_one_line() -> None:
    started = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        MfaProcess("dev", "sleep 30").code(timeout=0.5)
    assert time.monotonic() - started < 10
    assert str(caught.value) == "profile 'dev': mfa_process gave no code within 0.5 s"


def test_surrounding_whitespace_is_stripped() -> None:
    assert MfaProcess("dev", f"printf '  {CODE}\\n\\n'").code() == CODE


def gone(pid: int) -> bool:
    """No such process, or one that is dead and waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[-1].split()[0] == b"Z"
    except FileNotFoundError:
        return True


@pytest.fixture
def background(aws: AwsEnv) -> Iterator[Path]:
    """A file where a helper writes the pid of a child it leaves running;
    whatever is still running at the end is killed."""
    pidfile = aws.root / "background.pid"
    yield pidfile
    if pidfile.exists():
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pidfile.read_text()), signal.SIGKILL)


def test_a_helper_that_leaves_a_child_holding_stdout_is_read_when_it_exits(
    aws: AwsEnv, background: Path
) -> None:
    """The helper exits with its code printed; the `sleep` it left behind still
    holds the pipe, which would give EOF only when it ends."""
    with_mfa_process(aws, f"sh -c 'sleep 60 2>/dev/null & echo $! > {background}; echo {CODE}'")
    started = time.monotonic()
    result = aws.run("dev", "--shell", "bash")
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 10
    assert aws.sts.requests_log[0]["token_code"] == CODE


def test_a_helper_that_hangs_is_killed_with_everything_it_started(
    aws: AwsEnv, background: Path
) -> None:
    with_mfa_process(aws, f"sh -c 'sleep 300 2>/dev/null & echo $! > {background}; wait'")
    before = aws.snapshot()
    started = time.monotonic()
    result = aws.run("dev", "--shell", "bash", env={"AWSENV_MFA_PROCESS_TIMEOUT": "1"})
    assert time.monotonic() - started < 10
    assert (result.returncode, result.stdout) == (3, "")
    assert result.stderr == "awsenv: profile 'mfa': mfa_process gave no code within 1 s\n"
    assert aws.snapshot() == before and aws.sts.calls == {}
    pid = int(background.read_text())
    deadline = time.monotonic() + 5
    while not gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(pid)


@pytest.mark.parametrize("value", ["0", "-1", "soon", "100000"])
def test_an_unusable_timeout_setting_is_one_line(aws: AwsEnv, value: str) -> None:
    with_mfa_process(aws, f"echo {CODE}")
    result = aws.run("dev", "--shell", "bash", env={"AWSENV_MFA_PROCESS_TIMEOUT": value})
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("awsenv: AWSENV_MFA_PROCESS_TIMEOUT must be")
    assert result.stderr.count("\n") == 1
