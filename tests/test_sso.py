"""IAM Identity Center (SSO): awsenv's device-authorization login against a
local IAM Identity Center (sso_server.py), the AWS CLI's token cache shared
both ways, refresh, a role over SSO, and one browser tab for parallel calls.

Every AWS call goes to loopback: the SSO OIDC and portal endpoints through
botocore's own AWS_ENDPOINT_URL_SSO_OIDC and AWS_ENDPOINT_URL_SSO, STS to the
moto fixture.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pexpect
import pytest
from conftest import ACCOUNT, AWSENV, AwsEnv, require
from sso_server import LocalSso
from sts_server import LocalSts

START_URL = "https://corp.awsapps.com/start"
LEGACY_URL = "https://legacy.awsapps.com/start"
SSO_ACCOUNT = "111122223333"

CONFIG = f"""\
[default]
region = eu-west-1

[sso-session corp]
sso_start_url = {START_URL}
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

[profile sso-dev]
sso_session = corp
sso_account_id = {SSO_ACCOUNT}
sso_role_name = Developer
region = eu-central-1

[profile sso-admin]
role_arn = arn:aws:iam::{ACCOUNT}:role/admin
source_profile = sso-dev

[profile legacy]
sso_start_url = {LEGACY_URL}
sso_region = us-east-1
sso_account_id = {SSO_ACCOUNT}
sso_role_name = ReadOnly
"""


@pytest.fixture(scope="session")
def local_sso() -> Iterator[LocalSso]:
    server = LocalSso().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sso(aws: AwsEnv, local_sso: LocalSso, sts: LocalSts) -> LocalSso:
    """The SSO files, both endpoints on loopback, and a portal whose role
    credentials the local STS accepts (a role over SSO signs AssumeRole with
    them)."""
    local_sso.reset()

    def learn(key: str, secret: str, token: str) -> None:
        with sts._lock:
            sts.known_keys[key] = secret
            sts.session_tokens[key] = token

    local_sso.on_issue = learn
    aws.write(CONFIG, "")
    aws.environ.update(
        AWS_ENDPOINT_URL_SSO_OIDC=local_sso.endpoint,
        AWS_ENDPOINT_URL_SSO=local_sso.endpoint,
    )
    for variable in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY"):
        aws.environ.pop(variable, None)
    return local_sso


def browser(aws: AwsEnv) -> tuple[dict[str, str], Path]:
    """A `BROWSER` that records each URL it is given (one line a tab) and
    visits it, as a person signing in would: the visit approves the code."""
    log = aws.root / "browser.log"
    script = aws.root / "browser"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys, urllib.request\n"
        f"with open({str(log)!r}, 'a') as f:\n"
        "    f.write(sys.argv[1] + '\\n')\n"
        "urllib.request.urlopen(sys.argv[1], timeout=10).read()\n"
    )
    script.chmod(0o755)
    return {"BROWSER": str(script)}, log


def tabs(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def token_file(aws: AwsEnv, name: str) -> Path:
    digest = hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()
    return aws.home / ".aws" / "sso" / "cache" / f"{digest}.json"


def when(delta: timedelta) -> str:
    return (datetime.now(timezone.utc) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_cli_token(aws: AwsEnv, name: str, document: dict[str, str]) -> None:
    """A token as `aws sso login` leaves it."""
    path = token_file(aws, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    path.chmod(0o600)


def cli_login(aws: AwsEnv, sso: LocalSso, *, expires: timedelta = timedelta(hours=1)) -> str:
    token = "cli-token-" + secrets.token_hex(16)
    sso.accept_token(token)
    write_cli_token(
        aws,
        "corp",
        {
            "startUrl": START_URL,
            "region": "eu-west-1",
            "accessToken": token,
            "expiresAt": when(expires),
            "clientId": "cli-client",
            "clientSecret": "cli-client-secret",
            "registrationExpiresAt": when(timedelta(days=80)),
            "refreshToken": "cli-refresh",
        },
    )
    return token


def credential_json(stdout: str) -> dict[str, str]:
    document = json.loads(stdout)
    assert document["Version"] == 1
    assert document["AccessKeyId"].startswith("ASIA")
    return document


def test_login_shows_the_url_and_code_and_opens_one_tab(aws: AwsEnv, sso: LocalSso) -> None:
    env, log = browser(aws)
    child = pexpect.spawn(
        AWSENV,
        ["login", "sso-dev"],
        env={**aws.environ, **env},
        encoding="utf-8",
        timeout=60,
    )
    child.expect(r"open (http://127\.0\.0\.1:\d+/verify\?user_code=([A-Z]{4}-[A-Z]{4}))")
    url, code = child.match.group(1), child.match.group(2)
    child.expect(rf"shows the code {code}")
    child.expect(r"signed in to https://corp\.awsapps\.com/start")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert tabs(log) == [url]
    assert sso.calls["RegisterClient"] == 1
    assert sso.calls["StartDeviceAuthorization"] == 1
    path = token_file(aws, "corp")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    token = json.loads(path.read_text())
    assert set(token) == {
        "startUrl",
        "region",
        "accessToken",
        "expiresAt",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
        "refreshToken",
    }
    assert token["startUrl"] == START_URL and token["region"] == "eu-west-1"
    assert token["accessToken"] in sso.access_tokens
    assert token["expiresAt"].endswith("Z")


def test_login_polls_slower_when_told_to(aws: AwsEnv, sso: LocalSso) -> None:
    env, log = browser(aws)
    sso.slow_down_once = True
    result = aws.run("login", "sso-dev", env=env, timeout=90)
    assert result.returncode == 0, result.stderr
    assert len(tabs(log)) == 1
    assert sso.calls["CreateToken:device"] == 1
    # One SlowDown answer, then the approved one: no error from either.
    assert sso.calls["CreateToken"] >= 2


@pytest.mark.parametrize(
    "profiles",
    [("sso-dev",) * 4, ("sso-dev", "sso-admin", "sso-dev", "sso-admin")],
    ids=["one-profile", "a-role-over-it-too"],
)
def test_four_parallel_calls_open_one_tab_and_all_succeed(
    aws: AwsEnv, sso: LocalSso, profiles: tuple[str, ...]
) -> None:
    env, log = browser(aws)
    procs = [
        subprocess.Popen(
            [AWSENV, "process", profile],
            env={**aws.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        for profile in profiles
    ]
    results = [proc.communicate(timeout=120) for proc in procs]
    for proc, (stdout, stderr) in zip(procs, results, strict=True):
        assert proc.returncode == 0, stderr
        credential_json(stdout)
    assert len(tabs(log)) == 1
    assert sso.calls["StartDeviceAuthorization"] == 1
    assert sso.calls["RegisterClient"] == 1
    # One call signed in and got the role; the others found it cached (the
    # roles over it assumed their own role from it).
    assert sso.calls["GetRoleCredentials"] == 1


@pytest.mark.parametrize("profile", ["sso-dev", "legacy"])
def test_the_aws_cli_uses_awsenvs_login(aws: AwsEnv, sso: LocalSso, profile: str) -> None:
    import clients

    problem = clients.available()["awscli"]
    if problem:
        if os.environ.get("AWSENV_REQUIRE_CLIENTS"):
            pytest.fail(f"awscli is required (AWSENV_REQUIRE_CLIENTS): {problem}")
        pytest.skip(problem)
    env, log = browser(aws)
    assert aws.run("login", profile, env=env).returncode == 0
    before = sso.calls["GetRoleCredentials"]
    # The legacy profile names no region of its own.
    identity = clients.awscli_whoami(
        {**aws.environ, "AWS_PROFILE": profile, "AWS_DEFAULT_REGION": "us-east-1"}
    )
    assert identity["Account"] == ACCOUNT  # moto's STS answers for its own account
    # The AWS CLI got the role itself, with awsenv's token, and signed in nowhere.
    assert sso.calls["GetRoleCredentials"] == before + 1
    assert sso.calls["StartDeviceAuthorization"] == 1
    assert len(tabs(log)) == 1


def test_the_ruby_sdk_uses_awsenvs_login(aws: AwsEnv, sso: LocalSso) -> None:
    import clients

    problem = clients.available()["ruby"]
    if problem:
        if os.environ.get("AWSENV_REQUIRE_CLIENTS"):
            pytest.fail(f"ruby is required (AWSENV_REQUIRE_CLIENTS): {problem}")
        pytest.skip(problem)
    env, log = browser(aws)
    assert aws.run("login", "sso-dev", env=env).returncode == 0
    before = sso.calls["GetRoleCredentials"]
    result = clients.whoami(
        "ruby",
        {**aws.environ, "AWS_PROFILE": "sso-dev", "AWSENV_TEST_SSO_ENDPOINT": sso.endpoint},
    )
    assert result.identity["Account"] == ACCOUNT
    assert result.access_key_id is not None and result.access_key_id.startswith("ASIA")
    assert sso.calls["GetRoleCredentials"] == before + 1
    assert len(tabs(log)) == 1


def test_a_token_left_by_aws_sso_login_is_used(aws: AwsEnv, sso: LocalSso) -> None:
    cli_login(aws, sso)
    result = aws.run("process", "sso-dev")
    assert result.returncode == 0, result.stderr
    credential_json(result.stdout)
    assert sso.calls["RegisterClient"] == 0
    assert sso.role_requests == [(SSO_ACCOUNT, "Developer")]


def test_a_legacy_token_keyed_by_the_start_url_is_used(aws: AwsEnv, sso: LocalSso) -> None:
    sso.accept_token("legacy-token")
    write_cli_token(
        aws,
        LEGACY_URL,
        {
            "startUrl": LEGACY_URL,
            "region": "us-east-1",
            "accessToken": "legacy-token",
            "expiresAt": when(timedelta(hours=2)),
        },
    )
    result = aws.run("process", "legacy")
    assert result.returncode == 0, result.stderr
    credential_json(result.stdout)
    assert sso.role_requests == [(SSO_ACCOUNT, "ReadOnly")]
    assert sso.calls["RegisterClient"] == 0


def test_an_expired_token_is_refreshed_with_its_refresh_token(aws: AwsEnv, sso: LocalSso) -> None:
    old = cli_login(aws, sso, expires=timedelta(minutes=-5))
    sso.accept_refresh("cli-refresh", "cli-client", "cli-client-secret")
    result = aws.run("process", "sso-dev")
    assert result.returncode == 0, result.stderr
    credential_json(result.stdout)
    assert sso.calls["CreateToken:refresh"] == 1
    assert sso.calls["StartDeviceAuthorization"] == 0
    token = json.loads(token_file(aws, "corp").read_text())
    assert token["accessToken"] != old and token["accessToken"] in sso.access_tokens
    assert token["refreshToken"] != "cli-refresh"
    assert datetime.fromisoformat(token["expiresAt"].replace("Z", "+00:00")) > datetime.now(
        timezone.utc
    ) + timedelta(hours=7)
    assert token["clientId"] == "cli-client"


def test_a_refreshed_token_file_another_tool_left_readable_becomes_private(
    aws: AwsEnv, sso: LocalSso
) -> None:
    """The file holds the refresh token and the client secret: awsenv keeps an
    existing file's mode elsewhere, but never group or world bits here."""
    cli_login(aws, sso, expires=timedelta(minutes=-5))
    token_file(aws, "corp").chmod(0o644)
    sso.accept_refresh("cli-refresh", "cli-client", "cli-client-secret")
    result = aws.run("process", "sso-dev")
    assert result.returncode == 0, result.stderr
    assert sso.calls["CreateToken:refresh"] == 1
    assert stat.S_IMODE(token_file(aws, "corp").stat().st_mode) == 0o600


