"""The one line said after a refresh: which profile, the role or MFA session
it now holds, in which account and region, and until when. Nothing after a
call served from the cache: the person asked for nothing new."""

from __future__ import annotations

from datetime import datetime

from awsenv.core.plan import AssumeRole, MfaSession, Node, Plan

WIDTH = 100  # the whole line, `awsenv: ` included (stderr.Console)
_PREFIX = len("awsenv: ")
_PART = 24  # a long profile or role name is cut to this, with an ellipsis


def summary(plan: Plan, expiration: datetime | None, profile: str) -> str:
    """`dev: role dev in 123456789012 (eu-central-1) until 14:03 UTC`, at
    most WIDTH characters with the Console's prefix."""
    what, arn = _held(plan.top)
    account = _account(arn)
    where = f" in {account}" if account else ""
    region = f" ({plan.region})" if plan.region else ""
    until = f" until {expiration.astimezone().strftime('%H:%M %Z')}" if expiration else ""
    line = f"{profile}: {what}{where}{region}{until}"
    if _PREFIX + len(line) > WIDTH:
        line = f"{_cut(profile)}: {_cut(what)}{where}{region}{until}"
    return line[: WIDTH - _PREFIX]


def _held(top: Node) -> tuple[str, str]:
    """What the credentials are, in words, and the ARN that names its account."""
    if isinstance(top, AssumeRole):
        return f"role {top.role_arn.rsplit('/', 1)[-1]}", top.role_arn
    if isinstance(top, MfaSession):
        return f"MFA session of {top.serial.rsplit('/', 1)[-1]}", top.serial
    return "credentials", ""


def _account(arn: str) -> str:
    """The account field of an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:...)."""
    fields = arn.split(":")
    return fields[4] if len(fields) > 5 and fields[4].isdigit() else ""


def _cut(text: str) -> str:
    return text if len(text) <= _PART else text[: _PART - 1] + "…"
