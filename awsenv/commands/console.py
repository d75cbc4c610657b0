"""`awsenv console PROFILE [--print] [--destination URL]`: sign in to the AWS
console with the profile's role credentials, in the browser or as a printed
URL."""

from __future__ import annotations

import os
from collections.abc import Sequence

from awsenv.commands.shared import check_stdout, parse, write
from awsenv.errors import ConfigError
from awsenv.stderr import Console


def run(argv: Sequence[str], console: Console) -> int:
    args = parse("console", argv)
    from awsenv.aws import federation

    # Refused before anything is asked for or sent: the role's keys go to the
    # endpoint, and the token to the browser.
    url = federation.endpoint(os.environ)
    destination = federation.check_destination(args.destination) if args.destination else None
    if args.print:
        check_stdout()
    region = _refuse_unfederable(args.profile)
    from awsenv.aws.sts import endpoint as sts_endpoint

    federation.check_source(url, sts_endpoint(region, os.environ))
    from awsenv.core.mfa_codes import ask_terminal
    from awsenv.core.obtain import Request, obtain

    outcome = obtain(Request(args.profile), ask=ask_terminal, on_secret=console.redact.add)
    for notice in outcome.notices:
        console.say(notice)
    creds = outcome.credentials
    assert creds is not None  # obtain always sets it
    token = federation.signin_token(creds, url)
    console.redact.add(token)
    login = federation.login_url(
        url, token, destination or federation.console_home(outcome.plan.region)
    )
    console.redact.add(login)
    if args.print:
        write(login + "\n")
        return 0
    from awsenv import paths
    from awsenv.core import browser

    browser.open_url(login, paths.cache_dir(os.environ))
    console.say(f"opened the console for {args.profile} in the browser")
    return 0


def _refuse_unfederable(profile: str) -> str | None:
    """Credentials from GetSessionToken, or long-term keys, cannot be federated:
    refused before any prompt. The profile's region, else None."""
    from awsenv.core.obtain import load_files
    from awsenv.core.plan import LongTermKeys, MfaSession, build_plan

    plan = build_plan(load_files(os.environ), profile)
    top = plan.top
    if isinstance(top, MfaSession | LongTermKeys):
        what = (
            "session credentials from GetSessionToken"
            if isinstance(top, MfaSession)
            else "long-term keys"
        )
        raise ConfigError(
            f"{profile!r} gives {what}, which the console federation cannot use; "
            "use a role profile (role_arn) instead"
        )
    return plan.region
