"""The one object the core hands to the renderers: what to set and unset."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from awsenv.credentials import Credentials, format_time
from awsenv.errors import ConfigError

# Every variable awsenv ever sets. Whatever an export does not set, it unsets,
# so nothing from an earlier export in the same shell lingers.
MANAGED = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",  # legacy boto2 name; only ever unset
    "AWS_CREDENTIAL_EXPIRATION",
    "AWSENV_EXPIRATION_EPOCH",  # for prompt hooks that compare without a process
    "AWSENV_PROFILE",
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
)


# Read by tools, never set by awsenv: a program started with an export's
# credentials must not see them (botocore reads AWS_DEFAULT_PROFILE as
# AWS_PROFILE).
STALE = ("AWS_DEFAULT_PROFILE",)


@dataclass(frozen=True)
class Exports:
    set: tuple[tuple[str, str], ...]
    unset: tuple[str, ...]
    profile: str | None = None
    expiration: datetime | None = None
    region: str | None = None

    @classmethod
    def build(
        cls,
        profile: str,
        creds: Credentials,
        *,
        region: str | None,
        aws_profile: str | None,
        valid_until: datetime | None = None,
    ) -> Exports:
        """`valid_until` is when the whole export stops working, which can come
        before the keys' own expiry: a role over a session profile that tools
        given AWS_PROFILE read. The prompt hooks warn by it."""
        values: dict[str, str] = {
            "AWS_ACCESS_KEY_ID": creds.access_key_id,
            "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
        }
        if creds.session_token:
            values["AWS_SESSION_TOKEN"] = creds.session_token
        if creds.expiration:
            values["AWS_CREDENTIAL_EXPIRATION"] = format_time(creds.expiration)
            until = min(creds.expiration, valid_until or creds.expiration)
            values["AWSENV_EXPIRATION_EPOCH"] = str(int(until.timestamp()))
        values["AWSENV_PROFILE"] = profile
        if aws_profile:
            values["AWS_PROFILE"] = aws_profile
        if region:
            values["AWS_REGION"] = region
            values["AWS_DEFAULT_REGION"] = region
        for name, value in values.items():
            if "\0" in value:
                # credential_process output, say: JSON can carry one, no environment can.
                raise ConfigError(
                    f"profile {profile!r}: {name} would hold a NUL character, "
                    "which no environment variable can"
                )
        return cls(
            set=tuple(values.items()),
            unset=tuple(name for name in MANAGED if name not in values),
            profile=profile,
            expiration=creds.expiration,
            region=region,
        )

    def applied_to(self, environ: Mapping[str, str]) -> dict[str, str]:
        """`environ` as a shell would hold it after evaluating this export, less
        the stale variables: the environment `awsenv exec` gives its command."""
        kept = {k: v for k, v in environ.items() if k not in MANAGED and k not in STALE}
        return {**kept, **dict(self.set)}

    @classmethod
    def clear(cls) -> Exports:
        return cls(set=(), unset=MANAGED)
