"""The only module that talks to AWS. botocore is imported here, lazily, so a
call served from the cache never pays for it.

Every botocore failure becomes one of awsenv's one-line errors: the person
learns what went wrong and what to do, never an opaque STS error.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from awsenv.aws import clock
from awsenv.aws.credentials import Credentials, check_time
from awsenv.aws.login import sign_in_hint
from awsenv.errors import AwsError, ConfigError, EndpointError, MfaCodeRejected
from awsenv.trace import debug

DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class Issued:
    """Credentials as they arrived, with the clock of whoever issued them."""

    credentials: Credentials
    # STS's Date header, to measure the local clock against; None when unknown
    # (botocore-resolved profiles, a missing header).
    server_time: datetime | None = None

    def skew(self, now: datetime) -> timedelta | None:
        """The local clock (`now`) minus the issuer's; None when unknown."""
        return now - self.server_time if self.server_time is not None else None


class Sts:
    """STS calls made with explicit credentials, never with the environment's."""

    def __init__(self, region: str | None, profile: str) -> None:
        self.region = region or DEFAULT_REGION
        self.profile = profile
        self._session: Any = None

    def _client(self, creds: Credentials) -> Any:
        import botocore.config
        import botocore.exceptions
        import botocore.session

        config = botocore.config.Config(
            connect_timeout=5,
            read_timeout=20,
            retries={"mode": "standard", "max_attempts": 2},
        )
        try:
            with without_aws_environment():
                if self._session is None:
                    self._session = session = botocore.session.Session()
                    # botocore lists every service's data directory (~400) to
                    # check that `sts` is one before it loads a model: a good
                    # part of a first call. awsenv asks for STS alone.
                    loader = session.get_component("data_loader")
                    loader.list_available_services = lambda type_name: ["sts"]
                    # Scoped to the profile asked for, so its endpoint and STS
                    # settings apply. awsenv names profiles as botocore does, but a
                    # credentials-file [DEFAULT] is configparser's, not a profile.
                    if self.profile in session.full_config.get("profiles", {}):
                        session.set_config_variable("profile", self.profile)
                return self._session.create_client(
                    "sts",
                    region_name=self.region,
                    aws_access_key_id=creds.access_key_id,
                    aws_secret_access_key=creds.secret_access_key,
                    aws_session_token=creds.session_token,
                    config=config,
                )
        except botocore.exceptions.BotoCoreError as exc:
            raise ConfigError(f"cannot set up STS for {self.profile!r}: {exc}") from None

    def get_session_token(
        self, source: Credentials, serial: str, code: str, duration: int, label: str
    ) -> Issued:
        client = self._client(source)
        debug(f"GetSessionToken for {label} (serial {serial}, {duration} s)")
        response = _call(
            client,
            "get_session_token",
            {"SerialNumber": serial, "TokenCode": code, "DurationSeconds": duration},
            subject=f"MFA session for {label}",
        )
        return _issued(response, f"MFA session for {label}")

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
    ) -> Issued:
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
        return _issued(response, f"role {role_arn}")


def _issued(response: Any, subject: str) -> Issued:
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders")
    try:
        creds = Credentials.from_json(response["Credentials"])
    except (ValueError, KeyError, TypeError):
        raise AwsError(
            f"{subject}: STS answered with an expiration awsenv cannot use; nothing was exported",
            "InvalidExpiration",
        ) from None
    return Issued(creds, clock.server_time(headers))


# What a botocore session must not see: awsenv never takes a profile's source
# from its own environment, which may hold an earlier export of this very tool.
_AWS_ENVIRONMENT = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
)


