"""The one object the core hands to the renderers: what to set and unset."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from awsenv.aws.credentials import Credentials, format_time
from awsenv.errors import ConfigError

# Legacy names that SDKs still read credentials from, never set by awsenv and
# always unset: a stale one pairs an old secret with the new keys, or brings
# old keys back after `awsenv unset`. (Checked in each SDK's source.)
LEGACY_CREDENTIALS = (
    "AWS_SECURITY_TOKEN",  # boto2; botocore reads it before AWS_SESSION_TOKEN
    "AWS_SECRET_KEY",  # the Java SDK v1 reads it *before* AWS_SECRET_ACCESS_KEY; Go, Ruby after
    "AWS_ACCESS_KEY",  # Java v1, Go v1 and v2, Ruby: when AWS_ACCESS_KEY_ID is unset
    "AMAZON_ACCESS_KEY_ID",  # Ruby v3, after the AWS_ names ...
    "AMAZON_SECRET_ACCESS_KEY",
    "AMAZON_SESSION_TOKEN",  # ... whenever AWS_SESSION_TOKEN is unset (long-term keys)
)
# Not here: AWS_SESSION_EXPIRATION (aws-vault's; no SDK reads it).

# Both set to the profile's region, or both unset when its chain names none.
REGION = ("AWS_REGION", "AWS_DEFAULT_REGION")

# Every variable awsenv ever sets, and the legacy names. Whatever an export
# does not set, it unsets, so nothing from an earlier export in the same
# shell, or from another tool, lingers.
MANAGED = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    *LEGACY_CREDENTIALS,
    "AWS_CREDENTIAL_EXPIRATION",
    # botocore and the JS SDK read it with the keys (account-based endpoints):
    # one left from another profile would pair its account with these keys.
    "AWS_ACCOUNT_ID",
    "AWSENV_EXPIRATION_EPOCH",  # for prompt hooks that compare without a process
    "AWSENV_PROFILE",
    "AWS_PROFILE",
    *REGION,
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
        account_id: str | None = None,
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
        if account_id:
            values["AWS_ACCOUNT_ID"] = account_id
        values["AWSENV_PROFILE"] = profile
        if aws_profile:
            values["AWS_PROFILE"] = aws_profile
        if region:
            values.update(dict.fromkeys(REGION, region))
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
