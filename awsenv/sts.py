"""The only module that talks to AWS. botocore is imported here, lazily, so a
call served from the cache never pays for it.

Every botocore failure becomes one of awsenv's one-line errors: the person
learns what went wrong and what to do, never an opaque STS error.
"""

from __future__ import annotations

from typing import Any

from awsenv.credentials import Credentials
from awsenv.errors import AwsError, ConfigError, EndpointError
from awsenv.trace import debug

DEFAULT_REGION = "us-east-1"


class Sts:
    """STS calls made with explicit credentials, never with the environment's."""

    def __init__(self, region: str | None, profile: str) -> None:
        self.region = region or DEFAULT_REGION
        self.profile = profile
        self._session: Any = None

    def _client(self, creds: Credentials) -> Any:
        import botocore.config
        import botocore.session

        if self._session is None:
            # Scoped to the profile asked for, so its endpoint and STS settings apply,
            # and never to a stale AWS_PROFILE from the environment. botocore cannot
            # see some names awsenv can (it shlex-splits section names): those fall
            # back to [default]. The keys are always the ones passed in.
            session = botocore.session.Session()
            known = session.full_config.get("profiles", {})
            session.set_config_variable(
                "profile", self.profile if self.profile in known else "default"
            )
            self._session = session
        config = botocore.config.Config(
            connect_timeout=5,
            read_timeout=20,
            retries={"mode": "standard", "max_attempts": 2},
        )
        return self._session.create_client(
            "sts",
            region_name=self.region,
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
            aws_session_token=creds.session_token,
            config=config,
        )

    def get_session_token(
        self, source: Credentials, serial: str, code: str, duration: int, label: str
    ) -> Credentials:
        client = self._client(source)
        debug(f"GetSessionToken for {label} (serial {serial}, {duration} s)")
        response = _call(
            client,
            "get_session_token",
            {"SerialNumber": serial, "TokenCode": code, "DurationSeconds": duration},
            subject=f"MFA session for {label}",
        )
        return Credentials.from_json(response["Credentials"])

    def assume_role(
        self,
        source: Credentials,
        role_arn: str,
        session_name: str,
        duration: int,
        *,
        external_id: str | None = None,
        serial: str | None = None,
        code: str | None = None,
    ) -> Credentials:
        client = self._client(source)
        params: dict[str, Any] = {
            "RoleArn": role_arn,
            "RoleSessionName": session_name,
            "DurationSeconds": duration,
        }
        if external_id:
            params["ExternalId"] = external_id
        if serial and code:
            params["SerialNumber"] = serial
            params["TokenCode"] = code
        debug(f"AssumeRole {role_arn} as {session_name} ({duration} s)")
        response = _call(client, "assume_role", params, subject=f"role {role_arn}")
        return Credentials.from_json(response["Credentials"])


def _call(client: Any, method: str, params: dict[str, Any], subject: str) -> Any:
    import botocore.exceptions as bex

    endpoint = client.meta.endpoint_url
    try:
        return getattr(client, method)(**params)
    except bex.ClientError as exc:
        raise _translate(exc, subject) from None
    except (bex.EndpointConnectionError, bex.ConnectTimeoutError, bex.ReadTimeoutError) as exc:
        kind = "timed out" if "Timeout" in type(exc).__name__ else "unreachable"
        raise EndpointError(f"STS {kind} at {endpoint}") from None
    except bex.ParamValidationError as exc:
        # Only our own inputs reach here; botocore's message names the parameter.
        first = str(exc).splitlines()[-1].strip()
        raise ConfigError(f"{subject}: invalid request: {first}") from None
    except bex.BotoCoreError as exc:
        raise EndpointError(f"STS at {endpoint} failed: {type(exc).__name__}") from None


def _translate(exc: Any, subject: str) -> Exception:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    message = str(error.get("Message", "")).strip().rstrip(".")
    if "MultiFactorAuthentication" in message or (code == "AccessDenied" and "MFA" in message):
        return AwsError(f"{subject}: MFA code rejected (wrong, expired or already used)")
    if code in ("InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException"):
        return AwsError(f"{subject}: the source keys are invalid ({code}); check them")
    if code in ("ExpiredToken", "ExpiredTokenException", "RequestExpired"):
        return AwsError(
            f"{subject}: the source credentials have expired ({code}); "
            "refresh the source profile with --refresh"
        )
    if code == "AccessDenied":
        return AwsError(f"{subject}: access denied: {message}")
    if code == "ValidationError" and "DurationSeconds" in message:
        return AwsError(f"{subject}: duration refused by STS: {message}; lower duration_seconds")
    if code == "RegionDisabledException":
        return AwsError(f"{subject}: STS is not activated in this region: {message}")
    return AwsError(f"{subject}: STS refused ({code}): {message}")
