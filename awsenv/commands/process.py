"""`awsenv process PROFILE`: credential_process JSON for SDKs and tools.

`credential_process = awsenv process dev` in a profile of its own gives every
SDK the role, from the same cache, lock and MFA session as the shells. stdout
carries the JSON and nothing else, ever; a code needed comes from
--mfa-code, mfa_process or the terminal device (an SDK captures stdio).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

from awsenv.commands.shared import (
    check_stdout,
    obtain_for,
    parse,
    profile_of,
    say_notices,
    write,
)
from awsenv.core.exports import Exports
from awsenv.errors import UsageError
from awsenv.render.dotenv import dotenv
from awsenv.stderr import Console
from awsenv.stdout import carrying


def run(argv: Sequence[str], console: Console) -> int:
    # Its stderr is an SDK's choice, /dev/null included (terraform's Go SDK):
    # every line also goes to the person's terminal when there is one.
    console.even_discarded = True
    args = parse("process", argv)
    profile = profile_of(args, console)
    form = args.format or "json"
    if form not in FORMATS:
        raise UsageError(f"--format is {' or '.join(FORMATS)}, not {form!r}")
    check_stdout()
    from awsenv import fastpath

    with fastpath.recording(os.environ, profile, fastpath.PROCESS) as memo:
        outcome = obtain_for(args, profile, console, notices=False, for_sdk=True)
        text = FORMATS[form](outcome.exports)
        if form != "json":
            carrying(f"the {form} lines")
        write(text)
        say_notices(outcome, console)
        if form == "json":  # the memo answers the plain call, whose output is JSON
            memo.printed(text, outcome)
    return 0


def credential_json(exports: Exports) -> str:
    """The credential_process document as JSON text."""
    return json.dumps(credential_document(exports)) + "\n"


def credential_document(exports: Exports) -> dict[str, object]:
    """The credential_process document, built here only (every output format
    renders it): Version 1, with Expiration omitted only for keys that never
    expire, and AccountId where the account is known."""
    values = dict(exports.set)
    document: dict[str, object] = {
        "Version": 1,
        "AccessKeyId": values["AWS_ACCESS_KEY_ID"],
        "SecretAccessKey": values["AWS_SECRET_ACCESS_KEY"],
    }
    if "AWS_SESSION_TOKEN" in values:
        document["SessionToken"] = values["AWS_SESSION_TOKEN"]
    if "AWS_CREDENTIAL_EXPIRATION" in values:
        document["Expiration"] = values["AWS_CREDENTIAL_EXPIRATION"]
    if "AWS_ACCOUNT_ID" in values:
        document["AccountId"] = values["AWS_ACCOUNT_ID"]
    return document


# --format: the credential_process document, or lines for docker and compose.
FORMATS = {"json": credential_json, "dotenv": dotenv}
