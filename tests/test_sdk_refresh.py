"""The SDKs' refresh rules: botocore fetches credential_process credentials
again on every read within 15 minutes of their expiry, so `awsenv process`
renews from there when the session lasts over 30 minutes (shorter sessions
keep the margin); the shell export keeps its margin. And the account: the
process JSON carries AccountId, the exports AWS_ACCOUNT_ID."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import ACCOUNT, AWSENV, CODE, AwsEnv, botocore_session, require
from realshells import evaluate

from awsenv.config.profiles import AwsFiles
from awsenv.core.exports import MANAGED
from awsenv.core.plan import AssumeRole, build_plan
from awsenv.store.cache import Cache

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="a POSIX wrapper script")

READS = 20


def counted_tools_profile(aws: AwsEnv, tmp_path: Path, role_duration: int | None = None) -> Path:
    """[profile dev-tools] runs awsenv through a wrapper that counts its runs."""
    counter = tmp_path / "awsenv-runs"
    wrapper = tmp_path / "counted-awsenv"
    wrapper.write_text(f'#!/bin/sh\necho run >> "{counter}"\nexec "{AWSENV}" "$@"\n')
    wrapper.chmod(0o755)
    aws.seed()
    config = aws.config.read_text()
    if role_duration is not None:
        config = config.replace(
            "region = eu-central-1\n",
            f"region = eu-central-1\nduration_seconds = {role_duration}\n",
        )
    config += f"\n[profile dev-tools]\ncredential_process = {wrapper} process dev\n"
    aws.config.write_text(config)
    return counter


def role_left(aws: AwsEnv, left: timedelta) -> None:
    """A real role session (and MFA session) from the local STS, then the role's
    cache entry set to expire in `left`: as after most of its hour."""
    result = aws.run("process", "dev", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    cache = Cache(aws.cache)
    role = build_plan(AwsFiles.load(aws.config, aws.credentials), "dev").top
    assert isinstance(role, AssumeRole)
    creds = cache.load(role.cache_key)
    assert creds is not None
    expiry = datetime.now(timezone.utc).replace(microsecond=0) + left
    cache.store(
        role.cache_key,
        type(creds)(creds.access_key_id, creds.secret_access_key, creds.session_token, expiry),
    )
    aws.sts.reset()


def runs(counter: Path) -> int:
    return len(counter.read_text().splitlines()) if counter.exists() else 0


def read_credentials_with_boto3(aws: AwsEnv) -> tuple[list[object], str | None]:
    """A real boto3 session over `credential_process`: READS credential reads,
    as a long job's API calls make them."""
    import boto3

    with botocore_session(aws):
        session = boto3.Session(profile_name="dev-tools")
        credentials = session.get_credentials()
        frozen = [credentials.get_frozen_credentials() for _ in range(READS)]
    return frozen, frozen[-1].account_id


def test_boto3_with_12_minutes_left_gets_renewed_credentials_once(
    aws: AwsEnv, tmp_path: Path
) -> None:
    counter = counted_tools_profile(aws, tmp_path)
    role_left(aws, timedelta(minutes=12))
    frozen, account_id = read_credentials_with_boto3(aws)
    assert runs(counter) == 1  # one renewal, not one run per read
    assert aws.sts.successes == {"AssumeRole": 1}  # the MFA session is reused: no code
    assert len({f.access_key for f in frozen}) == 1  # type: ignore[attr-defined]
    assert account_id == ACCOUNT  # AccountId, read by botocore


def test_a_session_of_30_minutes_or_less_keeps_the_margin(aws: AwsEnv, tmp_path: Path) -> None:
    """A 20-minute role with 12 minutes left is served as it is: renewing it
    from 15 minutes would renew it for most of its life. botocore then asks
    again on every read, which is the cost the rule avoids for longer ones."""
    counter = counted_tools_profile(aws, tmp_path, role_duration=1200)
    role_left(aws, timedelta(minutes=12))
    read_credentials_with_boto3(aws)
    assert aws.sts.calls == {}
    assert runs(counter) > READS // 2


