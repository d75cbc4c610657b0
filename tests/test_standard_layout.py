"""The standard layout: roles with their own mfa_serial over long-term keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ACCOUNT, CODE, MFA_SERIAL, STANDARD_CREDENTIALS, AwsEnv
from realshells import evaluate

from awsenv.core.exports import MANAGED


def test_two_roles_over_one_source_make_exactly_one_get_session_token(aws: AwsEnv) -> None:
    aws.standard()
    dev = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    assert dev.returncode == 0, dev.stderr
    prod = aws.run("prod", "--shell", "bash")  # no code: the session is shared
    assert prod.returncode == 0, prod.stderr
    assert aws.sts.successes == {"GetSessionToken": 1, "AssumeRole": 2}
    session_call = aws.sts.requests_log[0]
    assert session_call["serial_number"] == MFA_SERIAL
    # Both roles were assumed with the session, not with the long-term keys.
    assert all(e["has_session_token"] for e in aws.sts.requests_log[1:])


def test_role_with_mfa_serial_leaves_aws_profile_unset_and_says_why(aws: AwsEnv, tmp_path) -> None:
    aws.standard()
    result = aws.run("prod", "--shell", "bash", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    env = evaluate(
        "bash", result.stdout, list(MANAGED), tmp_path, preset={"AWS_PROFILE": "stale"}
    ).variables
    assert "AWS_PROFILE" not in env  # an earlier export's value is removed too
    assert env["AWSENV_PROFILE"] == "prod"
    assert env["AWS_REGION"] == "eu-north-1"
    notice, refreshed = result.stderr.splitlines()
    assert "AWS_PROFILE not set: other tools would ask for an MFA code" in notice
    assert refreshed.startswith("awsenv: prod: role prod in ")


def test_long_term_keys_are_never_written(aws: AwsEnv) -> None:
    aws.standard()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    assert aws.credentials.read_text() == STANDARD_CREDENTIALS


def test_long_term_profile_with_mfa_serial_exports_a_session(aws: AwsEnv, tmp_path) -> None:
    aws.write(
        f"[profile ops]\nmfa_serial = {MFA_SERIAL}\nregion = ap-south-1\n",
        STANDARD_CREDENTIALS.replace("[default]", "[ops]"),
    )
    before = aws.credentials.read_bytes()
    result = aws.run("ops", "--shell", "bash", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    env = evaluate("bash", result.stdout, list(MANAGED), tmp_path).variables
    assert env["AWS_SESSION_TOKEN"] == aws.sts.session_tokens[env["AWS_ACCESS_KEY_ID"]]
    assert "AWS_PROFILE" not in env
    assert aws.credentials.read_bytes() == before
    aws.sts.reset()
    assert aws.run("ops", "--shell", "bash").returncode == 0
    assert aws.sts.calls == {}


def test_role_chain_reaches_the_inner_role(aws: AwsEnv, tmp_path) -> None:
    aws.write(
        f"""[profile hub]
role_arn = arn:aws:iam::{ACCOUNT}:role/hub
source_profile = default
mfa_serial = {MFA_SERIAL}

