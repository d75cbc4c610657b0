"""The local STS behaves like real STS where moto does not, as seen through boto3."""

from __future__ import annotations

import os
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

try:  # pytest's default (rootdir-less "prepend") mode puts tests/ itself on sys.path
    from sts_server import LocalSts
except ModuleNotFoundError:  # tests/ turned into a package
    from tests.sts_server import LocalSts  # type: ignore[no-redef, import-untyped, unused-ignore]


USER_AKID = "AKIAUSERTESTKEY00001"
USER_SECRET = "user/secret+key/for/tests/only000000000"
SERIAL = "arn:aws:iam::123456789012:mfa/alice"
ROLE_ARN = "arn:aws:iam::123456789012:role/admin"


@pytest.fixture(scope="module")
def sts() -> Iterator[LocalSts]:
    with LocalSts() as server:
        server.add_user_keys(USER_AKID, USER_SECRET)
        yield server


@pytest.fixture(autouse=True)
def _isolated(sts: LocalSts, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    sts.reset()
    # Nothing from the developer's own AWS setup may leak into these clients.
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))


def client(
    sts: LocalSts, akid: str = USER_AKID, secret: str = USER_SECRET, token: str | None = None
) -> Any:
    return boto3.client(
        "sts",
        endpoint_url=sts.endpoint,
        region_name="us-east-1",
        aws_access_key_id=akid,
        aws_secret_access_key=secret,
        aws_session_token=token,
        # One attempt per call, so counters match what the test did.
        config=Config(retries={"total_max_attempts": 1}),
    )


def session_client(sts: LocalSts) -> Any:
    creds = client(sts).get_session_token(SerialNumber=SERIAL, TokenCode=sts.valid_code)
    c = creds["Credentials"]
    return client(sts, c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def test_endpoint_is_loopback(sts: LocalSts) -> None:
    assert sts.endpoint.startswith("http://127.0.0.1:")
    assert sts.moto_endpoint.startswith("http://127.0.0.1:")
    assert sts.endpoint != sts.moto_endpoint


def test_right_mfa_code_returns_session_credentials(sts: LocalSts) -> None:
    creds = client(sts).get_session_token(SerialNumber=SERIAL, TokenCode="123456")["Credentials"]
    assert creds["AccessKeyId"]
    assert creds["SecretAccessKey"]
    assert creds["SessionToken"]
    assert sts.known_keys[creds["AccessKeyId"]] == creds["SecretAccessKey"]
    assert sts.session_tokens[creds["AccessKeyId"]] == creds["SessionToken"]


def test_wrong_mfa_code_is_access_denied_with_real_wording(sts: LocalSts) -> None:
    with pytest.raises(ClientError) as excinfo:
        client(sts).get_session_token(SerialNumber=SERIAL, TokenCode="000000")
    assert error_of(excinfo) == (
        "AccessDenied",
        "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
        403,
    )


def test_valid_code_can_be_changed(sts: LocalSts, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sts, "valid_code", "654321")
    with pytest.raises(ClientError, match="invalid MFA one time pass code"):
        client(sts).get_session_token(SerialNumber=SERIAL, TokenCode="123456")
    client(sts).get_session_token(SerialNumber=SERIAL, TokenCode="654321")


def test_serial_without_code_is_access_denied(sts: LocalSts) -> None:
    with pytest.raises(ClientError) as excinfo:
        client(sts).get_session_token(SerialNumber=SERIAL)
    assert error_of(excinfo) == (
        "AccessDenied",
        "MultiFactorAuthentication failed, unable to validate MFA code",
        403,
    )


def test_assume_role_with_mfa_checks_the_code_too(sts: LocalSts) -> None:
    with pytest.raises(ClientError, match="invalid MFA one time pass code"):
        client(sts).assume_role(
            RoleArn=ROLE_ARN, RoleSessionName="awsenv", SerialNumber=SERIAL, TokenCode="999999"
        )
    creds = client(sts).assume_role(
        RoleArn=ROLE_ARN, RoleSessionName="awsenv", SerialNumber=SERIAL, TokenCode="123456"
    )["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")


def test_unknown_access_key_is_invalid_client_token_id(sts: LocalSts) -> None:
    with pytest.raises(ClientError) as excinfo:
        client(sts, "AKIANOBODYKNOWSTHIS1", "whatever").get_caller_identity()
    assert error_of(excinfo) == (
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
        403,
    )


def test_unknown_access_key_passes_when_key_checks_are_off(
    sts: LocalSts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sts, "check_keys", False)
    assert client(sts, "AKIANOBODYKNOWSTHIS1", "whatever").get_caller_identity()["Account"]


def test_known_key_with_wrong_secret_is_signature_does_not_match(sts: LocalSts) -> None:
    with pytest.raises(ClientError) as excinfo:
        client(sts, USER_AKID, "not-the-secret").get_caller_identity()
    code, message, status = error_of(excinfo)
    assert (code, status) == ("SignatureDoesNotMatch", 403)
    assert message.startswith("The request signature we calculated does not match")


def test_session_keys_assume_role_and_identify_as_the_role(sts: LocalSts) -> None:
    role = session_client(sts).assume_role(RoleArn=ROLE_ARN, RoleSessionName="awsenv")
    c = role["Credentials"]
    identity = client(
        sts, c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]
    ).get_caller_identity()
    assert identity["Arn"] == "arn:aws:sts::123456789012:assumed-role/admin/awsenv"


