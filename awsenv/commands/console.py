"""`awsenv console PROFILE [--print] [--destination URL]`: sign in to the AWS
console with the profile's role credentials, in the browser or as a printed
URL. (awsenv/console.py, the stderr writer, is another module.)"""

from __future__ import annotations

import os
from collections.abc import Sequence

from awsenv.cli import Parser, check_stdout, write
from awsenv.console import Console
from awsenv.errors import ConfigError, UsageError


def parser() -> Parser:
    parser = Parser(prog="awsenv console", description="Open the AWS console for a profile.")
    parser.add_argument("profile", metavar="PROFILE", help="a role profile")
    parser.add_argument("--print", action="store_true", help="print the sign-in URL, open nothing")
    parser.add_argument(
        "--destination", metavar="URL", help="the console page to land on (default: its home)"
    )
    return parser


def run(argv: Sequence[str], console: Console) -> int:
    args = parser().parse_args(argv)
    if args.destination and not args.destination.startswith("https://"):
        raise UsageError("--destination must be an https:// URL of the console")
    if args.print:
        check_stdout()
    from awsenv import federation
    from awsenv.core import Request, load_files, obtain
    from awsenv.mfa import ask_terminal
    from awsenv.plan import LongTermKeys, MfaSession, build_plan

    # Refused before any prompt: these credentials cannot be federated.
    top = build_plan(load_files(os.environ), args.profile).top
    if isinstance(top, MfaSession | LongTermKeys):
        what = (
            "session credentials from GetSessionToken"
            if isinstance(top, MfaSession)
            else "long-term keys"
        )
        raise ConfigError(
            f"{args.profile!r} gives {what}, which the console federation cannot use; "
            "use a role profile (role_arn) instead"
        )
    outcome = obtain(Request(args.profile), ask=ask_terminal, on_secret=console.redact.add)
    for notice in outcome.notices:
        console.say(notice)
    creds = outcome.credentials
    assert creds is not None  # obtain always sets it
    url = federation.endpoint(os.environ)
    token = federation.signin_token(creds, url)
    console.redact.add(token)
    destination = args.destination or federation.console_home(outcome.plan.region)
    login = federation.login_url(url, token, destination)
    console.redact.add(login)
    if args.print:
        write(login + "\n")
        return 0
    import webbrowser

    if not webbrowser.open(login):
        raise UsageError("no browser could be opened; use --print to get the URL")
    console.say(f"opened the console for {args.profile} in the browser")
    return 0
