"""Role sessions longer than one hour: in the standard layout the code goes to
AssumeRole itself (signed with the long-term keys), one code for that role;
over a session profile the 1-hour cap stays."""

from __future__ import annotations

from datetime import datetime, timezone

from conftest import ACCOUNT, CODE, MFA_SERIAL, AwsEnv
from realshells import evaluate

from awsenv.core.exports import MANAGED

DEV_ARN = f"arn:aws:iam::{ACCOUNT}:role/dev"


def _lifetime(aws: AwsEnv, stdout: str, tmp_path) -> float:  # type: ignore[no-untyped-def]
    env = evaluate("bash", stdout, list(MANAGED), tmp_path).variables
    expiry = int(env["AWSENV_EXPIRATION_EPOCH"])
    return expiry - datetime.now(timezone.utc).timestamp()


def test_twelve_hour_role_is_assumed_directly_with_the_code_and_cached(
    aws: AwsEnv, tmp_path
) -> None:
    aws.standard()
    aws.config.write_text(aws.config.read_text() + "duration_seconds = 43200\n")  # on prod
    first = aws.run("prod", "--shell", "bash", "--mfa-code", CODE)
    assert first.returncode == 0, first.stderr
    assert aws.sts.successes == {"AssumeRole": 1}  # no MFA session in between
    call = aws.sts.requests_log[0]
    assert call["serial_number"] == MFA_SERIAL and call["token_code"] == CODE
    assert call["duration_seconds"] == 43200 and not call["has_session_token"]
    assert first.stderr.count("takes an MFA code of its own") == 1
    assert 43200 - 120 < _lifetime(aws, first.stdout, tmp_path) <= 43200
    aws.sts.reset()
    again = aws.run("prod", "--shell", "bash", "--no-prompt")
    assert again.returncode == 0, again.stderr
    assert aws.sts.calls == {}  # cached for its whole duration
    assert "takes an MFA code of its own" not in again.stderr


def test_one_hour_roles_still_share_one_mfa_session(aws: AwsEnv) -> None:
    aws.standard()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    assert aws.run("prod", "--shell", "bash", "--no-prompt").returncode == 0
    assert aws.sts.successes == {"GetSessionToken": 1, "AssumeRole": 2}


def test_duration_above_the_roles_maximum_is_one_line_from_sts(aws: AwsEnv) -> None:
    aws.standard()
    aws.sts.role_max_session[DEV_ARN] = 3600
    before = aws.snapshot()
    result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE, "--duration", "7200")
    assert result.returncode == 4
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "duration refused by STS" in lines[0]
    assert "Traceback" not in result.stderr
    assert aws.snapshot() == before


def test_session_profile_layout_keeps_the_one_hour_cap(aws: AwsEnv) -> None:
    aws.seed()
    result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE, "--duration", "7200")
    assert result.returncode == 0, result.stderr
    assert "capped at 1 hour" in result.stderr
    assume = [e for e in aws.sts.requests_log if e["action"] == "AssumeRole"]
    assert assume[0]["duration_seconds"] == 3600


def test_duration_flag_renews_a_role_cached_with_a_shorter_session(aws: AwsEnv, tmp_path) -> None:
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    aws.sts.reset()
    short = aws.run("dev", "--shell", "bash", "--duration", "1800")
    assert short.returncode == 0, short.stderr
    assert aws.sts.successes == {"AssumeRole": 1}  # not the cached 1-hour session
    assert aws.sts.requests_log[0]["duration_seconds"] == 1800
    assert _lifetime(aws, short.stdout, tmp_path) <= 1800
    aws.sts.reset()
    assert aws.run("dev", "--shell", "bash", "--duration", "1800").returncode == 0
    assert aws.sts.calls == {}


def test_longer_duration_on_a_cached_standard_role_asks_for_its_own_code(aws: AwsEnv) -> None:
    aws.standard()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    aws.sts.reset()
    # The one-hour session is cached; eight hours is another session, with a code.
    refused = aws.run("dev", "--shell", "bash", "--duration", "28800", "--no-prompt")
    assert refused.returncode == 2 and aws.sts.calls == {}
    longer = aws.run("dev", "--shell", "bash", "--duration", "28800", "--mfa-code", CODE)
    assert longer.returncode == 0, longer.stderr
    assert aws.sts.requests_log[0]["duration_seconds"] == 28800


def test_an_mfa_session_of_another_duration_is_a_new_session(aws: AwsEnv, tmp_path) -> None:
    """`awsenv mfa --duration 900` after the default 8-hour session: a session of
    15 minutes, not the cached 8 hours; and the plain call after it gets the
    8-hour session again, not the 15-minute one from a memo."""
    aws.seed()
    first = aws.run("mfa", "--shell", "bash", "--mfa-code", CODE)
    assert first.returncode == 0, first.stderr
    assert 28800 - 120 < _lifetime(aws, first.stdout, tmp_path) <= 28800
    aws.sts.reset()
    short = aws.run("mfa", "--shell", "bash", "--mfa-code", CODE, "--duration", "900")
    assert short.returncode == 0, short.stderr
    assert aws.sts.successes == {"GetSessionToken": 1}
    assert aws.sts.requests_log[0]["duration_seconds"] == 900
    assert 900 - 120 < _lifetime(aws, short.stdout, tmp_path) <= 900
    aws.sts.reset()
    plain = aws.run("mfa", "--shell", "bash", "--no-prompt")
    assert plain.returncode == 0, plain.stderr
    assert aws.sts.calls == {}  # the 8-hour session, from the cache
    assert plain.stdout == first.stdout
    again = aws.run("mfa", "--shell", "bash", "--no-prompt", "--duration", "900")
    assert again.returncode == 0 and aws.sts.calls == {}  # and the 15-minute one
    assert again.stdout == short.stdout


def test_roles_share_the_mfa_session_whose_duration_they_ask_for(aws: AwsEnv) -> None:
    """In the seed layout the roles ride the session profile's own duration:
    one session, one code, whatever the session profile was last exported with."""
    aws.seed()
    assert (
        aws.run("mfa", "--shell", "bash", "--mfa-code", CODE, "--duration", "900").returncode == 0
    )
    aws.sts.reset()
    dev = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    prod = aws.run("prod", "--shell", "bash", "--no-prompt")
    assert dev.returncode == 0 and prod.returncode == 0, dev.stderr + prod.stderr
    assert aws.sts.successes == {"GetSessionToken": 1, "AssumeRole": 2}
    assert aws.sts.requests_log[0]["duration_seconds"] == 28800