def test_a_role_over_sso_is_exported_and_read_by_bash(aws: AwsEnv, sso: LocalSso) -> None:
    require("bash")
    cli_login(aws, sso)
    script = (
        'eval "$(awsenv sso-admin --shell bash)" && '
        'printf "%s\\n" "$AWS_ACCESS_KEY_ID" "${AWS_PROFILE-unset}" "$AWS_REGION"'
    )
    done = aws.command(["bash", "-c", script])
    assert done.returncode == 0, done.stderr
    key, profile, region = done.stdout.splitlines()
    assert key.startswith("ASIA")
    assert profile == "sso-admin"
    assert region == "eu-central-1"  # from sso-dev below it
    assert aws.sts.successes["AssumeRole"] == 1
    assert sso.role_requests == [(SSO_ACCOUNT, "Developer")]
    # The role's AssumeRole was signed with the SSO role's credentials.
    assumed = [e for e in aws.sts.requests_log if e.get("action") == "AssumeRole"]
    assert assumed, aws.sts.requests_log


def test_with_nobody_to_sign_in_it_says_run_awsenv_login(aws: AwsEnv, sso: LocalSso) -> None:
    before = aws.snapshot()
    result = aws.run("process", "sso-dev")
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].endswith("run: awsenv login sso-dev")
    assert sso.calls["RegisterClient"] == 0
    assert aws.snapshot() == before
    assert not token_file(aws, "corp").exists()


