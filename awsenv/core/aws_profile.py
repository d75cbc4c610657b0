"""May AWS_PROFILE name a profile? Only when every reader of the files would
reach the same identity without a prompt: the export (obtain.py) and
`explain` (diagnosis.py) both ask here."""

from __future__ import annotations

from awsenv.config.profiles import AwsFiles
from awsenv.config.strict_readers import botocore_can_name, refusal
from awsenv.core.plan import (
    AssumeRole,
    BotocoreProfile,
    LongTermKeys,
    MfaSession,
    Node,
    SsoRole,
    StaticSession,
)


def why_not(files: AwsFiles, name: str, top: Node) -> str | None:
    """Why AWS_PROFILE must not name this profile, or None when it may. Short:
    it is said in one line of at most 100 characters."""
    if not botocore_can_name(name):
        return "botocore-based tools cannot address its name"
    refused = refusal(files, name)
    if refused is not None:
        # The Go SDK loads the profile AWS_PROFILE names even beside exported
        # keys, and fails the whole load: terraform and pulumi would stop.
        return refused.short
    if resolves_without_prompt(top):
        return None
    if isinstance(top, MfaSession):
        # Long-term keys with their own mfa_serial: the files hold only those keys.
        return "other tools would use its keys without MFA"
    return "other tools would ask for an MFA code"


def resolves_without_prompt(node: Node) -> bool:
    """Would an SDK that reads this profile from the files reach the same identity
    without asking for a code? Only then may AWS_PROFILE name it: some SDKs
    (JavaScript v3) prefer AWS_PROFILE over the exported keys."""
    if isinstance(node, MfaSession):
        return node.profile is not None  # its section holds the session
    if isinstance(node, AssumeRole):
        return not node.profile.get("mfa_serial") and resolves_without_prompt(node.source)
    # An SSO profile: every SDK reads the same token from ~/.aws/sso/cache.
    return isinstance(node, LongTermKeys | StaticSession | BotocoreProfile | SsoRole)
