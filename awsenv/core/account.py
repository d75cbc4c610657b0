"""The account a profile's credentials belong to, from the files alone: what
the export carries as AWS_ACCOUNT_ID and credential_process as AccountId
(botocore and the JS SDK use it for account-based endpoints)."""

from __future__ import annotations

from awsenv.core.plan import AssumeRole, BotocoreProfile, MfaSession, Node

# An ARN's fields: arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE
_ACCOUNT_FIELD = 4


def account_of(node: Node) -> str | None:
    """A role's account from its ARN; an MFA session's from its device's ARN
    (a hardware token's serial names none); otherwise what the profile says
    (`aws_account_id`, or `sso_account_id` for SSO). None: unknown, and the
    export removes a stale one rather than pair it with these keys."""
    if isinstance(node, AssumeRole):
        return _from_arn(node.role_arn)
    if isinstance(node, MfaSession):
        named = _checked(node.profile.get("aws_account_id")) if node.profile else None
        return (
            named or _from_arn(node.serial) or _checked(node.source.profile.get("aws_account_id"))
        )
    profile = node.profile
    if isinstance(node, BotocoreProfile) and profile.get("sso_account_id"):
        return _checked(profile.get("sso_account_id"))
    return _checked(profile.get("aws_account_id"))


def _from_arn(arn: str) -> str | None:
    parts = arn.split(":")
    if len(parts) < _ACCOUNT_FIELD + 2 or parts[0] != "arn":
        return None
    return _checked(parts[_ACCOUNT_FIELD])


def _checked(account: str | None) -> str | None:
    """Twelve digits, or nothing: a typo must not reach an endpoint's host name."""
    if account and len(account) == 12 and account.isascii() and account.isdigit():
        return account
    return None
