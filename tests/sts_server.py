"""A real local STS for tests: ``moto_server`` behind a thin, strict proxy.

moto answers STS calls with realistic XML, but it accepts any MFA code, any access
key and any duration. The proxy in front of it enforces what real STS enforces
(MFA codes, known keys and their secrets, session tokens, duration limits, role
chaining) and replies with STS-format errors, so botocore raises the same
``ClientError`` codes and messages that a real account would produce.

Only loopback traffic: moto and the proxy both bind 127.0.0.1. Stdlib only (moto
runs as a subprocess), so any test module can import this without pytest.

    with LocalSts() as sts:
        sts.add_user_keys("AKIDUSER", "secret")
        boto3.client("sts", endpoint_url=sts.endpoint, ...)
"""

from __future__ import annotations

import atexit
import calendar
import contextlib
import ctypes
import hashlib
import hmac
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import Message
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import parse_qsl, quote, urlsplit

HOST = "127.0.0.1"
STS_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"

# Real STS wording, so tests can pin the messages users will actually see.
MSG_MFA_INVALID = "MultiFactorAuthentication failed with invalid MFA one time pass code. "
MSG_MFA_MISSING = "MultiFactorAuthentication failed, unable to validate MFA code"
MSG_INVALID_TOKEN = "The security token included in the request is invalid."
MSG_EXPIRED = "The security token included in the request is expired"
MSG_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
MSG_CHAINING = (
    "The requested DurationSeconds exceeds the 1 hour session limit "
    "for roles assumed by role chaining."
)
MSG_ROLE_MAX = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
MSG_GST_WITH_SESSION = "Cannot call GetSessionToken with session credentials"

# Server-side DurationSeconds bounds; botocore only checks the minimum, other SDKs don't.
DURATION_BOUNDS: dict[str, tuple[int, int]] = {
    "GetSessionToken": (900, 129_600),
    "AssumeRole": (900, 43_200),
}
CHAINED_ROLE_MAX = 3600
# Real STS refuses a request signed more than 15 minutes off its own clock.
REQUEST_TIME_WINDOW = 15 * 60

# Per-hop headers must not be forwarded; Content-Length is recomputed by http.client.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "content-length",
    }
)
_AUTH_RE = re.compile(
    r"Credential=(?P<akid>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)"
    r"/aws4_request.*?SignedHeaders=(?P<signed>[^,\s]+).*?Signature=(?P<sig>[0-9a-fA-F]+)",
    re.DOTALL,
)
_STARTUP_ATTEMPTS = 3  # a free port can be taken between probing and moto binding it


@dataclass(frozen=True)
class StsError:
    """An error the proxy answers with instead of asking moto."""

    code: str
    message: str
    status: int = 400


@dataclass(frozen=True)
class _StsRequest:
    action: str
    params: dict[str, str]
    access_key_id: str | None
    security_token: str | None
    auth: re.Match[str] | None

    @property
    def duration(self) -> int | None:
        # A malformed value is moto's to reject; the proxy only judges numbers.
        raw = self.params.get("DurationSeconds")
        return int(raw) if raw is not None and raw.isdigit() else None


