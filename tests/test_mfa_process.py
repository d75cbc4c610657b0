"""`mfa_process`: MFA codes from a program. Order: --mfa-code, then
mfa_process, then the terminal; failures are one line naming the profile,
and what the program printed is never echoed, not even in --debug."""

from __future__ import annotations

import time

import pytest
from conftest import CODE, SEED_CONFIG, SEED_CREDENTIALS, AwsEnv

from awsenv.errors import ConfigError
from awsenv.mfa_process import MfaProcess


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