[profile spoke]
role_arn = arn:aws:iam::{ACCOUNT}:role/spoke
source_profile = hub
external_id = ext-42
""",
        STANDARD_CREDENTIALS,
    )
    result = aws.run("spoke", "--shell", "bash", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    assert [e["action"] for e in aws.sts.requests_log] == [
        "GetSessionToken",
        "AssumeRole",
        "AssumeRole",
    ]
    assert [e["role_arn"] for e in aws.sts.requests_log[1:]] == [
        f"arn:aws:iam::{ACCOUNT}:role/hub",
        f"arn:aws:iam::{ACCOUNT}:role/spoke",
    ]
    env = evaluate("bash", result.stdout, list(MANAGED), tmp_path).variables
    assert "AWS_PROFILE" not in env  # hub needs a code when read from the files


def test_plain_keys_profile_exports_keys_without_sts(aws: AwsEnv, tmp_path) -> None:
    aws.seed()
    result = aws.run("other", "--shell", "bash")
    assert result.returncode == 0, result.stderr
    env = evaluate(
        "bash",
        result.stdout,
        list(MANAGED),
        tmp_path,
        preset={"AWS_SESSION_TOKEN": "old", "AWS_REGION": "old", "AWS_DEFAULT_REGION": "old"},
    ).variables
    assert env["AWS_ACCESS_KEY_ID"] == "AKIAEXAMPLEOTHER0001"
    assert env["AWS_PROFILE"] == "other"
    assert "AWS_SESSION_TOKEN" not in env and "AWS_CREDENTIAL_EXPIRATION" not in env
    assert "AWS_REGION" not in env
    assert aws.sts.calls == {}


def test_credential_process_profile_is_exported_as_botocore_resolves_it(
    aws: AwsEnv, tmp_path
) -> None:
    script = process_script(tmp_path, "ASIAPROCESS000000001", "processSecret", "processToken")
    aws.write(f"[profile proc]\ncredential_process = {script}\n", "")
    result = aws.run("proc", "--shell", "bash")
    assert result.returncode == 0, result.stderr
    env = evaluate("bash", result.stdout, list(MANAGED), tmp_path).variables
    assert env["AWS_ACCESS_KEY_ID"] == "ASIAPROCESS000000001"
    assert env["AWS_CREDENTIAL_EXPIRATION"] == "2099-01-01T00:00:00Z"
    assert env["AWS_PROFILE"] == "proc"


def test_exported_environment_is_not_used_as_a_source(aws: AwsEnv) -> None:
    aws.standard()
    result = aws.run(
        "dev",
        "--shell",
        "bash",
        "--mfa-code",
        CODE,
        env={
            "AWS_ACCESS_KEY_ID": "ASIASTALE00000000000",
            "AWS_SECRET_ACCESS_KEY": "stale",
            "AWS_SESSION_TOKEN": "stale",
            "AWS_PROFILE": "does-not-exist",
        },
    )
    assert result.returncode == 0, result.stderr
    assert aws.sts.requests_log[0]["access_key_id"] == "AKIAEXAMPLEALICE0001"


def test_refresh_margin_is_configurable(aws: AwsEnv) -> None:
    aws.standard()
    first = aws.run("dev", "--shell", "bash", "--mfa-code", CODE, "--duration", "900")
    assert first.returncode == 0, first.stderr
    aws.sts.reset()
    # The role has 15 min left, the MFA session 8 h: a 30 min margin renews the
    # role only, with a full hour, which outlives the margin.
    again = aws.run("dev", "--shell", "bash", env={"AWSENV_REFRESH_MARGIN": "1800"})
    assert again.returncode == 0, again.stderr
    assert aws.sts.calls == {"AssumeRole": 1}


@pytest.mark.parametrize("margin", ["soon", "-1", "3601", "100000000000", "1e3"])
def test_refresh_margin_outside_an_hour_is_a_usage_error(aws: AwsEnv, margin: str) -> None:
    aws.standard()
    before = aws.snapshot()
    bad = aws.run("dev", "--shell", "bash", env={"AWSENV_REFRESH_MARGIN": margin})
    assert (bad.returncode, bad.stdout) == (2, "")
    assert bad.stderr.splitlines() == [
        "awsenv: AWSENV_REFRESH_MARGIN must be a whole number of seconds from 0 to 3600"
    ]
    assert aws.snapshot() == before and aws.sts.calls == {}


def test_expired_temporary_keys_in_the_files_are_reported(aws: AwsEnv) -> None:
    aws.write(
        "",
        "[old]\naws_access_key_id = ASIAOLD\naws_secret_access_key = s\n"
        "aws_session_token = t\nexpiration = 2020-01-01T00:00:00Z\n",
    )
    result = aws.run("old", "--shell", "bash")
    assert result.returncode == 3
    assert result.stdout == ""
    assert "expire at 2020-01-01T00:00:00Z" in result.stderr


def test_session_profile_that_is_also_sso_is_not_written(aws: AwsEnv) -> None:
    aws.write(
        f"[profile mfa]\nsource_profile = default\nmfa_serial = {MFA_SERIAL}\n"
        "credential_process = /bin/false\n",
        STANDARD_CREDENTIALS,
    )
    before = aws.snapshot()
    result = aws.run("mfa", "--shell", "bash", "--mfa-code", CODE)
    assert result.returncode == 3 and "credential_process" in result.stderr
    assert aws.snapshot() == before
    assert aws.sts.calls == {}


def test_role_over_temporary_process_credentials_is_capped(aws: AwsEnv, tmp_path) -> None:
    script = process_script(tmp_path, "ASIAPROCESS000000002", "processSecret2", "processToken2")
    aws.write(
        f"[profile sso]\ncredential_process = {script}\n\n"
        f"[profile admin]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/admin\n"
        "source_profile = sso\nduration_seconds = 7200\n",
        "",
    )
    aws.sts.add_user_keys("ASIAPROCESS000000002", "processSecret2")
    aws.sts.session_tokens["ASIAPROCESS000000002"] = "processToken2"
    result = aws.run("admin", "--shell", "bash")
    assert result.returncode == 0, result.stderr
    assert "capped at 1 hour" in result.stderr
    assert aws.sts.requests_log[-1]["duration_seconds"] == 3600


def test_profile_with_a_quoted_section_name_without_a_default_profile(aws: AwsEnv) -> None:
    name = "we'ird $(x)"
    aws.write(
        f'[profile "{name}"]\nsource_profile = base\nmfa_serial = {MFA_SERIAL}\n',
        STANDARD_CREDENTIALS.replace("[default]", "[base]"),
    )
    result = aws.run(name, "--shell", "bash", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    assert aws.sts.successes == {"GetSessionToken": 1}


def test_default_session_name_is_ascii(monkeypatch) -> None:
    import getpass

    from awsenv.core import plan

    monkeypatch.setattr(getpass, "getuser", lambda: "Jürgen Müller")
    assert plan.default_session_name() == "awsenv-J-rgen-M-ller"


def test_credential_source_environment_never_uses_awsenvs_own_environment(aws: AwsEnv) -> None:
    aws.write(
        f"[profile envrole]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/dev\n"
        "credential_source = Environment\n",
        "",
    )
    result = aws.run(
        "envrole",
        "--shell",
        "bash",
        env={"AWS_ACCESS_KEY_ID": "AKIAEXAMPLEALICE0001", "AWS_SECRET_ACCESS_KEY": "x"},
    )
    assert result.returncode == 3, result.stderr
    assert result.stdout == ""
    # Refused before botocore is asked, with what to do instead (issue 16).
    assert result.stderr.splitlines() == [
        "awsenv: profile 'envrole' has credential_source = Environment: awsenv never uses "
        "keys from its own environment (they may be an earlier export); put the keys in a "
        "profile (awsenv keys add NAME keeps them in the OS keyring) and use "
        "source_profile = NAME instead"
    ]
    assert aws.sts.calls == {}


def process_script(tmp_path: Path, key_id: str, secret: str, token: str) -> Path:
    """A credential_process program that prints temporary keys valid until 2099."""
    script = tmp_path / f"{key_id}.sh"
    script.write_text(
        "#!/bin/sh\n"
        f'echo \'{{"Version": 1, "AccessKeyId": "{key_id}", "SecretAccessKey": "{secret}", '
        f'"SessionToken": "{token}", "Expiration": "2099-01-01T00:00:00Z"}}\'\n'
    )
    script.chmod(0o755)
    return script
