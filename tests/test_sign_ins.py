"""Sign-ins awsenv leaves to others: `aws login` sessions (`login_session`,
through botocore's own LoginProvider, with a cached login and no network) and
`credential_source = Environment` (refused in one line)."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta, timezone

from conftest import ACCOUNT, AwsEnv

LOGIN_CONFIG = f"""\
[profile signed-in]
login_session = arn:aws:iam::{ACCOUNT}:user/alice
region = eu-west-1

[profile over-login]
role_arn = arn:aws:iam::{ACCOUNT}:role/dev
source_profile = signed-in
"""


def _dpop_key() -> str:
    """A real P-256 private key in PEM, as `aws login` keeps it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    body = base64.b64encode(der).decode()
    return f"-----BEGIN EC PRIVATE KEY-----\n{body}\n-----END EC PRIVATE KEY-----\n"


def _cached_login(aws: AwsEnv, key_id: str, secret: str, minutes: int = 60) -> None:
    session = f"arn:aws:iam::{ACCOUNT}:user/alice"
    cache = aws.home / ".aws" / "login" / "cache"
    cache.mkdir(parents=True)
    expires = datetime.now(timezone.utc) + timedelta(minutes=minutes)
    token = {
        "accessToken": {
            "accessKeyId": key_id,
            "secretAccessKey": secret,
            "sessionToken": "loginSessionToken",
            "accountId": ACCOUNT,
            "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        "tokenType": "aws_sigv4",
        "refreshToken": "loginRefreshToken",
        "idToken": "",
        "clientId": "arn:aws:signin:::devtools/same-device",
        "dpopKey": _dpop_key(),
    }
    name = hashlib.sha256(session.encode()).hexdigest()
    (cache / f"{name}.json").write_text(json.dumps(token))


def test_a_cached_login_session_is_exported(aws: AwsEnv) -> None:
    aws.write(LOGIN_CONFIG, "")
    _cached_login(aws, "ASIALOGINALICE000001", "loginSecret")
    result = aws.run("process", "signed-in")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["AccessKeyId"] == "ASIALOGINALICE000001"
    assert document["SessionToken"] == "loginSessionToken"


def test_a_role_over_a_login_session_is_assumed_and_exported_as_keys(aws: AwsEnv) -> None:
    aws.write(LOGIN_CONFIG, "")
    _cached_login(aws, "ASIALOGINALICE000002", "loginSecret2")
    aws.sts.add_user_keys("ASIALOGINALICE000002", "loginSecret2")
    aws.sts.check_keys = False  # the login's session token is the sign-in service's
    result = aws.run("process", "over-login")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["AccessKeyId"].startswith("ASIA")
    assert document["AccessKeyId"] != "ASIALOGINALICE000002"
    assumed = [e for e in aws.sts.requests_log if e["action"] == "AssumeRole"]
    assert assumed and assumed[-1]["status"] == 200


def test_no_login_says_run_aws_login_in_one_line(aws: AwsEnv) -> None:
    aws.write(LOGIN_CONFIG, "")
    before = aws.snapshot()
    result = aws.run("over-login")
    assert result.returncode == 3
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "awsenv: profile 'signed-in' has no usable aws login session; "
        "run: aws login --profile signed-in"
    ]
    assert aws.snapshot() == before


def test_credential_source_environment_is_refused_with_what_to_do(aws: AwsEnv) -> None:
    aws.write(
        f"[profile env-role]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/dev\n"
        "credential_source = Environment\n",
        "",
    )
    result = aws.run("env-role", env={"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "x"})
    assert result.returncode == 3 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert "never uses keys from its own environment" in lines[0]
    assert "awsenv keys add" in lines[0]
    listed = json.loads(aws.run("list", "--json").stdout)["profiles"]
    assert [p["problem"] for p in listed if p["name"] == "env-role"] == ["environment-source"]


def test_list_and_explain_show_the_login_and_what_the_next_call_needs(aws: AwsEnv) -> None:
    aws.write(LOGIN_CONFIG, "")
    listed = json.loads(aws.run("list", "--json").stdout)["profiles"]
    rows = {p["name"]: p for p in listed}
    assert rows["signed-in"]["kind"] == "login"
    assert rows["over-login"]["problem"] == "no-login"
    missing = aws.run("explain", "over-login")
    assert "next call: refused: profile 'signed-in' has no usable aws login session" in (
        missing.stdout
    )
    _cached_login(aws, "ASIALOGINALICE000003", "loginSecret3", minutes=30)
    explained = aws.run("explain", "over-login")
    assert explained.returncode == 0, explained.stderr
    assert "signed-in: aws login session arn:aws:iam::" in explained.stdout
    assert "  login: credentials until 20" in explained.stdout
    assert "loginSecret3" not in explained.stdout + explained.stderr
    assert json.loads(aws.run("list", "--json").stdout)["profiles"][0]["problem"] is None


def test_an_expired_login_that_cannot_be_refreshed_says_run_aws_login(aws: AwsEnv) -> None:
    aws.write(LOGIN_CONFIG, "")
    _cached_login(aws, "ASIALOGINALICE000004", "loginSecret4", minutes=-5)
    # The sign-in service is the local endpoint, which does not know the
    # refresh token: as when the login's 12 hours are over.
    result = aws.run("over-login")
    assert result.returncode == 3, result.stderr
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("awsenv: profile 'signed-in' has no usable aws login session")
    assert line.endswith("; run: aws login --profile signed-in")
    assert "loginRefreshToken" not in line