class LocalSts:
    """moto_server plus a strict STS proxy on 127.0.0.1; see the module docstring.

    State the proxy keeps (all guarded by one lock, mutated from handler threads):

    - ``known_keys``: access key id -> secret. Long-term keys come from
      ``add_user_keys``; every credential moto issues is added automatically.
    - ``session_tokens``: temporary access key id -> the session token issued with it.
    - ``calls`` / ``successes``: Counters of STS Action names, attempted and succeeded.
    - ``requests_log``: one dict per STS request, in arrival order.
    """

    def __init__(
        self,
        *,
        valid_code: str = "123456",
        check_keys: bool = True,
        check_signatures: bool = True,
        startup_timeout: float = 15.0,
    ) -> None:
        self.valid_code = valid_code
        self.check_keys = check_keys
        # Only applies when check_keys is on: a known key signed with the wrong secret
        # (a classic credentials-file bug) gets SignatureDoesNotMatch, as on real STS.
        self.check_signatures = check_signatures
        self.startup_timeout = startup_timeout
        # Role ARN -> MaxSessionDuration; unlisted roles allow the 43200 s ceiling.
        self.role_max_session: dict[str, int] = {}
        self.known_keys: dict[str, str] = {}
        self.session_tokens: dict[str, str] = {}
        self.calls: Counter[str] = Counter()
        self.successes: Counter[str] = Counter()
        self.requests_log: list[dict[str, Any]] = []
        self._long_term: set[str] = set()
        self._expired: set[str] = set()
        # Real STS accepts each TOTP code once per device: with this on, a code
        # that was already accepted is refused as a wrong one.
        self.one_use_codes = False
        self._used_codes: set[tuple[str, str]] = set()
        self._injected: dict[str, deque[StsError]] = {}
        # Answers as a broken or distant STS would give them: an Expiration
        # text put in every issued credential, a Date header in every answer.
        self.answer_expiration: str | None = None
        self.answer_date: str | None = None
        # Role sessions that last this many seconds (real STS: 900 at least), so
        # that a test can outlive several; a key past its end is ExpiredToken.
        self.role_lifetime: float | None = None
        self._ends: dict[str, float] = {}
        self._holds: dict[str, tuple[threading.Event, threading.Event]] = {}
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._moto_log: IO[bytes] | None = None
        self._moto_port: int | None = None
        self._httpd: _ProxyServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> LocalSts:
        if self._httpd is not None:
            raise RuntimeError("LocalSts is already started")
        atexit.register(self.stop)
        try:
            self._start_moto()
            self._httpd = _ProxyServer((HOST, 0), self)
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, name="local-sts-proxy", daemon=True
            )
            self._thread.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Shut the proxy down and kill moto's whole process group. Idempotent."""
        atexit.unregister(self.stop)
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._proc is not None:
            _kill_process_group(self._proc)
            self._proc = None
        if self._moto_log is not None:
            self._moto_log.close()
            self._moto_log = None
        self._moto_port = None

    def __enter__(self) -> LocalSts:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def endpoint(self) -> str:
        """The proxy's URL: give this to clients as endpoint_url / AWS_ENDPOINT_URL_STS."""
        if self._httpd is None:
            raise RuntimeError("LocalSts is not started")
        return f"http://{HOST}:{self._httpd.server_address[1]}"

    @property
    def moto_endpoint(self) -> str:
        """moto itself, bypassing every check (for set-up, not for the code under test)."""
        if self._moto_port is None:
            raise RuntimeError("LocalSts is not started")
        return f"http://{HOST}:{self._moto_port}"

    @property
    def moto_pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    # -- test controls ---------------------------------------------------------

    def add_user_keys(self, access_key_id: str, secret_access_key: str) -> None:
        """Register long-term IAM user keys, which are valid without a session token."""
        with self._lock:
            self.known_keys[access_key_id] = secret_access_key
            self._long_term.add(access_key_id)

    @contextlib.contextmanager
    def holding(self, action: str) -> Iterator[threading.Event]:
        """Hold the next ``action`` request inside the proxy until the block ends.
        Yields an Event that is set once it arrives: its client has read its
        files and now waits on STS, which is a window a test can act in."""
        arrived, release = threading.Event(), threading.Event()
        with self._lock:
            self._holds[action] = (arrived, release)
        try:
            yield arrived
        finally:
            release.set()
            with self._lock:
                self._holds.pop(action, None)

    def fail_next(self, action: str, code: str, message: str, status: int = 400) -> None:
        """Make the next request of ``action`` fail with this error. Calls queue up."""
        with self._lock:
            self._injected.setdefault(action, deque()).append(StsError(code, message, status))

    def expire_key(self, access_key_id: str) -> None:
        """Reject later requests signed with this key as ExpiredToken.

        Re-issuing the same key id un-expires it: moto's GetSessionToken always returns
        AKIAIOSFODNN7EXAMPLE, and a refreshed session must work again.
        """
        with self._lock:
            self._expired.add(access_key_id)

    def reset(self) -> None:
        """Clear counters, the log, injected failures, role limits and expiries;
        keys are kept."""
        with self._lock:
            self.calls.clear()
            self.successes.clear()
            self.requests_log.clear()
            self._injected.clear()
            self._expired.clear()
            self._used_codes.clear()
            self.role_max_session.clear()
            self.one_use_codes = False
            self.answer_expiration = self.answer_date = None
            self.role_lifetime = None
            self._ends.clear()

    # -- moto ------------------------------------------------------------------

    def _start_moto(self) -> None:
        # Open until stop(): moto writes to it for its whole life.
        self._moto_log = tempfile.TemporaryFile(prefix="moto-server-")  # noqa: SIM115
        for _ in range(_STARTUP_ATTEMPTS):
            port = _free_port()
            self._proc = subprocess.Popen(
                [*_moto_command(), "-H", HOST, "-p", str(port)],
                stdin=subprocess.DEVNULL,
                stdout=self._moto_log,
                stderr=subprocess.STDOUT,
                # Own process group, so stop() can kill moto and anything it forks.
                start_new_session=True,
                preexec_fn=_die_with_parent_hook(),
            )
            if self._wait_until_answering(port):
                self._moto_port = port
                return
            if self._proc.poll() is None:  # alive but silent: retrying won't help
                break
            self._proc = None  # exited early, most likely the port was taken; retry
        raise RuntimeError(
            f"moto_server did not answer on {HOST} within {self.startup_timeout:.0f} s; "
            f"its output:\n{self._moto_output_tail()}"
        )

    def _wait_until_answering(self, port: int) -> bool:
        assert self._proc is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                return False
            conn = http.client.HTTPConnection(HOST, port, timeout=1)
            try:
                conn.request("GET", "/moto-api/")
                conn.getresponse().read()
                return True
            except OSError:
                time.sleep(0.05)
            finally:
                conn.close()
        return False

    def _moto_output_tail(self, limit: int = 4000) -> str:
        if self._moto_log is None:
            return ""
        self._moto_log.seek(0)
        return self._moto_log.read().decode("utf-8", "replace")[-limit:]

    # -- proxy -----------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        request = _parse_sts_request(handler.path, handler.headers, body)
        if request is None:  # moto-api and other services: untouched and uncounted
            _relay(handler, *self._forward(handler, body))
            return

        with self._lock:
            hold = self._holds.pop(request.action, None)
        if hold is not None:
            arrived, release = hold
            arrived.set()
            release.wait(60)
        with self._lock:
            self.calls[request.action] += 1
            rejection = self._judge(request, handler, body)
        if rejection is not None:
            status, headers, payload = _error_response(rejection)
        else:
            status, headers, payload = self._forward(handler, body)

        with self._lock:
            issued = None
            if status == 200:
                self.successes[request.action] += 1
                issued = self._record_issued(payload)
            self.requests_log.append({**_log_entry(request, status, payload), "issued": issued})
            if status == 200 and issued and self.role_lifetime and request.action == "AssumeRole":
                end = time.time() + self.role_lifetime
                self._ends[issued] = end
                stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(end))
                expiration = f"<Expiration>{stamp}</Expiration>".encode()
                payload = re.sub(rb"<Expiration>[^<]*</Expiration>", expiration, payload)
            if status == 200 and self.answer_expiration is not None:
                expiration = f"<Expiration>{self.answer_expiration}</Expiration>".encode()
                payload = re.sub(rb"<Expiration>[^<]*</Expiration>", expiration, payload)
            if self.answer_date is not None:
                headers = [(k, v) for k, v in headers if k.lower() != "date"]
                headers.append(("Date", self.answer_date))
        _relay(handler, status, headers, payload)

    def _judge(
        self, request: _StsRequest, handler: BaseHTTPRequestHandler, body: bytes
    ) -> StsError | None:
        """Decide, under the lock, whether real STS would refuse this request."""
        injected = self._injected.get(request.action)
        if injected:
            return injected.popleft()
        wrong_time = _outside_time_window(handler.headers.get("X-Amz-Date"))
        if wrong_time is not None:
            return wrong_time

        akid = request.access_key_id
        if akid is not None:
            if akid in self._expired or time.time() >= self._ends.get(akid, float("inf")):
                return StsError("ExpiredToken", MSG_EXPIRED, 403)
            if self.check_keys:
                refusal = self._check_credentials(request, handler, body)
                if refusal is not None:
                    return refusal

        temporary = request.security_token is not None
        duration = request.duration
        if duration is not None and request.action in DURATION_BOUNDS:
            low, high = DURATION_BOUNDS[request.action]
            if not low <= duration <= high:
                return StsError("ValidationError", _duration_message(duration, low, high))
        if request.action == "GetSessionToken" and temporary:
            return StsError("AccessDenied", MSG_GST_WITH_SESSION, 403)
        if request.action == "AssumeRole" and duration is not None:
            # AWS counts AssumeRole with *any* temporary credentials as role chaining.
            if temporary and duration > CHAINED_ROLE_MAX:
                return StsError("ValidationError", MSG_CHAINING)
            role_max = self.role_max_session.get(request.params.get("RoleArn", ""))
            if role_max is not None and duration > role_max:
                return StsError("ValidationError", MSG_ROLE_MAX)

        if "SerialNumber" in request.params:
            code = request.params.get("TokenCode")
            if code is None:
                return StsError("AccessDenied", MSG_MFA_MISSING, 403)
            if code != self.valid_code:
                return StsError("AccessDenied", MSG_MFA_INVALID, 403)
            if self.one_use_codes:
                used = (request.params.get("SerialNumber", ""), code)
                if used in self._used_codes:
                    return StsError("AccessDenied", MSG_MFA_INVALID, 403)
                self._used_codes.add(used)
        return None

    def _check_credentials(
        self, request: _StsRequest, handler: BaseHTTPRequestHandler, body: bytes
    ) -> StsError | None:
        akid = request.access_key_id
        assert akid is not None and request.auth is not None
        invalid = StsError("InvalidClientTokenId", MSG_INVALID_TOKEN, 403)
        secret = self.known_keys.get(akid)
        if secret is None:
            return invalid
        issued_token = self.session_tokens.get(akid)
        if request.security_token is None:
            # Temporary keys are useless without their token (long-term keys may share
            # an id with moto's fixed session key if a test registers it as such).
            if issued_token is not None and akid not in self._long_term:
                return invalid
        elif request.security_token != issued_token:
            return invalid
        if self.check_signatures:
            expected = _sigv4_signature(secret, handler, body, request.auth)
            if not hmac.compare_digest(expected, request.auth["sig"].lower()):
                return StsError("SignatureDoesNotMatch", MSG_SIGNATURE, 403)
        return None

    def _record_issued(self, payload: bytes) -> str | None:
        """Remember credentials moto hands out, so they are 'known' on later calls;
        returns the access key id issued, if any (logged as `issued`)."""
        try:
            root = ET.fromstring(payload)  # noqa: S314 - moto's output on loopback
        except ET.ParseError:
            return None
        creds = root.find(".//{*}Credentials")
        if creds is None:
            return None
        fields = {child.tag.rpartition("}")[2]: (child.text or "") for child in creds}
        akid = fields.get("AccessKeyId")
        if not akid:
            return None
        self.known_keys[akid] = fields.get("SecretAccessKey", "")
        self.session_tokens[akid] = fields.get("SessionToken", "")
        self._expired.discard(akid)
        return akid

    def _forward(
        self, handler: BaseHTTPRequestHandler, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        if self._moto_port is None:
            return 502, [("Content-Type", "text/plain")], b"moto is not running"
        # Host is forwarded unchanged: signatures cover it, and moto's own IAM auth
        # (POST /moto-api/reset-auth) must see what the client signed.
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in _HOP_BY_HOP}
        conn = http.client.HTTPConnection(HOST, self._moto_port, timeout=60)
        try:
            conn.request(handler.command, handler.path, body or None, headers)
            response = conn.getresponse()
            payload = response.read()
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP]
            return response.status, kept, payload
        except OSError as exc:
            return 502, [("Content-Type", "text/plain")], f"moto unreachable: {exc}".encode()
        finally:
            conn.close()


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], sts: LocalSts) -> None:
        self.sts = sts
        super().__init__(address, _ProxyHandler)


