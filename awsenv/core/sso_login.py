"""An IAM Identity Center token for a session: the cached one, refreshed with
its refresh token, or a new device-authorization login.

A login needs a person: the caller says whether one is there (a terminal, or
a browser to open) and how to show them the URL and code. Refreshes and logins
happen under the session's lock (store/locks.py), so any number of parallel
calls open one browser tab: the others wait, then find the new token.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from awsenv.aws import sso
from awsenv.config.sso import SsoSession
from awsenv.errors import AwsError, NoTerminalError
from awsenv.store import sso_tokens
from awsenv.store.locks import Locks
from awsenv.store.sso_tokens import SsoToken
from awsenv.trace import debug

# A token is used while it outlives one call; botocore refreshes one 15 minutes
# before its end, and so does awsenv while it can.
TOKEN_MARGIN = timedelta(minutes=1)
REFRESH_WINDOW = timedelta(minutes=15)
SLOW_DOWN_STEP = 5  # seconds added to the interval on SlowDown (RFC 8628)


class Person(Protocol):
    """Who a login shows its URL and code to."""

    def present(self) -> bool:
        """A terminal, or a browser to open."""
        ...

    def show(self, url: str, code: str) -> None: ...

    def open(self, url: str) -> bool:
        """Open the browser at `url`; False when none could be."""
        ...


class Nobody:
    """No one to log in: a hook, a script, `--no-prompt`."""

    def present(self) -> bool:
        return False

    def show(self, url: str, code: str) -> None:
        raise AssertionError("no one to show it to")

    def open(self, url: str) -> bool:
        return False


def login_hint(profile: str) -> str:
    return f"run: awsenv login {profile}"


@dataclass
class SsoTokens:
    locks: Locks
    person: Person
    now: Callable[[], datetime]
    on_secret: Callable[[str], None] = lambda _secret: None
    sleep: Callable[[float], None] = time.sleep

    def access_token(self, session: SsoSession, profile: str, *, refused: str | None = None) -> str:
        """A token good for a call; `refused`: one the portal just turned down."""
        token = self._load(session)
        if token is not None and token.access_token != refused and self._fresh(token):
            return token.access_token
        self.locks.hold(f"sso-token|{session.cache_name}", f"signing in to {session.start_url}")
        token = self._load(session)  # another awsenv may have just signed in
        if token is not None:
            good = token.access_token != refused
            if good and self._fresh(token):
                return token.access_token
            renewed = self._refreshed(session, token)
            if renewed is not None:
                return renewed.access_token
            if good and token.expires_at - self.now() > TOKEN_MARGIN:
                return token.access_token
        if not self.person.present():
            raise NoTerminalError(
                f"{profile}: no valid IAM Identity Center login for {session.start_url}; "
                f"{login_hint(profile)}"
            )
        return self.login(session).access_token

    def login(self, session: SsoSession) -> SsoToken:
        """The device-authorization login, and the token stored where the AWS CLI
        keeps it. Call it holding the session's lock (`access_token` does)."""
        self.locks.hold(f"sso-token|{session.cache_name}", f"signing in to {session.start_url}")
        region, url = session.region, session.start_url
        registration = sso.register_client(region, url, session.scopes)
        self.on_secret(registration.client_secret)
        device = sso.start_device_authorization(region, url, registration)
        self.on_secret(device.device_code)
        self.person.show(device.verification_uri_complete, device.user_code)
        if not self.person.open(device.verification_uri_complete):
            debug("no browser could be opened; the URL is shown")
        return self._store(session, registration, self._poll(session, registration, device))

    def _store(
        self,
        session: SsoSession,
        registration: sso.Registration,
        issued: sso.Token,
        refresh_token: str | None = None,
    ) -> SsoToken:
        """Keep a token CreateToken issued, in the AWS CLI's cache; a refresh that
        brings no new refresh token keeps `refresh_token`."""
        token = SsoToken(
            start_url=session.start_url,
            region=session.region,
            access_token=issued.access_token,
            expires_at=self.now() + timedelta(seconds=issued.expires_in),
            client_id=registration.client_id,
            client_secret=registration.client_secret,
            registration_expires_at=registration.expires_at,
            refresh_token=issued.refresh_token or refresh_token,
        )
        sso_tokens.store(session.cache_name, token)
        return token

    def _poll(
        self,
        session: SsoSession,
        registration: sso.Registration,
        device: sso.DeviceAuthorization,
    ) -> sso.Token:
        """CreateToken at the interval asked, until approved or the code expires."""
        interval = max(device.interval, 1)
        deadline = time.monotonic() + device.expires_in
        while time.monotonic() < deadline:
            self.sleep(interval)
            try:
                token = sso.create_token(
                    session.region,
                    registration,
                    device_code=device.device_code,
                    subject=f"signing in to {session.start_url}",
                )
            except sso.Pending as pending:
                if pending.slow_down:
                    interval += SLOW_DOWN_STEP
                continue
            self._secrets(token)
            return token
        raise AwsError(
            f"the sign-in to {session.start_url} was not approved within "
            f"{device.expires_in} s; nothing was changed",
            "ExpiredToken",
        )

    def _refreshed(self, session: SsoSession, token: SsoToken) -> SsoToken | None:
        """CreateToken with the refresh token while its registration lasts; None
        when it cannot be (then a login is needed)."""
        if not token.refreshable(self.now()):
            return None
        assert token.client_id and token.client_secret  # refreshable() says so
        registration = sso.Registration(
            token.client_id, token.client_secret, token.registration_expires_at or self.now()
        )
        try:
            issued = sso.create_token(
                session.region,
                registration,
                refresh_token=token.refresh_token,
                subject=f"refreshing the token for {session.start_url}",
            )
        except (AwsError, sso.Pending) as exc:
            debug(f"the token for {session.start_url} could not be refreshed ({exc})")
            return None
        self._secrets(issued)
        renewed = self._store(session, registration, issued, token.refresh_token)
        debug(f"refreshed the IAM Identity Center token for {session.start_url}")
        return renewed

    def _load(self, session: SsoSession) -> SsoToken | None:
        token = sso_tokens.load(session.cache_name)
        if token is not None:
            for secret in token.secrets:
                self.on_secret(secret)
        return token

    def _fresh(self, token: SsoToken) -> bool:
        return token.expires_at - self.now() > REFRESH_WINDOW

    def _secrets(self, token: sso.Token) -> None:
        self.on_secret(token.access_token)
        if token.refresh_token:
            self.on_secret(token.refresh_token)


def token_state(session: SsoSession, now: datetime) -> tuple[str, datetime | None]:
    """The cached token in words, for list and explain: (state, expiry) with
    state `valid`, `refreshable`, `expired` or `none`."""
    token = sso_tokens.load(session.cache_name)
    if token is None:
        return "none", None
    if token.expires_at - now > TOKEN_MARGIN:
        return "valid", token.expires_at
    return ("refreshable" if token.refreshable(now) else "expired"), token.expires_at
