"""Long jobs: `--min-valid DURATION` (50m, 2h or seconds) on the export, exec and
process renews credentials that would not last that long; what no session of
the profile can give (a --min-valid, or AWSENV_REFRESH_MARGIN, at or above the
session's length) fails before any STS call, in one line naming the limit."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import pytest
from conftest import CODE, STANDARD_CONFIG, STANDARD_CREDENTIALS, AwsEnv

from awsenv import fastpath
from awsenv.aws.credentials import parse_time

# The three commands that take it, each as a whole call (exec with a command).
CALLS = {
    "export": ("dev", "--shell", "bash"),
    "process": ("process", "dev"),
    "exec": ("exec", "dev", "--", "true"),
}


def expiry(result_stdout: str) -> datetime:
    return parse_time(json.loads(result_stdout)["Expiration"])


def assert_refused_before_sts(
    aws: AwsEnv, result_line: str, *args: str, status: int = 2, **env: str
) -> None:
    before = aws.snapshot()
    result = aws.run(*args, "--mfa-code", CODE, env=env)  # a code is at hand: still no call
    assert result.returncode == status, result
    assert result.stdout == ""
    assert result.stderr == f"awsenv: {result_line}\n"
    assert aws.sts.requests_log == []  # the STS server saw nothing
    assert aws.snapshot() == before


@pytest.mark.parametrize("command", sorted(CALLS))
def test_min_valid_beyond_a_chained_roles_hour_fails_before_any_sts_call(
    aws: AwsEnv, command: str
) -> None:
    aws.seed()  # dev: a role over the MFA session profile, so at most an hour
    words = CALLS[command]
    cut = words.index("--") if "--" in words else len(words)
    args = (*words[:cut], "--min-valid", "2h", *words[cut:])
    assert_refused_before_sts(
        aws,
        "--min-valid 7200 s: role dev lasts at most 3600 s (AWS caps a role assumed with "
        "temporary credentials at 1 hour), so its credentials can never last that long",
        *args,
    )


def test_min_valid_equal_to_the_roles_duration_fails_naming_it(aws: AwsEnv) -> None:
    aws.write(
        STANDARD_CONFIG.replace("[profile prod]", "duration_seconds = 1800\n\n[profile prod]"),
        STANDARD_CREDENTIALS,
    )
    assert_refused_before_sts(
        aws,
        "--min-valid 1800 s: role dev lasts 1800 s (duration_seconds or --duration), "
        "so its credentials can never last that long",
        "process",
        "dev",
        "--min-valid",
        "30m",
    )


def test_a_margin_at_the_sessions_duration_fails_before_any_sts_call(aws: AwsEnv) -> None:
    aws.seed()
    assert_refused_before_sts(
        aws,
        "AWSENV_REFRESH_MARGIN 3600 s: role dev lasts at most 3600 s (AWS caps a role "
        "assumed with temporary credentials at 1 hour), so its credentials would be renewed "
        "on every call; lower the margin",
        "dev",
        "--shell",
        "bash",
        status=3,  # as when STS's answer was refused for the margin
        AWSENV_REFRESH_MARGIN="3600",
    )


@pytest.mark.parametrize("value", ["50x", "-5m", "m", "1.5h", ""])
def test_a_malformed_duration_is_one_usage_line(aws: AwsEnv, value: str) -> None:
    aws.seed()
    result = aws.run("process", "dev", "--min-valid", value)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "--min-valid" in result.stderr
    assert aws.sts.requests_log == []


def test_min_valid_renews_what_would_not_last_and_serves_what_would(aws: AwsEnv) -> None:
    aws.seed()
    first = aws.run("process", "dev", "--mfa-code", CODE)
    assert first.returncode == 0, first.stderr
    issued = aws.sts.successes["AssumeRole"]
    # The role has just under an hour left: 50 minutes are there, served.
    served = aws.run("process", "dev", "--min-valid", "50m")
    assert served.returncode == 0, served.stderr
    assert served.stdout == first.stdout
    assert aws.sts.successes["AssumeRole"] == issued
    # 3599 s are not (a few seconds went by): renewed with the MFA session, no code.
    time.sleep(2)
    renewed = aws.run("process", "dev", "--min-valid", "3599")
    assert renewed.returncode == 0, renewed.stderr
    assert aws.sts.successes == {"GetSessionToken": 1, "AssumeRole": issued + 1}
    assert expiry(renewed.stdout) - datetime.now(timezone.utc) > timedelta(seconds=3590)


def test_the_fast_path_never_answers_a_call_with_min_valid(aws: AwsEnv) -> None:
    """A memo holds no promise of how long it lasts beyond its own renewal
    time: a call with --min-valid goes to the full path, which judges it."""
    assert fastpath._request(["process", "dev", "--min-valid", "50m"]) is None
    assert fastpath._request(["dev", "--min-valid=2h"]) is None
    assert fastpath._request(["process", "dev"]) is not None
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    memo = aws.run("dev", "--shell", "bash")  # served by the memo
    assert memo.returncode == 0 and aws.sts.successes["AssumeRole"] == 1
    time.sleep(2)
    renewed = aws.run("dev", "--shell", "bash", "--min-valid", "3599")
    assert renewed.returncode == 0, renewed.stderr
    assert aws.sts.successes["AssumeRole"] == 2
    assert renewed.stdout != memo.stdout


def test_exec_with_min_valid_gives_the_command_renewed_credentials(aws: AwsEnv) -> None:
    aws.seed()
    first = aws.run("process", "dev", "--mfa-code", CODE)
    assert first.returncode == 0, first.stderr
    time.sleep(2)
    result = aws.run(
        "exec", "dev", "--min-valid", "3599", "--", "sh", "-c", "echo $AWS_ACCESS_KEY_ID"
    )
    assert result.returncode == 0, result.stderr
    assert aws.sts.successes == {"GetSessionToken": 1, "AssumeRole": 2}
    assert result.stdout.strip() != json.loads(first.stdout)["AccessKeyId"]
    assert result.stdout.startswith("ASIA")