class _ProxyHandler(BaseHTTPRequestHandler):
    server: _ProxyServer

    def _dispatch(self) -> None:
        self.server.sts._handle(self)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep pytest output clean; requests_log is the record


# -- helpers ---------------------------------------------------------------------


def _parse_sts_request(path: str, headers: Message, body: bytes) -> _StsRequest | None:
    """Return the STS call in this request, or None for anything to pass through."""
    url = urlsplit(path)
    if url.path.startswith("/moto-api"):
        return None
    params = dict(parse_qsl(url.query, keep_blank_values=True))
    content_type = headers.get("Content-Type", "")
    if body and content_type.startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    action = params.get("Action")
    if not action:
        return None
    auth = _AUTH_RE.search(headers.get("Authorization", ""))
    # moto serves every service on one port; only STS-scoped (or unsigned) calls are ours.
    if auth is not None and auth["service"] != "sts":
        return None
    return _StsRequest(
        action=action,
        params=params,
        access_key_id=auth["akid"] if auth else None,
        security_token=headers.get("X-Amz-Security-Token"),
        auth=auth,
    )


def _sigv4_signature(
    secret: str, handler: BaseHTTPRequestHandler, body: bytes, auth: re.Match[str]
) -> str:
    """Recompute the SigV4 signature the client should have sent (header auth)."""
    url = urlsplit(handler.path)
    query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
        for k, v in sorted(parse_qsl(url.query, keep_blank_values=True))
    )
    signed = auth["signed"].split(";")
    canonical_headers = "".join(
        f"{name}:{','.join(' '.join(v.split()) for v in handler.headers.get_all(name, []))}\n"
        for name in signed
    )
    payload_hash = handler.headers.get("X-Amz-Content-SHA256") or hashlib.sha256(body).hexdigest()
    canonical_request = "\n".join(
        [
            handler.command,
            url.path or "/",
            query,
            canonical_headers,
            auth["signed"],
            payload_hash,
        ]
    )
    scope = f"{auth['date']}/{auth['region']}/{auth['service']}/aws4_request"
    string_to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            handler.headers.get("X-Amz-Date", ""),
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    key = f"AWS4{secret}".encode()
    for part in (auth["date"], auth["region"], auth["service"], "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def _duration_message(value: int, low: int, high: int) -> str:
    bound = f"greater than or equal to {low}" if value < low else f"less than or equal to {high}"
    return (
        f"1 validation error detected: Value '{value}' at 'durationSeconds' "
        f"failed to satisfy constraint: Member must have value {bound}"
    )


def _outside_time_window(amz_date: str | None) -> StsError | None:
    """Real STS's answer to a request signed too far from its clock, if it is one."""
    if not amz_date:
        return None
    try:
        signed = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
    except ValueError:
        return None
    now = time.time()

    def stamp(moment: float) -> str:
        return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(moment))

    if signed < now - REQUEST_TIME_WINDOW:
        return StsError(
            "SignatureDoesNotMatch",
            f"Signature expired: {amz_date} is now earlier than "
            f"{stamp(now - REQUEST_TIME_WINDOW)} ({stamp(now)} - 15 min.)",
            403,
        )
    if signed > now + REQUEST_TIME_WINDOW:
        return StsError(
            "SignatureDoesNotMatch",
            f"Signature not yet current: {amz_date} is still later than "
            f"{stamp(now + REQUEST_TIME_WINDOW)} ({stamp(now)} + 15 min.)",
            403,
        )
    return None


