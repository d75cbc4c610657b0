"""What the strictest readers of the AWS files refuse: the Go SDK v2 and v1,
which terraform and pulumi embed.

They check every profile of the chain `AWS_PROFILE` names, even when keys are
in the environment, and refuse the whole load on one bad profile. Their rules
(aws-sdk-go-v2 config/shared_config.go `setFromIniSections`; v1 alike): a
profile seen for the first time must not have `source_profile`,
`credential_source` or `web_identity_token_file` without `role_arn`; a source
profile with keys ends the walk; past that, a profile may hold only one of
`source_profile`, `credential_source`, `credential_process` and
`web_identity_token_file`. botocore, Ruby and the JavaScript SDK accept all of
it, so awsenv must ask the strictest reader before it names a profile.
"""

from __future__ import annotations

from dataclasses import dataclass

from awsenv.config.profiles import AwsFiles, Profile
from awsenv.errors import ConfigError

_NEED_ROLE = ("source_profile", "credential_source", "web_identity_token_file")
_ONE_OF = ("source_profile", "credential_source", "credential_process", "web_identity_token_file")


@dataclass(frozen=True)
class Refusal:
    """A profile the Go SDK refuses, why in a few words, and the fix."""

    profile: str
    why: str
    fix: str

    @property
    def short(self) -> str:
        """The reason AWS_PROFILE is withheld, with the fix: one short line."""
        return f"Go SDKs refuse profile {self.profile}; fix: {self.fix}"


def refusal(files: AwsFiles, name: str) -> Refusal | None:
    """The first profile on the Go SDK's walk from `name` that it refuses."""
    seen: set[str] = set()
    while name not in seen:
        try:
            profile = files.profile(name)
        except ConfigError:
            return None  # a missing source is awsenv's own error, said elsewhere
        found = _refused(profile, top=not seen)
        if found is not None or (seen and profile.has_keys):
            return found
        seen.add(name)
        name = profile.get("source_profile") or ""
        if not name:
            return None
    return None


def _refused(profile: Profile, *, top: bool) -> Refusal | None:
    without_role = [key for key in _NEED_ROLE if profile.get(key)]
    if without_role and not profile.get("role_arn"):
        return Refusal(profile.name, f"{without_role[0]} without role_arn", _fix(profile))
    if not top and profile.has_keys:
        return None
    kinds = [key for key in _ONE_OF if profile.get(key)]
    if len(kinds) > 1:
        return Refusal(
            profile.name,
            f"{kinds[0]} and {kinds[1]} together",
            f"keep one of them in [profile {profile.name}]",
        )
    return None


def _fix(profile: Profile) -> str:
    if profile.session_source is not None:
        # awsenv's own session profile, in the earlier form or with a
        # `source_profile` left beside `awsenv_source_profile`: setup moves it.
        return f"awsenv setup --session {profile.name}"
    return f"add role_arn to [profile {profile.name}] or remove its source settings"


def botocore_can_name(name: str) -> bool:
    """Can AWS_PROFILE name this profile for botocore? awsenv reads profile names
    as botocore does (sections.config_profile_name; credentials-file sections
    as they stand), so every name it finds is one botocore finds, but one:
    `DEFAULT`, which botocore's configparser takes for its defaults section in
    the credentials file, where awsenv keeps a session profile's keys."""
    import configparser

    return name != configparser.DEFAULTSECT
