"""AWS console sign-in through the federation endpoint, as aws-vault `login`
does: role credentials are traded for a sign-in token (`getSigninToken`), which
goes into a `login` URL that opens the console.

The token signs the browser in: it is a secret. It is never logged and never
part of an error; only the URL that carries it is returned, for the caller to
open or, when asked, to print.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping

from awsenv.credentials import Credentials
from awsenv.errors import AwsError, EndpointError
from awsenv.trace import debug

DEFAULT_ENDPOINT = "https://signin.aws.amazon.com/federation"
ISSUER = "awsenv"


def endpoint(environ: Mapping[str, str] = os.environ) -> str:
    return environ.get("AWSENV_FEDERATION_ENDPOINT") or DEFAULT_ENDPOINT


def console_home(region: str | None) -> str:
    """The console's front page, in the profile's region when it has one."""
    if not region:
        return "https://console.aws.amazon.com/"
    quoted = urllib.parse.quote(region, safe="")
    return f"https://{quoted}.console.aws.amazon.com/console/home?region={quoted}"


def signin_token(creds: Credentials, url: str) -> str:
    session = json.dumps(
        {
            "sessionId": creds.access_key_id,
            "sessionKey": creds.secret_access_key,
            "sessionToken": creds.session_token or "",
        }
    )
    query = urllib.parse.urlencode({"Action": "getSigninToken", "Session": session})
    debug(f"getSigninToken at {url}")
    try:
        with urllib.request.urlopen(f"{url}?{query}", timeout=20) as response:  # noqa: S310
            body = response.read()
    except urllib.error.HTTPError as exc:
        raise AwsError(
            f"the federation endpoint {url} refused the credentials (HTTP {exc.code}); "
            "console sign-in needs role credentials",
            "Federation",
        ) from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or type(exc).__name__
        raise EndpointError(f"the federation endpoint {url} is unreachable ({reason})") from None
    try:
        token = json.loads(body)["SigninToken"]
    except (ValueError, KeyError, TypeError):
        token = None
    if not isinstance(token, str) or not token:
        raise AwsError(
            f"the federation endpoint {url} answered without a sign-in token", "Federation"
        )
    return token


def login_url(url: str, token: str, destination: str) -> str:
    query = urllib.parse.urlencode(
        {"Action": "login", "Issuer": ISSUER, "Destination": destination, "SigninToken": token}
    )
    return f"{url}?{query}"
