"""An IAM Identity Center (SSO) profile's settings, read as botocore reads them.

Two forms: `sso_session = NAME` naming an `[sso-session NAME]` section that
holds the start URL and region (tokens refresh), or the legacy form with
`sso_start_url` and `sso_region` in the profile itself. Either way the profile
names the account and the role.
"""

from __future__ import annotations

from dataclasses import dataclass

from awsenv.config.profiles import AwsFiles, Profile
from awsenv.errors import ConfigError

# What `aws configure sso` registers for: the portal's account access.
DEFAULT_SCOPES = ("sso:account:access",)


@dataclass(frozen=True)
class SsoSession:
    """Where a person signs in: one token serves every profile that shares it.
    `name` is the sso-session's (None: the legacy form, keyed by the URL)."""

    start_url: str
    region: str
    name: str | None = None
    scopes: tuple[str, ...] = ()

    @property
    def cache_name(self) -> str:
        """What the AWS CLI hashes to name the token file: the session's name,
        or the start URL in the legacy form."""
        return self.name if self.name is not None else self.start_url


@dataclass(frozen=True)
class SsoAccess:
    session: SsoSession
    account_id: str
    role_name: str


def sso_access(files: AwsFiles, profile: Profile) -> SsoAccess:
    """The session, account and role of an SSO profile; one line naming what is
    missing otherwise (botocore's rules)."""
    session_name = profile.get("sso_session")
    if session_name is not None:
        section = files.sso_sessions.get(session_name)
        if section is None:
            raise ConfigError(
                f"profile {profile.name!r} has sso_session {session_name!r}, but the config "
                f"file has no [sso-session {session_name}] section"
            )
        values = {k: v.strip() for k, v in section.items() if v.strip()}
        where = f"[sso-session {session_name}]"
        scopes = tuple(
            s.strip() for s in values.get("sso_registration_scopes", "").split(",") if s.strip()
        )
        session = SsoSession(
            _needed(values, "sso_start_url", where),
            _needed(values, "sso_region", where),
            session_name,
            scopes or DEFAULT_SCOPES,
        )
        _same_as_session(profile, session)
    else:
        values = {k: v.strip() for k, v in profile.config.items() if v.strip()}
        where = f"profile {profile.name!r}"
        session = SsoSession(
            _needed(values, "sso_start_url", where), _needed(values, "sso_region", where)
        )
    mine = {k: v.strip() for k, v in profile.config.items() if v.strip()}
    where = f"profile {profile.name!r}"
    return SsoAccess(
        session, _needed(mine, "sso_account_id", where), _needed(mine, "sso_role_name", where)
    )


def _needed(values: dict[str, str], key: str, where: str) -> str:
    value = values.get(key)
    if not value:
        raise ConfigError(f"{where} needs {key} for IAM Identity Center (SSO)")
    return value


def _same_as_session(profile: Profile, session: SsoSession) -> None:
    """botocore refuses a profile whose own start URL or region contradicts its
    sso-session's; so does awsenv, in the same words."""
    for key, value in (("sso_start_url", session.start_url), ("sso_region", session.region)):
        own = profile.get(key)
        if own is not None and own != value:
            raise ConfigError(
                f"profile {profile.name!r}: its {key} differs from [sso-session "
                f"{session.name}]'s; remove it from the profile"
            )
