"""Two clocks: awsenv's and STS's. Expiry is judged by the local clock, the skew
is measured from the Date header of STS's answers, and odd times are errors,
never crashes. The local STS runs on the real clock; faketime moves awsenv's."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
from datetime import datetime, timedelta, timezone
from email.utils import formatdate

import pytest
from conftest import CODE, AwsEnv, besides_refresh, require
from hypothesis import given
from hypothesis import strategies as st

from awsenv.aws.credentials import Credentials, check_time, parse_time


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
    # Knowable from the plan: refused before any STS call.
    assert line.startswith("awsenv: AWSENV_REFRESH_MARGIN 3600 s: role dev lasts at most 3600 s")
    assert line.endswith("; lower the margin")
    assert "clock" not in line
    assert aws.sts.requests_log == []


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


# --- a local clock behind STS: the skew is kept with the cache entry ---------


def sts_clock(aws: AwsEnv, ahead: timedelta, lasting: timedelta = timedelta(hours=1)) -> None:
    """The local STS answers as if its clock ran `ahead` of the real one, with
    credentials lasting `lasting` by that clock."""
    sts_now = datetime.now(timezone.utc) + ahead
    aws.sts.answer_date = formatdate(sts_now.timestamp(), usegmt=True)
    aws.sts.answer_expiration = (sts_now + lasting).strftime("%Y-%m-%dT%H:%M:%SZ")


def exported_key(stdout: str) -> str:
    match = re.search(r"^export AWS_ACCESS_KEY_ID='([^']*)'$", stdout, re.M)
    assert match, stdout
    return match.group(1)


# Measured a second or two after STS's Date was fixed: 49 min 58 s, say.
BEHIND = r"the local clock is (49|50) min \d+ s behind STS"


@pytest.fixture
def behind_sts(aws: AwsEnv) -> str:
    """An export made while the local clock is 50 min behind STS's, with
    credentials that last 15 min by STS's clock (65 min by the local one's
    reading). Eleven minutes later STS's clock leaves them 4 min, inside the
    5 min margin, while the local clock still sees 54."""
    aws.seed()
    sts_clock(aws, timedelta(minutes=50), timedelta(minutes=15))
    first = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    assert first.returncode == 0, first.stderr
    assert re.fullmatch(
        rf"awsenv: {BEHIND}; "
        r"expiry times are judged by the local clock\n",
        besides_refresh(first.stderr),
    )
    aws.sts.reset()
    sts_clock(aws, timedelta(minutes=61), timedelta(minutes=15))  # eleven minutes on, for STS
    return exported_key(first.stdout)


@pytest.mark.parametrize("memo", [True, False], ids=["fast-path-memo", "cache-only"])
def test_a_cached_call_renews_what_stss_clock_says_has_expired(
    aws: AwsEnv, behind_sts: str, memo: bool
) -> None:
    if not memo:
        shutil.rmtree(aws.cache / "exports")
    result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE, wrapper=faketime("+11m"))

    assert result.returncode == 0, result.stderr
    assert aws.sts.calls == {"GetSessionToken": 1, "AssumeRole": 1}
    assert exported_key(result.stdout) != behind_sts
    (line,) = besides_refresh(result.stderr).splitlines()
    assert line.startswith("awsenv: dev: the cached credentials expire at ")
    assert "by STS's clock" in line and line.endswith("; renewed")
    assert re.search(BEHIND, line)


def test_without_a_code_the_renewal_fails_in_one_line_naming_the_clock(
    aws: AwsEnv, behind_sts: str
) -> None:
    before = aws.snapshot()
    result = aws.run("dev", "--shell", "bash", "--no-prompt", wrapper=faketime("+11m"))

    line = assert_failed_cleanly(result, 2, before, aws)
    assert "MFA code is needed" in line and "by STS's clock" in line
    assert re.search(BEHIND, line)
    assert aws.sts.calls == {}


def test_a_cached_call_inside_stss_time_is_served_without_sts(aws: AwsEnv, behind_sts: str) -> None:
    # Two minutes on: STS's clock leaves 13 min, beyond the margin.
    result = aws.run("dev", "--shell", "bash", wrapper=faketime("+2m"))
    assert (result.returncode, result.stderr) == (0, "")
    assert exported_key(result.stdout) == behind_sts
    assert aws.sts.calls == {}


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


def test_list_tells_that_the_next_call_needs_a_code_by_stss_clock(
    aws: AwsEnv, behind_sts: str
) -> None:
    """`list` and `explain` judge the cache by the export's own rule."""
    result = aws.run("list", "--json", wrapper=faketime("+11m"))
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)["profiles"]}
    assert rows["dev"]["needs_mfa"] is True
    now = json.loads(aws.run("list", "--json").stdout)["profiles"]
    assert [row["needs_mfa"] for row in now if row["name"] == "dev"] == [False]
