"""The one line said after a refresh: which profile, the role or MFA session
it now holds, in which account and region, and until when. Nothing after a
call served from the cache: the person asked for nothing new."""

from __future__ import annotations

from awsenv.core.exports import Exports
from awsenv.core.plan import AssumeRole, MfaSession, Node, Plan

WIDTH = 100  # the whole line, `awsenv: ` included (stderr.Console)
_PREFIX = len("awsenv: ")
_PART = 24  # a long profile or role name is cut to this, with an ellipsis


def summary(plan: Plan, exports: Exports, profile: str) -> str:
    """`dev: role dev in 123456789012 (eu-central-1) until 14:03 UTC`, at
    most WIDTH characters with the Console's prefix. The account is the one
    the export carries (core/account.py), not read again here."""
    what = _held(plan.top)
    account = dict(exports.set).get("AWS_ACCOUNT_ID")
    expiration = exports.expiration
    where = f" in {account}" if account else ""
    region = f" ({plan.region})" if plan.region else ""
    until = f" until {expiration.astimezone().strftime('%H:%M %Z')}" if expiration else ""
    line = f"{profile}: {what}{where}{region}{until}"
    if _PREFIX + len(line) > WIDTH:
        line = f"{_cut(profile)}: {_cut(what)}{where}{region}{until}"
    return line[: WIDTH - _PREFIX]


def _held(top: Node) -> str:
    """What the credentials are, in words."""
    if isinstance(top, AssumeRole):
        return f"role {top.role_arn.rsplit('/', 1)[-1]}"
    if isinstance(top, MfaSession):
        return f"MFA session of {top.serial.rsplit('/', 1)[-1]}"
    return "credentials"


def _cut(text: str) -> str:
    return text if len(text) <= _PART else text[: _PART - 1] + "…"