def test_the_shell_export_keeps_its_margin(aws: AwsEnv, tmp_path: Path) -> None:
    counted_tools_profile(aws, tmp_path)
    role_left(aws, timedelta(minutes=12))
    result = aws.run("dev", "--shell", "bash")
    assert result.returncode == 0, result.stderr
    assert aws.sts.calls == {}  # 12 minutes is outside the 300 s margin


@pytest.mark.parametrize("shell", ["bash", "fish"])
def test_aws_account_id_after_eval(aws: AwsEnv, tmp_path: Path, shell: str) -> None:
    require(shell)
    aws.seed()
    result = aws.run("dev", "--shell", shell, "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    evaluated = evaluate(shell, result.stdout, list(MANAGED), tmp_path)
    assert evaluated.returncode == 0, evaluated.stderr
    assert evaluated.variables["AWS_ACCOUNT_ID"] == ACCOUNT
    # The fast path's memo serves the same text.
    again = aws.run("dev", "--shell", shell)
    assert again.stdout == result.stdout
    assert aws.sts.successes == {"GetSessionToken": 1, "AssumeRole": 1}


def test_a_stale_account_id_is_removed_when_the_account_is_unknown(
    aws: AwsEnv, tmp_path: Path
) -> None:
    """Long-term keys with an MFA device that is not an ARN (a hardware token's
    serial) name no account: an AWS_ACCOUNT_ID from an earlier export goes."""
    aws.write(
        "[profile ops]\nmfa_serial = GAHT12345678\n",
        "[ops]\naws_access_key_id = AKIAEXAMPLEALICE0001\n"
        "aws_secret_access_key = aliceSecretKey0000000000000000000000000001\n",
    )
    result = aws.run("ops", "--shell", "bash", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    evaluated = evaluate(
        "bash", result.stdout, ["AWS_ACCOUNT_ID"], tmp_path, preset={"AWS_ACCOUNT_ID": "999"}
    )
    assert "AWS_ACCOUNT_ID" not in evaluated.variables


@pytest.mark.slow
@pytest.mark.parametrize("source", ["credential_process", "environment"])
def test_the_js_sdk_reads_the_account_id(aws: AwsEnv, tmp_path: Path, source: str) -> None:
    """The JS SDK v3 reads AccountId from credential_process (fromProcess) and
    AWS_ACCOUNT_ID from the environment, as botocore does."""
    import clients

    problem = clients.available()["node"]
    if problem:
        if os.environ.get("AWSENV_REQUIRE_CLIENTS"):
            pytest.fail(f"node is required (AWSENV_REQUIRE_CLIENTS): {problem}")
        pytest.skip(problem)
    counted_tools_profile(aws, tmp_path)
    if source == "credential_process":
        env = {**aws.environ, "AWSENV_TEST_FROM_PROCESS": "dev-tools"}
        assert aws.run("process", "dev", "--mfa-code", CODE).returncode == 0
    else:
        result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
        assert result.returncode == 0, result.stderr
        shell = evaluate("bash", result.stdout, list(MANAGED), tmp_path)
        env = {**aws.environ, **shell.variables}
        env.pop("AWS_PROFILE", None)  # the JS SDK would prefer the profile to the keys
    answer = clients.whoami("node", env)
    assert json.loads(answer.stdout)["CredentialAccountId"] == ACCOUNT


def test_a_malformed_account_id_in_the_files_is_never_exported(aws: AwsEnv) -> None:
    """`aws_account_id = 12345` (a typo) must not reach AWS_ACCOUNT_ID, and with
    it botocore's account-based endpoint host names: the device's ARN names
    the account instead."""
    aws.seed()
    aws.config.write_text(
        aws.config.read_text().replace(
            "awsenv_source_profile = default\n",
            "awsenv_source_profile = default\naws_account_id = 12345\n",
            1,
        )
    )
    result = aws.run("mfa", "--shell", "bash", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    assert f"export AWS_ACCOUNT_ID='{ACCOUNT}'\n" in result.stdout
    assert "12345'" not in result.stdout
