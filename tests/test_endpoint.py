"""The endpoint itself (core/endpoint.py), in-process over real HTTP: what it
serves from memory and when it renews, and a renewal that fails."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest

from awsenv.aws.credentials import Credentials
from awsenv.core.endpoint import Endpoint
from awsenv.errors import NoTerminalError

START = datetime(2026, 12, 6, 8, 0, tzinfo=timezone.utc)


def creds(number: int, lifetime: timedelta) -> Credentials:
    return Credentials(
        f"ASIA{number:016d}", f"secret-{number}", f"token-{number}", START + lifetime
    )


def get(endpoint: Endpoint) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(endpoint.url, headers={"Authorization": endpoint.token})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_served_from_memory_until_the_margin_then_renewed_once() -> None:
    clock = [START]
    renewals: list[Credentials] = []

    def renew() -> Credentials:
        renewals.append(creds(len(renewals) + 2, timedelta(hours=2)))
        return renewals[-1]

    endpoint = Endpoint(
        creds(1, timedelta(hours=1)),
        renew,
        margin=timedelta(minutes=5),
        on_error=lambda _line: None,
        now=lambda: clock[0],
    )
    endpoint.start()
    try:
        assert get(endpoint) == (
            200,
            {
                "AccessKeyId": "ASIA0000000000000001",
                "SecretAccessKey": "secret-1",
                "Token": "token-1",
                "Expiration": "2026-12-06T09:00:00Z",
            },
        )
        clock[0] = START + timedelta(minutes=54, seconds=59)
        assert get(endpoint)[1]["AccessKeyId"] == "ASIA0000000000000001"
        assert renewals == []
        clock[0] = START + timedelta(minutes=55)
        assert get(endpoint)[1]["AccessKeyId"] == "ASIA0000000000000002"
        assert get(endpoint)[1]["AccessKeyId"] == "ASIA0000000000000002"
        assert len(renewals) == 1
    finally:
        endpoint.close()


def test_a_renewal_that_fails_is_a_500_with_the_line_and_is_said() -> None:
    said: list[str] = []

    def renew() -> Credentials:
        raise NoTerminalError("an MFA code is needed for arn:aws:iam::1:mfa/a")

    endpoint = Endpoint(
        creds(1, timedelta(minutes=1)), renew, margin=timedelta(minutes=5), on_error=said.append
    )
    endpoint.start()
    try:
        status, body = get(endpoint)
    finally:
        endpoint.close()
    assert status == 500
    assert body == {
        "code": "AwsenvError",
        "message": "an MFA code is needed for arn:aws:iam::1:mfa/a",
    }
    assert said == ["an MFA code is needed for arn:aws:iam::1:mfa/a"]


def test_an_error_not_awsenvs_own_is_a_500_named_by_its_type(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """A renewal that raises something awsenv did not wrap (botocore's own
    error, the cache's trust check) reaches neither the terminal as a
    traceback nor the SDK as a dropped connection; its text, which may hold
    anything, is not repeated."""
    said: list[str] = []

    def renew() -> Credentials:
        raise RuntimeError("secret-in-the-message")

    endpoint = Endpoint(
        creds(1, timedelta(minutes=1)), renew, margin=timedelta(minutes=5), on_error=said.append
    )
    endpoint.start()
    try:
        status, body = get(endpoint)
    finally:
        endpoint.close()
    assert (status, body["code"]) == (500, "InternalError")
    assert said == ["internal error (RuntimeError) while renewing"]
    out, err = capfd.readouterr()
    assert "Traceback" not in err and "secret-in-the-message" not in out + err + json.dumps(body)
