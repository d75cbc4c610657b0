"""A local IAM Identity Center: the SSO OIDC and portal APIs on 127.0.0.1.

Five calls, with the rest-json shapes botocore's models (data/sso-oidc and
data/sso) expect: RegisterClient (POST /client/register),
StartDeviceAuthorization (POST /device_authorization), CreateToken (POST
/token, the device-code and refresh-token grants, `authorization_pending` and
`slow_down` as OIDC sends them), and GetRoleCredentials (GET
/federation/credentials with the `x-amz-sso_bearer_token` header).

The "browser" of a test visits the verification URL (GET /verify?user_code=…),
which approves that device code, as a person signing in would. Test hooks
count what was called, expire or revoke tokens, and accept a token written by
the test as `aws sso login` would have left it.
"""

from __future__ import annotations

import json
import secrets
import string
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

HOST = "127.0.0.1"


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


class LocalSso:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.clients: dict[str, str] = {}  # clientId -> clientSecret
        self.devices: dict[str, dict[str, Any]] = {}  # deviceCode -> state
        self.access_tokens: dict[str, float] = {}  # token -> expiry (epoch)
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> clientId
        self.interval = 1
        self.token_lifetime = 8 * 3600
        self.role_lifetime = 3600
        self.slow_down_once = False
        self.role_requests: list[tuple[str, str]] = []  # (account, role)
        # Told of every role credential issued: the STS fixture learns them.
        self.on_issue: Callable[[str, str, str], None] = lambda _k, _s, _t: None
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- test hooks ------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        assert self._server is not None
        return f"http://{HOST}:{self._server.server_address[1]}"

    def accept_token(self, access_token: str, lifetime: float = 3600) -> None:
        """A token another tool got (`aws sso login`), now known to the portal."""
        with self._lock:
            self.access_tokens[access_token] = time.time() + lifetime

    def accept_refresh(self, refresh_token: str, client_id: str, client_secret: str) -> None:
        with self._lock:
            self.refresh_tokens[refresh_token] = client_id
            self.clients[client_id] = client_secret

    def revoke(self, access_token: str) -> None:
        with self._lock:
            self.access_tokens.pop(access_token, None)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.role_requests.clear()
            self.interval = 1
            self.token_lifetime = 8 * 3600
            self.slow_down_once = False

    # -- server ----------------------------------------------------------------

    def start(self) -> LocalSso:
        sso = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                sso._post(self, urlparse(self.path).path, body)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                sso._get(self, url.path, parse_qs(url.query))

        self._server = ThreadingHTTPServer((HOST, 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _post(self, handler: BaseHTTPRequestHandler, path: str, body: dict[str, Any]) -> None:
        if path == "/client/register":
            self._register(handler, body)
        elif path == "/device_authorization":
            self._device(handler, body)
        elif path == "/token":
            self._token(handler, body)
        else:
            _answer(handler, 404, {"message": f"no {path}"})

    def _get(self, handler: BaseHTTPRequestHandler, path: str, query: dict[str, list[str]]) -> None:
        if path == "/verify":
            self._verify(handler, query.get("user_code", [""])[0])
        elif path == "/federation/credentials":
            self._role(handler, query, handler.headers.get("x-amz-sso_bearer_token", ""))
        else:
            _answer(handler, 404, {"message": f"no {path}"})

    def _register(self, handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        with self._lock:
            self.calls["RegisterClient"] += 1
            client_id = "client-" + _random(string.ascii_lowercase, 12)
            secret = "clientsecret-" + _random(string.ascii_letters, 24)
            self.clients[client_id] = secret
        now = int(time.time())
        _answer(
            handler,
            200,
            {
                "clientId": client_id,
                "clientSecret": secret,
                "clientIdIssuedAt": now,
                "clientSecretExpiresAt": now + 90 * 86400,
            },
        )

    def _device(self, handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        with self._lock:
            self.calls["StartDeviceAuthorization"] += 1
            if self.clients.get(body.get("clientId", "")) != body.get("clientSecret"):
                _oidc_error(handler, 400, "InvalidClientException", "invalid_client")
                return
            device_code = "device-" + _random(string.ascii_letters, 24)
            user_code = (
                _random(string.ascii_uppercase, 4) + "-" + _random(string.ascii_uppercase, 4)
            )
            self.devices[device_code] = {
                "user_code": user_code,
                "client_id": body["clientId"],
                "approved": False,
                "start_url": body.get("startUrl"),
            }
        verify = f"{self.endpoint}/verify"
        _answer(
            handler,
            200,
            {
                "deviceCode": device_code,
                "userCode": user_code,
                "verificationUri": verify,
                "verificationUriComplete": f"{verify}?user_code={user_code}",
                "expiresIn": 600,
                "interval": self.interval,
            },
        )

    def _verify(self, handler: BaseHTTPRequestHandler, user_code: str) -> None:
        with self._lock:
            self.calls["Verify"] += 1
            found = [d for d in self.devices.values() if d["user_code"] == user_code]
            for device in found:
                device["approved"] = True
        _answer(handler, 200 if found else 404, {"approved": bool(found)})

    def _token(self, handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        with self._lock:
            self.calls["CreateToken"] += 1
            client_id = body.get("clientId", "")
            if self.clients.get(client_id) != body.get("clientSecret"):
                _oidc_error(handler, 400, "InvalidClientException", "invalid_client")
                return
            grant = body.get("grantType")
            if grant == "refresh_token":
                self.calls["CreateToken:refresh"] += 1
                if self.refresh_tokens.get(body.get("refreshToken", "")) != client_id:
                    _oidc_error(handler, 400, "InvalidGrantException", "invalid_grant")
                    return
                del self.refresh_tokens[body["refreshToken"]]
            elif grant == "urn:ietf:params:oauth:grant-type:device_code":
                device = self.devices.get(body.get("deviceCode", ""))
                if device is None or device["client_id"] != client_id:
                    _oidc_error(handler, 400, "InvalidGrantException", "invalid_grant")
                    return
                if self.slow_down_once:
                    self.slow_down_once = False
                    _oidc_error(handler, 400, "SlowDownException", "slow_down")
                    return
                if not device["approved"]:
                    _oidc_error(
                        handler, 400, "AuthorizationPendingException", "authorization_pending"
                    )
                    return
                del self.devices[body["deviceCode"]]
                self.calls["CreateToken:device"] += 1
            else:
                _oidc_error(handler, 400, "UnsupportedGrantTypeException", "unsupported_grant_type")
                return
            access = "access-" + _random(string.ascii_letters, 32)
            refresh = "refresh-" + _random(string.ascii_letters, 32)
            self.access_tokens[access] = time.time() + self.token_lifetime
            self.refresh_tokens[refresh] = client_id
        _answer(
            handler,
            200,
            {
                "accessToken": access,
                "tokenType": "Bearer",
                "expiresIn": self.token_lifetime,
                "refreshToken": refresh,
            },
        )

    def _role(
        self, handler: BaseHTTPRequestHandler, query: dict[str, list[str]], token: str
    ) -> None:
        with self._lock:
            self.calls["GetRoleCredentials"] += 1
            expiry = self.access_tokens.get(token)
            if expiry is None or expiry <= time.time():
                handler.send_response(401)
                body = json.dumps({"message": "Session token not found or invalid"}).encode()
                handler.send_header("x-amzn-ErrorType", "UnauthorizedException")
                handler.send_header("Content-Type", "application/json")
                handler.send_header("Content-Length", str(len(body)))
                handler.end_headers()
                handler.wfile.write(body)
                return
            account = query.get("account_id", [""])[0]
            role = query.get("role_name", [""])[0]
            self.role_requests.append((account, role))
            key = "ASIA" + _random(string.ascii_uppercase + string.digits, 16)
            secret = _random(string.ascii_letters + string.digits, 40)
            session = "ssosession" + _random(string.ascii_letters + string.digits, 60)
            expiration = int((time.time() + self.role_lifetime) * 1000)
        self.on_issue(key, secret, session)
        _answer(
            handler,
            200,
            {
                "roleCredentials": {
                    "accessKeyId": key,
                    "secretAccessKey": secret,
                    "sessionToken": session,
                    "expiration": expiration,
                }
            },
        )


def _answer(handler: BaseHTTPRequestHandler, status: int, document: dict[str, Any]) -> None:
    body = json.dumps(document).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _oidc_error(handler: BaseHTTPRequestHandler, status: int, shape: str, error: str) -> None:
    """OIDC's error body (`{"error": "authorization_pending"}`), with the shape's
    name in the header botocore's rest-json parser reads the code from."""
    body = json.dumps({"error": error, "error_description": error.replace("_", " ")}).encode()
    handler.send_response(status)
    handler.send_header("x-amzn-ErrorType", shape)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
