"""Two clocks: awsenv's and STS's. Expiry is judged by the local clock, the skew
is measured from the Date header of STS's answers, and odd times are errors,
never crashes. The local STS runs on the real clock; faketime moves awsenv's."""

from __future__ import annotations

import contextlib
import re
from datetime import datetime, timedelta, timezone
from email.utils import formatdate

import pytest
from conftest import CODE, AwsEnv, require
from hypothesis import given
from hypothesis import strategies as st

from awsenv.credentials import Credentials, check_time, parse_time


def faketime(offset: str) -> list[str]:
    require("faketime")
    return ["faketime", "-f", offset]


def assert_failed_cleanly(result, code: int, before: dict[str, bytes], aws: AwsEnv) -> str:
    assert (result.returncode, result.stdout) == (code, ""), result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert "internal error" not in lines[0] and "Traceback" not in result.stderr
    assert aws.snapshot() == before
    return lines[0]


def test_local_clock_nine_hours_ahead_fails_with_one_line_naming_the_clock(aws: AwsEnv) -> None:
    aws.seed()
    before = aws.snapshot()
    result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE, wrapper=faketime("+9h"))
    line = assert_failed_cleanly(result, 4, before, aws)
    # Real STS refuses requests signed that far off; the keys are not to blame.
    assert "signed at the wrong time" in line
    assert "the local clock is 9 h 0 min ahead of STS" in line
    assert "keys are invalid" not in line


def test_local_clock_nine_hours_ahead_of_an_sts_that_issued_anyway(aws: AwsEnv) -> None:
    """The attack in issue 6: STS's answers say its clock is 9 h behind, and the
    role it issued for an hour is long past by this machine's clock."""
    aws.seed()
    before = aws.snapshot()
    sts_now = datetime.now(timezone.utc) - timedelta(hours=9)
    aws.sts.answer_date = formatdate(sts_now.timestamp(), usegmt=True)
    aws.sts.answer_expiration = (sts_now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    line = assert_failed_cleanly(result, 4, before, aws)
    assert "already past by the local clock" in line
    assert "the local clock is 9 h 0 min ahead of STS" in line


def test_local_clock_ten_minutes_ahead_works_and_says_so_once(aws: AwsEnv) -> None:
    aws.seed()
    result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE, wrapper=faketime("+10m"))
    assert result.returncode == 0, result.stderr
    assert "export AWS_ACCESS_KEY_ID=" in result.stdout
    skew = [line for line in result.stderr.splitlines() if "clock" in line]
    # Two STS calls, one notice.
    assert len(skew) == 1, result.stderr
    assert re.fullmatch(
        r"awsenv: the local clock is 10 min \d s ahead of STS; "
        r"expiry times are judged by the local clock",
        skew[0],
    )


def test_small_skew_is_not_mentioned(aws: AwsEnv) -> None:
    aws.seed()
    result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE, wrapper=faketime("+2m"))
    assert result.returncode == 0, result.stderr
    assert "clock" not in result.stderr


def test_credentials_inside_the_margin_by_the_local_clock_are_refused(aws: AwsEnv) -> None:
    """14 min ahead is still inside STS's signing window: a 15 min role is
    issued, and has a minute left here, inside the 5 min refresh margin."""
    aws.seed()
    before = aws.snapshot()
    result = aws.run(
        "dev", "--shell", "bash", "--mfa-code", CODE, "--duration", "900",
        wrapper=faketime("+14m"),
    )  # fmt: skip
    line = assert_failed_cleanly(result, 4, before, aws)
    assert "within the 300 s refresh margin by the local clock" in line
    assert re.search(r"the local clock is 14 min \d+ s ahead of STS; set the clock right", line)


def test_margin_as_long_as_the_role_is_a_config_error_not_a_clock_one(aws: AwsEnv) -> None:
    aws.standard()
    before = aws.snapshot()
    result = aws.run(
        "dev", "--shell", "bash", "--mfa-code", CODE, env={"AWSENV_REFRESH_MARGIN": "3600"}
    )
    line = assert_failed_cleanly(result, 3, before, aws)
    assert "within AWSENV_REFRESH_MARGIN (3600 s); lower it or ask for a longer duration" in line
    assert "clock" not in line


def test_an_expiration_of_2000_from_sts_is_not_exported(aws: AwsEnv) -> None:
    aws.seed()
    before = aws.snapshot()
    aws.sts.answer_expiration = "2000-01-01T00:00:00Z"
    result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    line = assert_failed_cleanly(result, 4, before, aws)
    assert line == (
        "awsenv: mfa: the credentials expire at 2000-01-01T00:00:00Z, "
        "already past by STS's own clock; nothing was exported"
    )


@pytest.mark.parametrize(
    "expiration", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "not a time", "1969-12-31"]
)
def test_unusable_expiration_from_sts_is_one_line(aws: AwsEnv, expiration: str) -> None:
    aws.seed()
    before = aws.snapshot()
    aws.sts.answer_expiration = expiration
    result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    line = assert_failed_cleanly(result, 4, before, aws)
    assert line.startswith("awsenv: MFA session for mfa: STS answered with ")
    assert line.endswith("awsenv cannot use; nothing was exported") or "cannot read" in line


@pytest.mark.parametrize(
    "expiration", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "soon", "2024-13-01T00:00:00Z"]
)
def test_unusable_expiration_in_the_credentials_file_is_one_line(
    aws: AwsEnv, expiration: str
) -> None:
    aws.write(
        "",
        "[old]\naws_access_key_id = ASIAOLD\naws_secret_access_key = s\n"
        f"aws_session_token = t\nexpiration = {expiration}\n",
    )
    before = aws.snapshot()
    line = assert_failed_cleanly(aws.run("old", "--shell", "bash"), 3, before, aws)
    assert line == "awsenv: [old]: its expiration is not an ISO 8601 time between 1970 and 3000"


@given(st.datetimes(timezones=st.timezones()))
def test_any_time_is_usable_or_a_value_error(moment: datetime) -> None:
    try:
        utc = check_time(moment)
    except ValueError:
        return
    creds = Credentials("AKIA", "secret", "token", utc)
    for margin in (timedelta(0), timedelta(hours=1)):
        creds.valid_for(margin, datetime.now(timezone.utc))  # never OverflowError


@given(st.text(max_size=40))
def test_parse_time_raises_only_value_error(text: str) -> None:
    with contextlib.suppress(ValueError):
        parse_time(text)


def test_valid_for_at_the_limits_of_datetime() -> None:
    now = datetime.now(timezone.utc)
    for extreme in (datetime.min, datetime.max):
        creds = Credentials("AKIA", "s", "t", extreme.replace(tzinfo=timezone.utc))
        assert creds.valid_for(timedelta(hours=1), now) is (extreme == datetime.max)