def _error_response(error: StsError) -> tuple[int, list[tuple[str, str]], bytes]:
    request_id = str(uuid.uuid4())
    root = ET.Element("ErrorResponse", xmlns=STS_XMLNS)
    err = ET.SubElement(root, "Error")
    ET.SubElement(err, "Type").text = "Sender"
    ET.SubElement(err, "Code").text = error.code
    ET.SubElement(err, "Message").text = error.message
    ET.SubElement(root, "RequestId").text = request_id
    payload = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    headers = [
        ("Content-Type", "text/xml"),
        ("x-amzn-RequestId", request_id),
        ("Date", formatdate(usegmt=True)),  # real STS dates every answer
    ]
    return error.status, headers, payload


def _relay(
    handler: BaseHTTPRequestHandler, status: int, headers: list[tuple[str, str]], payload: bytes
) -> None:
    # send_response_only: moto's own Date/Server headers are relayed, not duplicated.
    handler.send_response_only(status)
    for name, value in headers:
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(payload)


def _log_entry(request: _StsRequest, status: int, payload: bytes) -> dict[str, Any]:
    code = None
    if status != 200:
        match = re.search(rb"<Code>([^<]*)</Code>", payload)
        code = match.group(1).decode() if match else None
    params = request.params
    return {
        "action": request.action,
        "access_key_id": request.access_key_id,
        "has_session_token": request.security_token is not None,
        "serial_number": params.get("SerialNumber"),
        "token_code": params.get("TokenCode"),
        "duration_seconds": request.duration,
        "role_arn": params.get("RoleArn"),
        "role_session_name": params.get("RoleSessionName"),
        "status": status,
        "error_code": code,
    }


def _moto_command() -> list[str]:
    # The venv's own moto_server, so the subprocess runs the moto the tests import.
    exe = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "moto.server"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _die_with_parent_hook() -> Callable[[], None] | None:
    """On Linux, have the kernel kill moto if this process dies without atexit.

    PR_SET_PDEATHSIG fires when the *thread* that forked exits, so it is only safe
    when starting from the main thread; elsewhere atexit and stop() must suffice.
    """
    if sys.platform != "linux" or threading.current_thread() is not threading.main_thread():
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def hook() -> None:
        prctl(pr_set_pdeathsig, signal.SIGKILL)

    return hook


def _kill_process_group(proc: subprocess.Popen[bytes]) -> None:
    # SIGKILL, not SIGTERM: moto's state is in memory only, and its SIGTERM handler
    # exits only after werkzeug's select loop and interpreter teardown (0.5-2 s).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
