"""The library entry point: from a profile name to the Exports for a shell.

It reads the AWS files, plans the chain, serves it from the cache or STS,
commits the writes, and returns data. It never prints, exits or parses argv.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from awsenv import paths
from awsenv.aws.credentials import Credentials
from awsenv.aws.sts import Sts
from awsenv.config.profiles import AwsFiles
from awsenv.config.strict_readers import botocore_can_name as botocore_can_name  # was here
from awsenv.core.account import account_of
from awsenv.core.aws_profile import why_not as aws_profile_refused
from awsenv.core.exports import Exports
from awsenv.core.freshness import Margins, session_length
from awsenv.core.mfa_codes import Ask, CodeSource, ask_person
from awsenv.core.mfa_process import timeout_setting
from awsenv.core.notices import aws_profile_notice, first_time, session_stamp
from awsenv.core.plan import Plan, build_plan
from awsenv.core.resolver import Resolver
from awsenv.core.sso_login import Nobody, Person
from awsenv.core.staging import Unknown
from awsenv.settings import REFRESH_MARGIN
from awsenv.store.cache import Cache
from awsenv.store.locks import Locks, lock_timeout


@dataclass(frozen=True)
class Request:
    profile: str
    duration: int | None = None
    refresh: bool = False
    mfa_code: str | None = None
    # --min-valid, in seconds: the credentials handed out must last this long.
    min_valid: int | None = None
    # For an SDK (`awsenv process`): renewed within the SDKs' own refresh window.
    for_sdk: bool = False


@dataclass(frozen=True)
class Inputs:
    """What an export was built from, as the run left it: a memo may describe
    exactly this and nothing else."""

    profiles: tuple[str, ...]  # the chain's sections
    config: bytes | None = field(repr=False)  # the config file as read (None: absent)
    credentials: bytes | None = field(repr=False)  # the credentials file as the commit left it
    cache_entries: tuple[str, ...]  # file names under creds/ the run read or wrote
    renew_at: datetime  # when a repeat must be worked out afresh
    asked_duration: int | None  # --duration: another cache entry than the plain call's


@dataclass(frozen=True)
class Outcome:
    exports: Exports
    plan: Plan
    sts_calls: int
    notices: tuple[str, ...]
    # The credentials themselves, for callers that use them in-process (console).
    credentials: Credentials | None = field(default=None, repr=False)
    # None: no memo may describe this run (long-term keys, or a credentials
    # file another writer changed under the commit).
    inputs: Inputs | None = None


def refresh_margin(environ: Mapping[str, str]) -> timedelta:
    return timedelta(seconds=REFRESH_MARGIN.number(environ))


def run_locks(cache: Cache, timeout: float, on_wait: Callable[[str], None]) -> Locks:
    """The locks of one run: refreshes lock in the cache (none where the cache
    is not ours to use); file edits lock beside the file (locking.py)."""
    return Locks(cache.root / "locks" if cache.usable else None, timeout=timeout, on_wait=on_wait)


def load_files(environ: Mapping[str, str] = os.environ) -> AwsFiles:
    return AwsFiles.load(
        paths.config_file(environ),
        paths.credentials_file(environ),
        config_var="AWS_CONFIG_FILE" if environ.get("AWS_CONFIG_FILE") else None,
        credentials_var=(
            "AWS_SHARED_CREDENTIALS_FILE" if environ.get("AWS_SHARED_CREDENTIALS_FILE") else None
        ),
    )


def obtain(
    request: Request,
    *,
    environ: Mapping[str, str] = os.environ,
    ask: Ask = ask_person,
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    on_secret: Callable[[str], None] = lambda _secret: None,
    on_wait: Callable[[str], None] = lambda _message: None,
    person: Person | None = None,
) -> Outcome:
    """Resolve `request.profile` to credentials and the Exports that carry them.
    `person`: who an IAM Identity Center login is shown to (None: no login)."""
    from awsenv.core import recursion

    recursion.check_running(environ, request.profile)
    codes = CodeSource(request.mfa_code, ask, timeout_setting(environ))
    margins = Margins(
        refresh_margin(environ),
        sdk=request.for_sdk,
        min_valid=timedelta(seconds=request.min_valid) if request.min_valid is not None else None,
    )
    timeout = lock_timeout(environ)
    files = load_files(environ)
    plan = build_plan(files, request.profile, request.duration)
    margins.check(plan.top)  # before any lock, code or STS call
    cache = Cache(paths.cache_dir(environ))
    with run_locks(cache, timeout, on_wait) as locks:
        resolver = Resolver(
            files=files,
            cache=cache,
            codes=codes,
            sts=Sts(plan.region, request.profile),
            margin=margins.refresh,
            now=now,
            locks=locks,
            refresh=plan.top if request.refresh else None,
            top=plan.top,
            top_margin=margins.top(session_length(plan.top)),
            min_valid=margins.min_valid,
            on_secret=on_secret,
            person=person or Nobody(),
        )
        try:
            with recursion.resolving(request.profile):
                creds = resolver.resolve(plan.top)
        finally:
            for code in codes.secrets:
                on_secret(code)
        resolver.sync_sections(plan.top)
        left = resolver.commit()
    notices = [*cache.warnings, *resolver.warnings]
    why_not = aws_profile_refused(files, request.profile, plan.top)
    aws_profile = None if why_not else request.profile
    if why_not:
        # Removing the person's AWS_PROFILE is always said; not setting one is
        # said once per profile per MFA session.
        removed = bool(environ.get("AWS_PROFILE"))
        stamp = f"{why_not}|{session_stamp(plan.top, creds, resolver.cache)}"
        if first_time(cache.root if cache.usable else None, request.profile, stamp) or removed:
            notices.append(aws_profile_notice(why_not, removed))
    valid_until = resolver.valid_until(plan.top, creds)
    exports = Exports.build(
        request.profile,
        creds,
        region=plan.region,
        aws_profile=aws_profile,
        valid_until=valid_until if aws_profile else None,
        account_id=account_of(plan.top),
    )
    inputs = None
    if valid_until is not None and not isinstance(left, Unknown):
        inputs = Inputs(
            plan.profiles,
            files.config_bytes,
            left,
            tuple(sorted(cache.touched)),
            valid_until - resolver.fresh.margin_of(plan.top),
            plan.asked_duration,
        )
    return Outcome(exports, plan, resolver.sts_calls, tuple(notices), creds, inputs)