def test_temporary_key_without_its_session_token_is_invalid(sts: LocalSts) -> None:
    role = client(sts).assume_role(RoleArn=ROLE_ARN, RoleSessionName="awsenv")["Credentials"]
    with pytest.raises(ClientError) as excinfo:
        client(sts, role["AccessKeyId"], role["SecretAccessKey"]).get_caller_identity()
    assert error_of(excinfo)[0] == "InvalidClientTokenId"
    with pytest.raises(ClientError) as excinfo:
        client(sts, role["AccessKeyId"], role["SecretAccessKey"], "stale").get_caller_identity()
    assert error_of(excinfo)[0] == "InvalidClientTokenId"


def test_role_chaining_is_capped_at_one_hour(sts: LocalSts) -> None:
    chained = session_client(sts)
    with pytest.raises(ClientError) as excinfo:
        chained.assume_role(RoleArn=ROLE_ARN, RoleSessionName="awsenv", DurationSeconds=3601)
    assert error_of(excinfo) == (
        "ValidationError",
        "The requested DurationSeconds exceeds the 1 hour session limit "
        "for roles assumed by role chaining.",
        400,
    )
    chained.assume_role(RoleArn=ROLE_ARN, RoleSessionName="awsenv", DurationSeconds=3600)


def test_long_term_keys_may_assume_a_role_for_longer_than_an_hour(sts: LocalSts) -> None:
    client(sts).assume_role(RoleArn=ROLE_ARN, RoleSessionName="awsenv", DurationSeconds=43200)


def test_role_max_session_duration_is_enforced(
    sts: LocalSts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sts.role_max_session, ROLE_ARN, 7200)
    with pytest.raises(ClientError) as excinfo:
        client(sts).assume_role(RoleArn=ROLE_ARN, RoleSessionName="awsenv", DurationSeconds=7201)
    assert error_of(excinfo)[:2] == (
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    )


def test_duration_above_the_api_maximum_is_a_validation_error(sts: LocalSts) -> None:
    with pytest.raises(ClientError) as excinfo:
        client(sts).get_session_token(DurationSeconds=129601)
    code, message, _ = error_of(excinfo)
    assert code == "ValidationError"
    assert "Member must have value less than or equal to 129600" in message


def test_get_session_token_with_session_credentials_is_denied(sts: LocalSts) -> None:
    with pytest.raises(ClientError) as excinfo:
        session_client(sts).get_session_token()
    assert error_of(excinfo) == (
        "AccessDenied",
        "Cannot call GetSessionToken with session credentials",
        403,
    )


def test_fail_next_fails_exactly_once(sts: LocalSts) -> None:
    sts.fail_next("GetCallerIdentity", "ServiceUnavailable", "try later", 503)
    c = client(sts)
    c.get_session_token()  # other actions are unaffected
    with pytest.raises(ClientError) as excinfo:
        c.get_caller_identity()
    assert error_of(excinfo) == ("ServiceUnavailable", "try later", 503)
    assert c.get_caller_identity()["Account"] == "123456789012"


def test_expired_key_is_rejected_until_reissued(sts: LocalSts) -> None:
    c = client(sts)
    creds = c.get_session_token()["Credentials"]
    session = client(sts, creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    sts.expire_key(creds["AccessKeyId"])
    with pytest.raises(ClientError) as excinfo:
        session.get_caller_identity()
    assert error_of(excinfo) == (
        "ExpiredToken",
        "The security token included in the request is expired",
        403,
    )
    c.get_session_token()  # moto re-issues the same fixed key id: a refresh revives it
    session.get_caller_identity()


def test_counters_count_attempts_and_successes(sts: LocalSts) -> None:
    c = client(sts)
    c.get_session_token(SerialNumber=SERIAL, TokenCode="123456")
    with pytest.raises(ClientError):
        c.get_session_token(SerialNumber=SERIAL, TokenCode="111111")
    c.get_caller_identity()

    assert sts.calls == {"GetSessionToken": 2, "GetCallerIdentity": 1}
    assert sts.successes == {"GetSessionToken": 1, "GetCallerIdentity": 1}
    assert [(e["action"], e["status"], e["error_code"]) for e in sts.requests_log] == [
        ("GetSessionToken", 200, None),
        ("GetSessionToken", 403, "AccessDenied"),
        ("GetCallerIdentity", 200, None),
    ]
    assert sts.requests_log[1]["token_code"] == "111111"
    assert sts.requests_log[1]["access_key_id"] == USER_AKID

    sts.fail_next("GetCallerIdentity", "Boom", "boom")
    sts.reset()
    assert not sts.calls and not sts.successes and not sts.requests_log
    c.get_caller_identity()  # the injected failure went with the reset; keys stayed


def test_counters_are_exact_under_concurrent_calls(sts: LocalSts) -> None:
    c = client(sts)
    threads = [
        threading.Thread(target=lambda: [c.get_caller_identity() for _ in range(5)])
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sts.calls["GetCallerIdentity"] == sts.successes["GetCallerIdentity"] == 40


def test_moto_api_passes_through_uncounted(sts: LocalSts) -> None:
    with urllib.request.urlopen(f"{sts.endpoint}/moto-api/data.json", timeout=5) as response:
        assert response.status == 200
        assert response.read().startswith(b"{")
    assert not sts.calls
    assert not sts.requests_log


def test_stop_kills_moto_and_closes_the_endpoint() -> None:
    server = LocalSts().start()
    endpoint, pid = server.endpoint, server.moto_pid
    assert pid is not None
    server.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2)
    server.stop()  # idempotent
