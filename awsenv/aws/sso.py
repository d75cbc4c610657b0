"""IAM Identity Center through botocore: the OIDC device-authorization calls
(RegisterClient, StartDeviceAuthorization, CreateToken) and the portal's
GetRoleCredentials. The calls are unsigned, as the AWS CLI makes them; the
endpoints follow botocore's own settings (`AWS_ENDPOINT_URL_SSO_OIDC`,
`AWS_ENDPOINT_URL_SSO`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from awsenv.aws import clock
from awsenv.aws.credentials import Credentials, check_time
from awsenv.aws.sts import Issued, without_aws_environment
from awsenv.errors import AwsError, EndpointError
from awsenv.trace import debug

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_GRANT = "refresh_token"
CLIENT_NAME = "awsenv"


@dataclass(frozen=True)
class Registration:
    client_id: str
    client_secret: str = field(repr=False)
    expires_at: datetime


@dataclass(frozen=True)
class DeviceAuthorization:
    device_code: str = field(repr=False)
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: int
    interval: int


@dataclass(frozen=True)
class Token:
    access_token: str = field(repr=False)
    expires_in: int
    refresh_token: str | None = field(default=None, repr=False)


class Pending(Exception):
    """CreateToken: the person has not approved yet (`slow_down`: poll slower)."""

    def __init__(self, slow_down: bool) -> None:
        super().__init__("authorization pending")
        self.slow_down = slow_down


_CLIENTS: dict[tuple[str, str], Any] = {}


def _client(service: str, region: str) -> Any:
    """One client per service and region for the run: a login polls CreateToken
    every few seconds, and a client costs more to make than a call."""
    key = (service, region)
    if key not in _CLIENTS:
        _CLIENTS[key] = _new_client(service, region)
    return _CLIENTS[key]


def _new_client(service: str, region: str) -> Any:
    import botocore.config
    import botocore.session
    from botocore import UNSIGNED

    config = botocore.config.Config(
        signature_version=UNSIGNED,
        region_name=region,
        connect_timeout=5,
        read_timeout=20,
        retries={"mode": "standard", "max_attempts": 2},
    )
    with without_aws_environment():
        return botocore.session.Session().create_client(service, config=config)


def _call(service: str, region: str, method: str, params: dict[str, Any], subject: str) -> Any:
    import botocore.exceptions as bex

    client = _client(service, region)
    debug(f"{service} {method} ({subject})")
    try:
        return getattr(client, method)(**params)
    except bex.ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "")).removesuffix("Exception")
        if method == "create_token" and code in ("AuthorizationPending", "SlowDown"):
            raise Pending(code == "SlowDown") from None
        message = str(error.get("Message") or error.get("error_description") or code)
        raise AwsError(
            f"{subject}: IAM Identity Center refused ({code}): {message}", code
        ) from None
    except (bex.EndpointConnectionError, bex.ConnectTimeoutError, bex.ReadTimeoutError) as exc:
        where = getattr(exc, "kwargs", {}).get("endpoint_url", service)
        raise EndpointError(f"{subject}: cannot reach IAM Identity Center at {where}") from None
    except bex.BotoCoreError as exc:
        raise AwsError(f"{subject}: {exc}") from None


def register_client(region: str, start_url: str, scopes: tuple[str, ...]) -> Registration:
    params: dict[str, Any] = {"clientName": CLIENT_NAME, "clientType": "public"}
    if scopes:
        # The sso-session form: a client that may refresh its tokens.
        params.update(
            scopes=list(scopes), grantTypes=[DEVICE_GRANT, REFRESH_GRANT], issuerUrl=start_url
        )
    answer = _call("sso-oidc", region, "register_client", params, f"signing in to {start_url}")
    return Registration(
        str(answer["clientId"]),
        str(answer["clientSecret"]),
        _epoch(answer.get("clientSecretExpiresAt")),
    )


def start_device_authorization(
    region: str, start_url: str, registration: Registration
) -> DeviceAuthorization:
    answer = _call(
        "sso-oidc",
        region,
        "start_device_authorization",
        {
            "clientId": registration.client_id,
            "clientSecret": registration.client_secret,
            "startUrl": start_url,
        },
        f"signing in to {start_url}",
    )
    return DeviceAuthorization(
        str(answer["deviceCode"]),
        str(answer["userCode"]),
        str(answer["verificationUri"]),
        str(answer.get("verificationUriComplete") or answer["verificationUri"]),
        int(answer.get("expiresIn") or 600),
        int(answer.get("interval") or 5),
    )


def create_token(
    region: str,
    registration: Registration,
    *,
    device_code: str | None = None,
    refresh_token: str | None = None,
    subject: str,
) -> Token:
    """One CreateToken: with a device code (raises Pending until approved) or a
    refresh token."""
    params: dict[str, Any] = {
        "clientId": registration.client_id,
        "clientSecret": registration.client_secret,
    }
    if device_code is not None:
        params.update(grantType=DEVICE_GRANT, deviceCode=device_code)
    else:
        params.update(grantType=REFRESH_GRANT, refreshToken=refresh_token)
    answer = _call("sso-oidc", region, "create_token", params, subject)
    return Token(
        str(answer["accessToken"]),
        int(answer.get("expiresIn") or 0),
        answer.get("refreshToken") or None,
    )


def role_credentials(
    region: str, access_token: str, account_id: str, role_name: str, subject: str
) -> Issued:
    answer = _call(
        "sso",
        region,
        "get_role_credentials",
        {"accessToken": access_token, "accountId": account_id, "roleName": role_name},
        subject,
    )
    try:
        role = answer["roleCredentials"]
        creds = Credentials(
            access_key_id=str(role["accessKeyId"]),
            secret_access_key=str(role["secretAccessKey"]),
            session_token=str(role["sessionToken"]),
            # Milliseconds since the epoch.
            expiration=check_time(
                datetime.fromtimestamp(int(role["expiration"]) / 1000, timezone.utc)
            ),
        )
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        raise AwsError(
            f"{subject}: IAM Identity Center answered with credentials awsenv cannot use",
            "InvalidExpiration",
        ) from None
    headers = answer.get("ResponseMetadata", {}).get("HTTPHeaders")
    return Issued(creds, clock.server_time(headers))


def _epoch(value: object) -> datetime:
    """clientSecretExpiresAt: seconds since the epoch (90 days when absent)."""
    try:
        return check_time(datetime.fromtimestamp(int(str(value)), timezone.utc))
    except (ValueError, OverflowError, OSError):
        return datetime.now(timezone.utc) + timedelta(days=90)
