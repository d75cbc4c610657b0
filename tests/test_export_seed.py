"""The seed layout end to end: [mfa] session profile + role, evaluated in real shells."""

from __future__ import annotations

import pytest
from conftest import ACCOUNT, CODE, SEED_CREDENTIALS, AwsEnv
from realshells import evaluate

from awsenv.core.exports import MANAGED

NAMES = list(MANAGED)


def test_dev_exports_role_keys_profile_and_region_in_bash(aws: AwsEnv, tmp_path) -> None:
    aws.seed()
    result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    shell = evaluate("bash", result.stdout, NAMES, tmp_path)
    assert shell.returncode == 0, shell.stderr
    env = shell.variables
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert env["AWS_PROFILE"] == "dev"
    assert env["AWSENV_PROFILE"] == "dev"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-central-1"
    assert "AWS_SECURITY_TOKEN" not in env
    # The exported keys really are the role's: ask STS who they are.
    assert whoami(aws, env).startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/dev/")
    assert aws.sts.successes["GetSessionToken"] == 1
    assert aws.sts.successes["AssumeRole"] == 1


def test_dev_writes_mfa_section_and_leaves_every_other_byte(aws: AwsEnv) -> None:
    aws.seed()
    result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    text = aws.credentials.read_text()
    assert text.startswith(SEED_CREDENTIALS)
    added = text[len(SEED_CREDENTIALS) :]
    lines = added.splitlines()
    assert lines[0] == ""
    assert lines[1] == "[mfa]"
    keys = dict(line.split(" = ", 1) for line in lines[2:])
    assert set(keys) == {
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "expiration",
    }
    # The section holds exactly the session the server issued.
    assert aws.sts.session_tokens[keys["aws_access_key_id"]] == keys["aws_session_token"]


def test_second_call_makes_no_sts_request_and_needs_no_code(aws: AwsEnv, tmp_path) -> None:
    aws.seed()
    first = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    assert first.returncode == 0, first.stderr
    aws.sts.reset()
    second = aws.run("dev", "--shell", "bash")  # no code, and no terminal to ask on
    assert second.returncode == 0, second.stderr
    assert sum(aws.sts.calls.values()) == 0
    assert second.stdout == first.stdout


def test_other_role_over_same_session_needs_no_new_code(aws: AwsEnv) -> None:
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    aws.sts.reset()
    prod = aws.run("prod", "--shell", "bash")
    assert prod.returncode == 0, prod.stderr
    assert aws.sts.calls == {"AssumeRole": 1}


def test_refresh_assumes_role_again_but_reuses_the_mfa_session(aws: AwsEnv) -> None:
    aws.seed()
    first = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    aws.sts.reset()
    again = aws.run("dev", "--shell", "bash", "--refresh")
    assert again.returncode == 0, again.stderr
    assert aws.sts.calls == {"AssumeRole": 1}
    assert again.stdout != first.stdout