def test_no_prompt_never_opens_a_browser(aws: AwsEnv, sso: LocalSso) -> None:
    env, log = browser(aws)
    result = aws.run("sso-dev", "--shell", "bash", "--no-prompt", env=env)
    assert result.returncode != 0 and result.stdout == ""
    assert "run: awsenv login sso-dev" in result.stderr
    assert tabs(log) == []


def test_a_repeat_call_asks_nothing_of_identity_center(aws: AwsEnv, sso: LocalSso) -> None:
    cli_login(aws, sso)
    first = aws.run("process", "sso-dev")
    assert first.returncode == 0, first.stderr
    assert (aws.cache / "exports").is_dir()
    calls = dict(sso.calls)
    second = aws.run("process", "sso-dev")
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    assert dict(sso.calls) == calls


def test_a_repeat_call_is_served_by_the_fast_path(aws: AwsEnv, sso: LocalSso, tmp_path) -> None:
    from test_fast_path import probe

    cli_login(aws, sso)
    assert aws.run("sso-dev", "--shell", "bash").returncode == 0
    calls = dict(sso.calls)
    assert probe(aws, tmp_path / "p.json", "sso-dev", "--shell", "bash") == {
        "code": 0,
        "loaded": [],
    }
    assert dict(sso.calls) == calls


