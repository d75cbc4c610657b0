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
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping

from awsenv.aws.credentials import Credentials
from awsenv.errors import AwsError, EndpointError, UsageError
from awsenv.settings import FEDERATION_ENDPOINT
from awsenv.trace import debug

DEFAULT_ENDPOINT = str(FEDERATION_ENDPOINT.default)
ISSUER = "awsenv"


# Where the role's secret key and session token may be sent: AWS sign-in, in
# each partition, and its regional endpoints (REGION.signin.aws.amazon.com).
SIGNIN_HOSTS = ("signin.aws.amazon.com", "signin.amazonaws-us-gov.com", "signin.amazonaws.cn")
# Plain http only to this machine: the tests' fake endpoint.
LOOPBACK = ("127.0.0.1", "::1", "localhost")
# Where the console may send the browser once signed in: AWS's own sites.
CONSOLE_DOMAINS = ("aws.amazon.com", "amazonaws-us-gov.com", "amazonaws.cn")

# A URL with nothing that parsers disagree on (a browser, urllib): no user
# info (`@`), no backslash, no space, control or percent-escape in the host.
_URL = re.compile(
    r"(?P<scheme>[A-Za-z]+)://(?P<host>[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])"
    r"(?::(?P<port>[0-9]{1,5}))?(?=[/?#]|$)"
)
_PATH = re.compile(r"(?:/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?")
_QUERY = re.compile(r"(?:[?#][A-Za-z0-9._~!$&'()*+,;=:@%/?#-]*)?")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def endpoint(environ: Mapping[str, str] = os.environ) -> str:
    """The federation endpoint, checked before anything is sent to it: the
    request carries the role's secret key and session token."""
    url = FEDERATION_ENDPOINT.string(environ)
    parts = _parts(url, query=False)
    if parts is not None:
        scheme, host = parts
        if scheme == "https" and _under(host, SIGNIN_HOSTS, label_only=True):
            return url
        if scheme == "http" and host in LOOPBACK:
            return url
    raise UsageError(
        f"{FEDERATION_ENDPOINT.name} ({_shown(url)}) is refused: the role's keys go only "
        "to https:// AWS sign-in (signin.aws.amazon.com, REGION.signin.aws.amazon.com, "
        "signin.amazonaws-us-gov.com, signin.amazonaws.cn), or to http:// 127.0.0.1, "
        "[::1] or localhost"
    )


# Where STS credentials AWS sign-in would take come from: STS in each
# partition (sts.amazonaws.com, sts.REGION.amazonaws.com[.cn], FIPS, dual-stack).
STS_DOMAINS = ("amazonaws.com", "amazonaws.com.cn", "api.aws")


def check_source(url: str, sts_url: str) -> None:
    """Credentials from an STS that is not AWS's (the demo's, a test's) go to
    no AWS sign-in endpoint: AWS would refuse them, and their keys would
    leave the machine for nothing. Refused before anything is asked for."""
    if url.startswith("http:"):
        return  # a loopback endpoint (endpoint()): nothing leaves the machine
    parts = _parts(sts_url.rstrip("/") or sts_url, query=False)
    if parts is not None and parts[0] == "https" and _under(parts[1], STS_DOMAINS):
        return
    raise UsageError(
        f"the credentials come from STS at {_shown(sts_url)}, not AWS's, and go to no AWS "
        f"sign-in; set {FEDERATION_ENDPOINT.name} to that service's federation endpoint"
    )


def check_destination(url: str) -> str:
    """--destination: an https:// page of AWS's own sites, where the console
    sends the browser once it is signed in."""
    parts = _parts(url, query=True)
    if parts is None or parts[0] != "https" or not _under(parts[1], CONSOLE_DOMAINS):
        raise UsageError(
            f"--destination ({_shown(url)}) must be an https:// URL of the AWS console "
            "(console.aws.amazon.com, or a page under aws.amazon.com, amazonaws-us-gov.com "
            "or amazonaws.cn)"
        )
    return url


def _parts(url: str, *, query: bool) -> tuple[str, str] | None:
    """(scheme, host), lowercase, of a URL made only of what every parser
    reads alike, on the default port when https; None for anything else.
    A query and fragment only when `query`: the endpoint gets its own."""
    head = _URL.match(url)
    if head is None:
        return None
    rest = url[head.end() :]
    path = _PATH.match(rest)
    tail = rest[path.end() :] if path else rest
    if not (_QUERY.fullmatch(tail) if query else tail == ""):
        return None
    scheme = head["scheme"].lower()
    if scheme == "https" and head["port"] not in (None, "443"):
        return None
    return scheme, head["host"].lower().strip("[]")


def _under(host: str, domains: tuple[str, ...], *, label_only: bool = False) -> bool:
    """`host` is one of `domains` or below one: any depth, or with
    `label_only`, one DNS label (a region) at most."""
    for domain in domains:
        if host == domain:
            return True
        prefix, dot, rest = host.rpartition("." + domain)
        if dot and not rest and prefix:
            labels = prefix.split(".")
            if all(_LABEL.fullmatch(label) for label in labels):
                return not label_only or len(labels) == 1
    return False


def _shown(url: str) -> str:
    """A refused URL as the message names it: its scheme and host, never the
    rest, which could hold a password (user info) or a query."""
    head = _URL.match(url)
    return repr(head.group()) if head else "not a plain URL: user info, a backslash or a space?"


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
    # Straight to the endpoint: a plain http one is on this machine (endpoint()),
    # and no proxy from the environment may carry the keys off it.
    direct = url.startswith("http:")
    opener = urllib.request.build_opener(*([urllib.request.ProxyHandler({})] if direct else []))
    try:
        with opener.open(f"{url}?{query}", timeout=20) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        if exc.code in (404, 405):  # nothing there takes getSigninToken: not a refusal
            raise EndpointError(
                f"the federation endpoint {url} answered HTTP {exc.code} ({exc.reason}): "
                f"there is no sign-in service at that address; check {FEDERATION_ENDPOINT.name}"
            ) from None
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
