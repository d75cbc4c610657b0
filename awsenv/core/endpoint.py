"""The credentials endpoint of `awsenv exec --server`: the container-credentials
protocol (what ECS gives a task) on loopback, for one profile.

COMMAND gets `AWS_CONTAINER_CREDENTIALS_FULL_URI` and
`AWS_CONTAINER_AUTHORIZATION_TOKEN` instead of keys, so every SDK asks here
whenever its credentials near their end, and a job may outlive many role
sessions. The endpoint runs inside awsenv (a thread beside the wait for
COMMAND): when awsenv ends, however it ends, the socket goes with it.

It answers only the request that carries this run's token (compared in
constant time): none is 401, any other 403. Its credentials come from the
same cache and lock as every other path (`obtain`), kept in memory until the
refresh margin, which makes a request for cached credentials a
sub-millisecond answer. It never logs a request: nothing secret, nothing at all.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from awsenv.aws.credentials import Credentials, format_time
from awsenv.core.exports import MANAGED, REGION, STALE, Exports
from awsenv.errors import AwsenvError

HOST = "127.0.0.1"
PATH = "/awsenv/credentials"
# 256 bits from the OS's generator: the protocol asks for a bearer secret.
TOKEN_BYTES = 32
URI = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
TOKEN = "AWS_CONTAINER_AUTHORIZATION_TOKEN"  # noqa: S105 (a variable's name)
# What an SDK's chain would take before the endpoint, or instead of it: web
# identity from the environment, and the other forms of the container
# protocol (the relative URI, a token file, which botocore prefers).
SHADOWING = (
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
)
# Every SDK reads the AWS files before the endpoint: a [default] profile with
# keys would win. COMMAND sees no AWS files, so the endpoint is its one
# source, for the one profile it serves.
FILES = ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")

Renew = Callable[[], Credentials]


def child_environment(
    exports: Exports, environ: Mapping[str, str], url: str, token: str
) -> dict[str, str]:
    """`environ` for COMMAND: no keys, no AWS_PROFILE or AWS_DEFAULT_PROFILE, no
    AWS files, nothing else an SDK reads before the endpoint; the region and
    AWSENV_PROFILE as an export sets them; the endpoint and its token."""
    hidden = {*MANAGED, *STALE, *SHADOWING}
    env = {k: v for k, v in environ.items() if k not in hidden}
    kept = {*REGION, "AWSENV_PROFILE"}
    env.update((k, v) for k, v in exports.set if k in kept)
    env.update(dict.fromkeys(FILES, os.devnull))
    env[URI] = url
    env[TOKEN] = token
    return env


def document(creds: Credentials, account: str | None = None) -> bytes:
    """The protocol's answer: the fields botocore's and the JS SDK's container
    providers read."""
    if creds.session_token is None or creds.expiration is None:
        raise AwsenvError("the endpoint serves temporary credentials only")
    body: dict[str, str] = {
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
        "Token": creds.session_token,
        "Expiration": format_time(creds.expiration),
    }
    if account:
        body["AccountId"] = account
    return json.dumps(body).encode()


class Endpoint:
    """One run's endpoint: `first` served until `margin` before its expiry, then
    whatever `renew` returns (which may prompt or fail: `on_error` is told the
    one line, and the SDK gets it in a 500)."""

    def __init__(
        self,
        first: Credentials,
        renew: Renew,
        *,
        margin: timedelta,
        on_error: Callable[[str], None],
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.token = secrets.token_urlsafe(TOKEN_BYTES)
        self._expected = self.token.encode()
        self._renew = renew
        self._margin = margin
        self._on_error = on_error
        self._now = now
        self._lock = threading.Lock()
        self._creds = first
        self._body = document(first)
        self._server = _Server((HOST, 0), _Handler)
        self._server.daemon_threads = True
        self._server.endpoint = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self._server.server_address[1]}{PATH}"

    def start(self) -> None:
        """Answer from a thread of this process (the socket listens already:
        requests made before this wait in its backlog)."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="awsenv-endpoint", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def answer(self, path: str, authorization: str | None) -> tuple[int, bytes]:
        if authorization is None:
            return 401, _error("Unauthorized", "no authorization token")
        given = authorization.encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, self._expected):
            return 403, _error("Forbidden", "not this endpoint's token")
        if path != PATH:
            return 404, _error("NotFound", f"the credentials are at {PATH}")
        try:
            return 200, self._current()
        except AwsenvError as exc:
            self._on_error(str(exc))
            return 500, _error("AwsenvError", str(exc))
        except Exception as exc:  # never a traceback on the terminal COMMAND has
            # Not awsenv's own (a botocore error it did not wrap, the cache's
            # trust check): named by its type only, its text may hold anything.
            self._on_error(f"internal error ({type(exc).__name__}) while renewing")
            return 500, _error("InternalError", type(exc).__name__)

    def _current(self) -> bytes:
        with self._lock:
            expiration = self._creds.expiration
            if expiration is None or self._now() >= expiration - self._margin:
                creds = self._renew()
                self._body = document(creds)
                self._creds = creds
            return self._body


def _error(code: str, message: str) -> bytes:
    return json.dumps({"code": code, "message": message}).encode()


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A connection that fails (the client went away): no traceback on
        stderr, which is the person's and COMMAND's."""


class _Handler(BaseHTTPRequestHandler):
    server_version = "awsenv"
    sys_version = ""

    def do_GET(self) -> None:
        endpoint: Endpoint = self.server.endpoint  # type: ignore[attr-defined]
        status, body = endpoint.answer(self.path, self.headers.get("Authorization"))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """No request log: stderr is the person's, and COMMAND's."""