def test_an_edit_of_the_sso_session_bypasses_the_memo(aws: AwsEnv, sso: LocalSso) -> None:
    cli_login(aws, sso)
    first = aws.run("process", "sso-dev")
    assert first.returncode == 0, first.stderr
    aws.config.write_text(CONFIG.replace(START_URL, "https://other.awsapps.com/start"))
    again = aws.run("process", "sso-dev")
    assert again.returncode == 0, again.stderr
    # Another portal now: its role is asked for afresh, not served by the memo.
    assert again.stdout != first.stdout
    assert sso.calls["GetRoleCredentials"] == 2


def test_login_of_a_role_over_sso_signs_in_its_session(aws: AwsEnv, sso: LocalSso) -> None:
    env, log = browser(aws)
    result = aws.run("login", "sso-admin", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert len(tabs(log)) == 1
    assert token_file(aws, "corp").exists()


def test_login_of_a_profile_without_sso_is_one_line(aws: AwsEnv, sso: LocalSso) -> None:
    aws.write(CONFIG + "\n[profile keys]\n", "[keys]\naws_access_key_id = AKIAX\n"
              "aws_secret_access_key = s\n")  # fmt: skip
    result = aws.run("login", "keys")
    assert result.returncode == 3
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "is not an IAM Identity Center profile" in result.stderr


def test_an_sso_session_that_is_not_there_is_one_line(aws: AwsEnv, sso: LocalSso) -> None:
    aws.write(CONFIG.replace("sso_session = corp", "sso_session = nope"), "")
    result = aws.run("process", "sso-dev")
    assert result.returncode == 3 and result.stdout == ""
    assert result.stderr.strip().endswith("has no [sso-session nope] section")


def test_debug_shows_no_token_and_no_key(aws: AwsEnv, sso: LocalSso) -> None:
    old = cli_login(aws, sso, expires=timedelta(minutes=-5))
    sso.accept_refresh("cli-refresh", "cli-client", "cli-client-secret")
    result = aws.run("process", "sso-dev", "--debug")
    assert result.returncode == 0, result.stderr
    assert "refreshed the IAM Identity Center token" in result.stderr  # --debug did speak
    token = json.loads(token_file(aws, "corp").read_text())
    document = credential_json(result.stdout)
    for secret in (
        old,
        "cli-refresh",
        "cli-client-secret",
        token["accessToken"],
        token["refreshToken"],
        document["SecretAccessKey"],
        document["SessionToken"],
    ):
        assert secret not in result.stderr


def test_a_revoked_token_is_renewed_once(aws: AwsEnv, sso: LocalSso) -> None:
    token = cli_login(aws, sso)
    sso.revoke(token)
    sso.accept_refresh("cli-refresh", "cli-client", "cli-client-secret")
    result = aws.run("process", "sso-dev")
    assert result.returncode == 0, result.stderr
    assert sso.calls["CreateToken:refresh"] == 1
    assert sso.calls["GetRoleCredentials"] == 2


def test_list_and_explain_show_the_login(aws: AwsEnv, sso: LocalSso) -> None:
    listed = json.loads(aws.run("list", "--json").stdout)
    rows = {row["name"]: row for row in listed["profiles"]}
    assert rows["sso-dev"]["kind"] == "sso"
    assert rows["sso-dev"]["needs_login"] is True
    assert rows["sso-dev"]["credentials"] == "none"
    assert rows["sso-admin"]["needs_login"] is True
    explained = aws.run("explain", "sso-dev")
    assert explained.returncode == 0, explained.stderr
    assert "token: none" in explained.stdout
    assert f"next call: logs in to {START_URL}" in explained.stdout
    over = aws.run("explain", "sso-admin").stdout
    assert f"sso-dev: IAM Identity Center role Developer in account {SSO_ACCOUNT}" in over
    assert f"next call: logs in to {START_URL}" in over

    cli_login(aws, sso)
    explained = aws.run("explain", "sso-dev").stdout
    assert "token: valid until" in explained
    assert "next call: no MFA code (renews role Developer" in explained
    assert aws.run("process", "sso-dev").returncode == 0
    rows = {row["name"]: row for row in json.loads(aws.run("list", "--json").stdout)["profiles"]}
    assert rows["sso-dev"]["credentials"] == "valid"
    assert rows["sso-dev"]["needs_login"] is False
    assert "next call: no MFA code (cached until" in aws.run("explain", "sso-dev").stdout


def test_setup_writes_an_sso_profile_that_awsenv_and_botocore_read(
    aws: AwsEnv, sso: LocalSso
) -> None:
    import botocore.configloader

    aws.write("[default]\nregion = eu-west-1\n", "")
    flags = [
        "setup",
        "--sso-start-url",
        "https://acme.awsapps.com/start",
        "--sso-region",
        "eu-west-1",
        "--sso-account",
        SSO_ACCOUNT,
        "--sso-role",
        "work=PowerUser",
        "--shell",
        "bash",
    ]
    shown = aws.run(*flags, "--dry-run")
    assert shown.returncode == 0, shown.stderr
    assert "+[sso-session acme]" in shown.stdout and "+[profile work]" in shown.stdout
    assert aws.config.read_text() == "[default]\nregion = eu-west-1\n"
    written = aws.run(*flags, "--yes")
    assert written.returncode == 0, written.stderr
    assert "awsenv login work" in written.stderr
    loaded = botocore.configloader.load_config(str(aws.config))
    assert loaded["sso_sessions"]["acme"]["sso_start_url"] == "https://acme.awsapps.com/start"
    assert loaded["profiles"]["work"] == {
        "sso_session": "acme",
        "sso_account_id": SSO_ACCOUNT,
        "sso_role_name": "PowerUser",
        "region": "eu-west-1",
    }
    assert aws.config.read_text().startswith("[default]\nregion = eu-west-1\n")
    env, _log = browser(aws)
    result = aws.run("process", "work", env=env)
    assert result.returncode == 0, result.stderr
    assert sso.role_requests == [(SSO_ACCOUNT, "PowerUser")]


def test_setup_refuses_a_bad_account_and_writes_nothing(aws: AwsEnv, sso: LocalSso) -> None:
    before = aws.snapshot()
    result = aws.run(
        "setup",
        "--sso-start-url",
        START_URL,
        "--sso-region",
        "eu-west-1",
        "--sso-account",
        "12345",
        "--sso-role",
        "Dev",
        "--yes",
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().endswith("--sso-account is the 12-digit account id")
    assert aws.snapshot() == before


def test_no_sso_endpoint_outside_loopback(sso: LocalSso, aws: AwsEnv) -> None:
    # Every test here reaches IAM Identity Center through these two variables.
    for variable in ("AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL_SSO"):
        assert aws.environ[variable].startswith("http://127.0.0.1:")
    assert os.environ.get("AWS_ENDPOINT_URL_SSO") in (None, aws.environ["AWS_ENDPOINT_URL_SSO"])
