"""`awsenv console PROFILE [--print] [--destination URL]`: sign in to the AWS
console with the profile's role credentials, in the browser or as a printed
URL."""

from __future__ import annotations

import os
from collections.abc import Sequence

from awsenv.commands.shared import check_stdout, parse, write
from awsenv.errors import ConfigError
from awsenv.stderr import Console

TYPE_CHECKING = False
if TYPE_CHECKING:
    from awsenv.config.profiles import AwsFiles
    from awsenv.core.plan import Plan


def run(argv: Sequence[str], console: Console) -> int:
    args = parse("console", argv)
    from awsenv.aws import federation

    # Refused before anything is asked for or sent: the role's keys go to the
    # endpoint, and the token to the browser.
    url = federation.endpoint(os.environ)
    destination = federation.check_destination(args.destination) if args.destination else None
    if args.print:
        check_stdout()
    for source in _sts_endpoints(args.profile):
        federation.check_source(url, source)
    from awsenv.commands.sso_person import PersonHere
    from awsenv.core.mfa_codes import ask_person
    from awsenv.core.obtain import Request, obtain

    outcome = obtain(
        Request(args.profile),
        ask=ask_person,
        on_secret=console.redact.add,
        person=PersonHere(console),
    )
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


def _sts_endpoints(profile: str) -> list[str]:
    """Every STS endpoint the profile's credentials may come from: the one
    the environment names (or AWS's own), and any `endpoint_url` of the
    profiles of its chain. Refuses an unfederable profile first."""
    from awsenv.aws.sts import endpoint
    from awsenv.core.obtain import load_files

    files = load_files(os.environ)
    plan = _refuse_unfederable(files, profile)
    given = (files.profile(name).get("endpoint_url") for name in plan.profiles)
    return [endpoint(plan.region, os.environ), *(url for url in given if url)]


def _refuse_unfederable(files: AwsFiles, profile: str) -> Plan:
    """Credentials from GetSessionToken, or long-term keys, cannot be federated:
    refused before any prompt."""
    from awsenv.core.plan import LongTermKeys, MfaSession, build_plan

    plan = build_plan(files, profile)
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
    return plan