@contextlib.contextmanager
def without_aws_environment() -> Iterator[None]:
    saved = {name: os.environ.pop(name) for name in _AWS_ENVIRONMENT if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def botocore_credentials(profile: str, *, login: bool = False) -> Credentials:
    """Credentials for a profile only botocore knows how to resolve (SSO,
    credential_process, an `aws login` session (`login`), ...), never from the
    environment."""
    import botocore.exceptions
    import botocore.session

    try:
        with without_aws_environment():
            resolved = botocore.session.Session(profile=profile).get_credentials()
            if resolved is None:
                raise ConfigError(
                    f"botocore found no credentials for profile {profile!r} "
                    "(awsenv never uses keys from its own environment)"
                )
            frozen = resolved.get_frozen_credentials()
    except botocore.exceptions.BotoCoreError as exc:
        raise _botocore_refused(profile, exc) from None
    except botocore.exceptions.ClientError as exc:
        if not login:
            raise
        # The sign-in service refused the refresh in a way botocore does not
        # name (it names an expired token LoginRefreshRequired).
        code = exc.response.get("Error", {}).get("Code") or "an error"
        why = f" (the sign-in service refused its refresh: {code})"
        raise ConfigError(sign_in_hint(profile, why)) from None
    expiry = getattr(resolved, "_expiry_time", None)
    try:
        expiry = check_time(expiry) if isinstance(expiry, datetime) else None
    except ValueError:
        raise ConfigError(f"profile {profile!r}: its expiration is not a usable time") from None
    return Credentials(
        access_key_id=frozen.access_key,
        secret_access_key=frozen.secret_key,
        session_token=frozen.token,
        expiration=expiry,
    )


def _botocore_refused(profile: str, exc: Exception) -> ConfigError:
    name = type(exc).__name__
    if name.startswith("Login"):
        # An `aws login` session that is missing, or whose refresh token is
        # spent: only the AWS CLI can sign in again.
        return ConfigError(sign_in_hint(profile))
    if name == "MissingDependencyException":
        return ConfigError(
            f"profile {profile!r}: login_session needs awscrt: pip install 'awsenv[login]'"
        )
    return ConfigError(f"profile {profile!r}: {exc}")


class _NotAnAnswer(Exception):
    """What came back is not from AWS (a proxy's or a portal's page)."""


class _Answer:
    """botocore's `before-parse` hook: notes the status and content type of
    each answer, and stops at one that no AWS protocol sends (HTML, plain
    text) before botocore parses it or calls it STS's refusal. A server error
    (5xx) goes on to botocore, which retries it, as a front end's HTML 503
    deserves; if it stays, `foreign` tells the caller."""

    _AWS_TYPES = ("xml", "json", "cbor")

    def __init__(self) -> None:
        self.status: object = None
        self.content_type = ""
        self.foreign = False

    def __call__(self, response_dict: dict[str, Any], **_: Any) -> None:
        self.status = status = response_dict.get("status_code")
        headers = response_dict.get("headers") or {}
        self.content_type = str(headers.get("content-type") or "").split(";")[0].strip()
        self.foreign = bool(self.content_type) and not any(
            kind in self.content_type for kind in self._AWS_TYPES
        )
        if self.foreign and not (isinstance(status, int) and status >= 500):
            raise _NotAnAnswer

    def error(self, endpoint: str) -> EndpointError:
        what = self.content_type or "no content type"
        return EndpointError(
            f"STS at {endpoint} answered HTTP {self.status} with {what}, not an STS answer "
            "(a proxy or a captive portal in between?)"
        )


def _call(client: Any, method: str, params: dict[str, Any], subject: str) -> Any:
    import botocore.exceptions as bex
    from botocore.parsers import ResponseParserError

    endpoint = client.meta.endpoint_url
    # The service asked, as errors name it: IAM for the MFA device lookup.
    service = _SERVICES.get(client.meta.service_model.service_name, "STS")
    answer = _Answer()
    client.meta.events.register("before-parse", answer)
    try:
        return getattr(client, method)(**params)
    except (_NotAnAnswer, ResponseParserError):
        raise answer.error(endpoint) from None
    except bex.ClientError as exc:
        if answer.foreign:
            raise answer.error(endpoint) from None
        raise _translate(exc, subject, service) from None
    except ValueError:
        # botocore's parser on a timestamp it cannot read (an Expiration of
        # garbage): STS's answer, not our request, is at fault.
        raise AwsError(
            f"{subject}: STS answered with a time awsenv cannot read; nothing was exported",
            "InvalidExpiration",
        ) from None
    except (bex.EndpointConnectionError, bex.ConnectTimeoutError, bex.ReadTimeoutError) as exc:
        kind = "timed out" if "Timeout" in type(exc).__name__ else "unreachable"
        raise EndpointError(f"{service} {kind} at {endpoint}") from None
    except bex.ParamValidationError as exc:
        # Only our own inputs reach here; botocore's message names the parameter.
        first = str(exc).splitlines()[-1].strip()
        raise ConfigError(f"{subject}: invalid request: {first}") from None
    except bex.BotoCoreError as exc:
        raise EndpointError(f"{service} at {endpoint} failed: {type(exc).__name__}") from None


_SERVICES = {"sts": "STS", "iam": "IAM"}


def _translate(exc: Any, subject: str, service: str = "STS") -> AwsError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    message = str(error.get("Message", "")).strip().rstrip(".")
    if _signed_at_the_wrong_time(code, message):
        # STS refuses requests signed more than 15 min off its clock, and calls
        # that a bad signature: the keys are fine, the clock is not.
        now = datetime.now(timezone.utc)
        sts_time = clock.server_time(exc.response.get("ResponseMetadata", {}).get("HTTPHeaders"))
        skew = now - sts_time if sts_time else None
        return AwsError(
            f"{subject}: STS refused a request signed at the wrong time: "
            f"{clock.describe(skew)}; set the clock right (NTP)",
            code,
        )
    if _code_rejected(code, message):
        return MfaCodeRejected(f"{subject}: MFA code rejected (wrong, expired or already used)")
    return AwsError(_explain(code, message, subject, service), code)


def _signed_at_the_wrong_time(code: str, message: str) -> bool:
    return code == "RequestExpired" or message.startswith(
        ("Signature expired", "Signature not yet current")
    )


def _code_rejected(code: str, message: str) -> bool:
    return "MultiFactorAuthentication" in message or (code == "AccessDenied" and "MFA" in message)


def _explain(code: str, message: str, subject: str, service: str = "STS") -> str:
    if code in ("InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException"):
        return f"{subject}: the source keys are invalid ({code}); check them"
    if code in ("ExpiredToken", "ExpiredTokenException"):
        return f"{subject}: the source credentials have expired ({code})"
    if code == "AccessDenied":
        return f"{subject}: access denied: {message}"
    if code == "ValidationError" and "DurationSeconds" in message:
        return f"{subject}: duration refused by {service}: {message}; lower duration_seconds"
    if code == "RegionDisabledException":
        return f"{subject}: STS is not activated in this region: {message}"
    return f"{subject}: {service} refused ({code}): {message}"


def endpoint(region: str | None, environ: Mapping[str, str] = os.environ) -> str:
    """The STS endpoint botocore would call: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL,
    else the regional one."""
    given = environ.get("AWS_ENDPOINT_URL_STS") or environ.get("AWS_ENDPOINT_URL")
    return given or f"https://sts.{region or DEFAULT_REGION}.amazonaws.com/"


def clock_skew(region: str | None, environ: Mapping[str, str] = os.environ) -> timedelta | None:
    """Local clock minus STS's, from the Date header of one unsigned request
    (any answer, even a refusal, carries one); None when STS cannot be reached."""
    import urllib.error
    import urllib.request

    url = endpoint(region, environ)
    debug(f"asking {url} for its clock")
    request = urllib.request.Request(url, method="GET")  # noqa: S310 - an https or test URL
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            headers = {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as exc:
        headers = {k.lower(): v for k, v in exc.headers.items()}
    except (OSError, ValueError):
        return None
    sts_time = clock.server_time(headers)
    return datetime.now(timezone.utc) - sts_time if sts_time else None


def mfa_devices(source: Credentials, region: str | None) -> list[str]:
    """The MFA devices of the IAM user who owns `source` (iam list-mfa-devices).
    The user is named explicitly, from GetCallerIdentity: IAM infers it, but
    not every implementation does."""
    import botocore.session

    with without_aws_environment():
        session = botocore.session.Session()
        keys = {
            "aws_access_key_id": source.access_key_id,
            "aws_secret_access_key": source.secret_access_key,
            "aws_session_token": source.session_token,
        }
        sts = session.create_client("sts", region_name=region or DEFAULT_REGION, **keys)
        iam = session.create_client("iam", region_name=region or DEFAULT_REGION, **keys)
        arn = str(_call(sts, "get_caller_identity", {}, subject="the source keys").get("Arn", ""))
        user = arn.rsplit("/", 1)[-1] if ":user/" in arn else None
        params = {"UserName": user} if user else {}
        found = _call(iam, "list_mfa_devices", params, subject="iam list-mfa-devices")
    return [str(device["SerialNumber"]) for device in found.get("MFADevices", [])]


def _clients(creds: Credentials, region: str | None, *services: str) -> list[Any]:
    import botocore.session

    with without_aws_environment():
        session = botocore.session.Session()
        return [
            session.create_client(
                service,
                region_name=region or DEFAULT_REGION,
                aws_access_key_id=creds.access_key_id,
                aws_secret_access_key=creds.secret_access_key,
                aws_session_token=creds.session_token,
            )
            for service in services
        ]


def caller_arn(creds: Credentials, region: str | None, subject: str) -> str:
    """Who `creds` are (sts get-caller-identity)."""
    (sts,) = _clients(creds, region, "sts")
    return str(_call(sts, "get_caller_identity", {}, subject=subject).get("Arn", ""))


def create_access_key(caller: Credentials, user: str, region: str | None) -> Credentials:
    """A new access key for the IAM user `user` (iam create-access-key)."""
    (iam,) = _clients(caller, region, "iam")
    found = _call(iam, "create_access_key", {"UserName": user}, subject="iam create-access-key")
    key = found["AccessKey"]
    return Credentials(str(key["AccessKeyId"]), str(key["SecretAccessKey"]))


def delete_access_key(caller: Credentials, user: str, key_id: str, region: str | None) -> None:
    (iam,) = _clients(caller, region, "iam")
    params = {"UserName": user, "AccessKeyId": key_id}
    _call(iam, "delete_access_key", params, subject="iam delete-access-key")
