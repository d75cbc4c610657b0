"""`aws login` sessions (`login_session`): where the AWS CLI caches a login,
and until when it holds, read without botocore or awscrt (for `list` and
`explain`). Credentials themselves come from botocore's LoginProvider."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from awsenv import paths
from awsenv.aws.credentials import parse_time


def cache_file(session: str, environ: Mapping[str, str] = os.environ) -> Path:
    """`~/.aws/login/cache/<sha256 of the session name>.json`, as botocore
    names it (`AWS_LOGIN_CACHE_DIRECTORY` moves the directory)."""
    given = environ.get("AWS_LOGIN_CACHE_DIRECTORY")
    if given:
        directory = Path(os.path.expandvars(given)).expanduser()
    else:
        directory = Path(paths.home(environ)) / ".aws" / "login" / "cache"
    return directory / f"{hashlib.sha256(session.encode('utf-8')).hexdigest()}.json"


def expiry(session: str, environ: Mapping[str, str] = os.environ) -> datetime | None:
    """When the cached login's current credentials expire; None when there
    is no cached login awsenv can read (botocore would fail on it too)."""
    try:
        token = json.loads(cache_file(session, environ).read_text(encoding="utf-8"))
        return parse_time(str(token["accessToken"]["expiresAt"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def sign_in_hint(profile: str, why: str = "") -> str:
    """The one line for a login that is missing or can no longer be refreshed."""
    return (
        f"profile {profile!r} has no usable aws login session{why}; "
        f"run: aws login --profile {profile}"
    )
