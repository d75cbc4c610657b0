"""`awsenv login PROFILE`: sign in to IAM Identity Center (SSO) in the browser
(device authorization) and keep the token where the AWS CLI keeps it, for
awsenv, the AWS CLI and every SDK. Nothing on stdout."""

from __future__ import annotations

import os
from collections.abc import Sequence

from awsenv.commands.shared import parse
from awsenv.commands.sso_person import PersonHere
from awsenv.stderr import Console


def run(argv: Sequence[str], console: Console) -> int:
    args = parse("login", argv)
    from awsenv.aws.credentials import format_time
    from awsenv.core.sso_signin import sign_in

    session, token = sign_in(
        args.profile,
        PersonHere(console, asked=True),
        environ=os.environ,
        on_secret=console.redact.add,
        on_wait=console.progress,
    )
    console.say(
        f"signed in to {session.start_url}; the token is valid until "
        f"{format_time(token.expires_at)} (for awsenv, the AWS CLI and the SDKs)"
    )
    return 0
