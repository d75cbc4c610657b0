"""`awsenv login PROFILE`: a new IAM Identity Center login for the session
under a profile (itself an SSO profile, or a role over one)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime, timezone

from awsenv import paths
from awsenv.config.sso import SsoSession
from awsenv.core.obtain import load_files, run_locks
from awsenv.core.plan import SsoRole, build_plan, walk
from awsenv.core.sso_login import Person, SsoTokens
from awsenv.errors import ConfigError
from awsenv.store.cache import Cache
from awsenv.store.locks import lock_timeout
from awsenv.store.sso_tokens import SsoToken


def sign_in(
    profile: str,
    person: Person,
    *,
    environ: Mapping[str, str] = os.environ,
    on_secret: Callable[[str], None] = lambda _secret: None,
    on_wait: Callable[[str], None] = lambda _message: None,
) -> tuple[SsoSession, SsoToken]:
    plan = build_plan(load_files(environ), profile)
    node = next((n for n in walk(plan.top) if isinstance(n, SsoRole)), None)
    if node is None:
        raise ConfigError(
            f"{profile!r} is not an IAM Identity Center profile: neither it nor a "
            "source_profile below it has sso_session or sso_start_url"
        )
    session = node.access.session
    cache = Cache(paths.cache_dir(environ))
    with run_locks(cache, lock_timeout(environ), on_wait) as locks:
        tokens = SsoTokens(locks, person, lambda: datetime.now(timezone.utc), on_secret)
        return session, tokens.login(session)