def test_refresh_of_the_session_profile_itself_asks_for_a_new_code(aws: AwsEnv) -> None:
    aws.seed()
    assert aws.run("mfa", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    before = aws.credentials.read_text()
    aws.sts.reset()
    no_code = aws.run("mfa", "--shell", "bash", "--refresh")
    assert no_code.returncode == 2
    assert "--mfa-code" in no_code.stderr
    assert aws.sts.calls == {}
    # A shorter session, so the new expiration differs from the old one even
    # within the same second (moto issues the same keys every time).
    refreshed = aws.run(
        "mfa", "--shell", "bash", "--refresh", "--mfa-code", CODE, "--duration", "3600"
    )
    assert refreshed.returncode == 0, refreshed.stderr
    assert aws.sts.calls == {"GetSessionToken": 1}
    assert aws.credentials.read_text() != before


def test_session_profile_exports_itself_as_aws_profile(aws: AwsEnv, tmp_path) -> None:
    aws.seed()
    result = aws.run("mfa", "--shell", "sh", "--mfa-code", CODE, "--duration", "3600")
    assert result.returncode == 0, result.stderr
    env = evaluate("sh", result.stdout, NAMES, tmp_path).variables
    assert env["AWS_PROFILE"] == "mfa"
    assert aws.sts.session_tokens[env["AWS_ACCESS_KEY_ID"]] == env["AWS_SESSION_TOKEN"]
    assert env["AWS_REGION"] == "eu-west-1"  # from its source, [default]
    assert aws.sts.requests_log[0]["duration_seconds"] == 3600


def test_edited_mfa_section_is_put_back_from_the_cache(aws: AwsEnv) -> None:
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    written = aws.credentials.read_text()
    aws.credentials.write_text(SEED_CREDENTIALS)  # someone restored an old copy
    aws.sts.reset()
    assert aws.run("dev", "--shell", "bash").returncode == 0
    assert aws.sts.calls == {}
    assert aws.credentials.read_text() == written


@pytest.mark.parametrize("shell", ["bash", "zsh", "sh"])
def test_exports_read_back_exactly_in_each_posix_shell(aws: AwsEnv, tmp_path, shell) -> None:
    from realshells import available

    if not available(shell):
        from conftest import require

        require({"sh": "dash"}.get(shell, shell))
    aws.seed()
    result = aws.run("dev", "--shell", shell, "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    expected = dict(
        line.removeprefix("export ").split("=", 1)
        for line in result.stdout.splitlines()
        if line.startswith("export ")
    )
    env = evaluate(shell, result.stdout, NAMES, tmp_path)
    assert env.returncode == 0 and env.stderr == ""
    assert set(env.variables) == set(expected)
    for name, quoted in expected.items():
        assert quoted == "'" + env.variables[name] + "'"  # no quote needed escaping here


def whoami(aws: AwsEnv, env: dict[str, str]) -> str:
    import boto3

    client = boto3.client(
        "sts",
        endpoint_url=aws.sts.endpoint,
        region_name="us-east-1",
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env["AWS_SESSION_TOKEN"],
    )
    return str(client.get_caller_identity()["Arn"])


def in_twenty_minutes() -> str:
    """An Expiration for STS to answer with, whatever duration was asked for."""
    from datetime import datetime, timedelta, timezone

    return (datetime.now(timezone.utc) + timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_role_is_renewed_with_its_expired_session_profile(aws: AwsEnv) -> None:
    """AWS_PROFILE=dev only works while [mfa] does: a cached role must not
    outlive the session profile under it."""
    aws.seed()
    first = aws.run("dev", "--shell", "bash", "--mfa-code", CODE, "--duration", "900")
    assert first.returncode == 0, first.stderr
    aws.sts.reset()
    # A margin that the 8 h session still clears but the 15 min role does not...
    margin = {"AWSENV_REFRESH_MARGIN": "1800"}
    assert aws.run("dev", "--shell", "bash", env=margin).returncode == 0
    assert aws.sts.calls == {"AssumeRole": 1}
    # ...and a session profile renewed with one that STS let last 20 min, which
    # it does not clear either: the session must be renewed, so a code is due.
    aws.sts.answer_expiration = in_twenty_minutes()
    short = aws.run("mfa", "--shell", "bash", "--mfa-code", CODE, "--refresh")
    assert short.returncode == 0, short.stderr
    aws.sts.reset()
    no_code = aws.run("prod", "--shell", "bash", env=margin)
    assert no_code.returncode == 2 and "--mfa-code" in no_code.stderr
    renewed = aws.run("dev", "--shell", "bash", "--mfa-code", CODE, env=margin)
    assert renewed.returncode == 0, renewed.stderr
    assert aws.sts.calls == {"GetSessionToken": 1, "AssumeRole": 1}


def test_help_and_version_print_on_stdout(aws: AwsEnv) -> None:
    # Asked for by a person; the init wrappers run them without eval.
    result = aws.run("dev", "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: awsenv") and result.stderr == ""
    version = aws.run("--version")
    assert version.stdout.startswith("awsenv ") and version.stderr == ""


def faketime(offset: str) -> list[str]:
    """Move awsenv's clock, and only its clock, with libfaketime."""
    from conftest import require

    require("faketime")
    return ["faketime", "-f", offset]


def test_role_near_expiry_is_renewed_without_a_code(aws: AwsEnv) -> None:
    aws.seed()
    first = aws.run("dev", "--shell", "bash", "--mfa-code", CODE, "--duration", "900")
    assert first.returncode == 0, first.stderr
    aws.sts.reset()
    # 11 min later the 15 min role is inside the 5 min margin; the renewed one
    # (an hour by STS's clock, 49 min by this one) is not.
    later = aws.run("dev", "--shell", "bash", wrapper=faketime("+11m"))
    assert later.returncode == 0, later.stderr
    assert aws.sts.calls == {"AssumeRole": 1}


def test_after_the_session_expires_a_code_is_needed_again(aws: AwsEnv) -> None:
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    aws.sts.reset()
    later = aws.run("dev", "--shell", "bash", wrapper=faketime("+8h"))
    assert later.returncode == 2 and "--mfa-code" in later.stderr
    assert aws.sts.calls == {}


def test_hook_epoch_warns_before_the_session_profile_under_the_role_expires(
    aws: AwsEnv, tmp_path
) -> None:
    """With AWS_PROFILE=dev, tools read [mfa]: when it ends first, the hook's
    epoch is its expiry, while AWS_CREDENTIAL_EXPIRATION stays the keys' own."""
    aws.seed()
    # A 20-minute MFA session (STS gave no more) under a 1-hour role.
    aws.sts.answer_expiration = in_twenty_minutes()
    assert aws.run("mfa", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    aws.sts.answer_expiration = None
    result = aws.run("dev", "--shell", "bash")
    assert result.returncode == 0, result.stderr
    env = evaluate("bash", result.stdout, NAMES, tmp_path).variables
    session_expiry = next(
        line.split(" = ")[1]
        for line in aws.credentials.read_text().splitlines()
        if line.startswith("expiration = ")
    )
    from awsenv.aws.credentials import format_time, parse_time

    role_epoch = int(parse_time(env["AWS_CREDENTIAL_EXPIRATION"]).timestamp())
    hook_epoch = int(env["AWSENV_EXPIRATION_EPOCH"])
    assert hook_epoch == int(parse_time(session_expiry).timestamp())
    assert role_epoch - hook_epoch > 30 * 60
    assert format_time(parse_time(session_expiry)) == session_expiry
