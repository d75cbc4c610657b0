"""`awsenv list`: one row per profile, from the files and the cache alone.

Never an STS call, a prompt or a secret: a row holds names, kinds, times and
the MFA device's ARN, never a key. The JSON form is a documented, stable
schema (README, "awsenv list --json"); add fields, never rename them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from awsenv.config.profiles import AwsFiles, Kind, Profile
from awsenv.config.strict_readers import botocore_can_name
from awsenv.core.freshness import CODE, LOGIN, REFUSED, SERVED, Freshness, for_cache
from awsenv.core.plan import LongTermKeys, Node, StaticSession, build_plan, walk
from awsenv.errors import AwsenvError
from awsenv.store.cache import Cache

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Survey:
    """What the reports read: the cache (and its warnings) and the one rule over it."""

    cache: Cache
    fresh: Freshness

    @property
    def margin(self) -> timedelta:
        return self.fresh.margin

    @property
    def now(self) -> datetime:
        return self.fresh.now()


@dataclass(frozen=True)
class Row:
    name: str
    kind: str  # long-term, mfa-session, role, sso, credential_process, other
    chain: tuple[str, ...]  # the profiles below it, nearest first
    region: str | None
    # valid (served by the next call), stale (cached and unexpired, but the next
    # call renews it), expired, none, long-term
    credentials: str
    expires: datetime | None
    minutes_left: int | None
    needs_mfa: bool
    mfa_serial: str | None
    problem: str | None  # one word, when the AWS CLI cannot address it or awsenv cannot use it
    detail: str | None
    # The next call needs an IAM Identity Center login (no token, or one past refreshing).
    needs_login: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind,
            "chain": list(self.chain),
            "region": self.region,
            "credentials": self.credentials,
            "expires": self.expires.astimezone(timezone.utc).isoformat() if self.expires else None,
            "minutes_left": self.minutes_left,
            "needs_mfa": self.needs_mfa,
            "mfa_serial": self.mfa_serial,
            "problem": self.problem,
            "detail": self.detail,
            "needs_login": self.needs_login,
        }


def kind_of(profile: Profile) -> str:
    try:
        kind = profile.kind
    except AwsenvError:
        return "other"
    if kind is Kind.OTHER:
        if profile.get("login_session"):
            return "login"
        if profile.get("credential_process"):
            return "credential_process"
        return "other"
    return {
        Kind.LONG_TERM: "long-term",
        Kind.KEYRING: "keyring",
        Kind.MFA_SESSION: "mfa-session",
        Kind.ROLE: "role",
        Kind.SSO: "sso",
    }.get(kind, "other")


# Words for why a profile is unusable, by a phrase of the one-line error.
_PROBLEMS = (
    ("cycle", "cycle"),
    ("is not defined", "missing-source"),
    ("has no credentials", "no-credentials"),
    ("duration", "bad-duration"),
    ("needs long-term keys", "bad-source"),
    ("credential_source = Environment", "environment-source"),
)


def row(files: AwsFiles, name: str, survey: Survey) -> Row:
    profile = files.profile(name)
    kind = kind_of(profile)
    try:
        plan = build_plan(files, name)
    except AwsenvError as exc:
        message = str(exc)
        word = next((w for phrase, w in _PROBLEMS if phrase in message), "invalid")
        return Row(
            name, kind, (), profile.get("region"), "none", None, None, False, None, word, message
        )
    chain = tuple(n.profile.name for n in walk(plan.top)[1:] if hasattr(n, "profile") and n.profile)
    chain = tuple(dict.fromkeys(c for c in chain if c != name))
    following = survey.fresh.next_call(plan.top)
    state = credentials_state(survey.fresh, plan.top, kind, following.action == SERVED)
    entry = survey.fresh.entry(plan.top)
    expires = entry.expiration if entry and state != "none" else None
    left = None
    if state == "valid" and expires is not None:
        left = int((expires - survey.now).total_seconds() // 60)
    problem = detail = None
    if following.action == REFUSED:
        refused = following.refusal or ""
        problem = "no-login" if "run: aws login" in refused else "source-expiring"
        detail = following.refusal
    elif not botocore_can_name(name):
        problem, detail = "unaddressable", "botocore-based tools cannot address this name"
    return Row(
        name,
        kind,
        chain,
        plan.region,
        state,
        expires,
        left,
        following.action == CODE,
        following.serial,
        problem,
        detail,
        following.action == LOGIN,
    )


def credentials_state(fresh: Freshness, top: Node, kind: str, served: bool) -> str:
    """The `credentials` word of a row, by the one rule: `valid` only when the
    next call is served from the cache."""
    entry = fresh.entry(top)
    if entry is None or entry.expiration is None:
        if isinstance(top, LongTermKeys | StaticSession) or kind in ("long-term", "keyring"):
            return "long-term"
        return "none"
    if entry.expiration <= fresh.now():
        return "expired"
    return "valid" if served else "stale"


def rows(files: AwsFiles, survey: Survey) -> list[Row]:
    return [row(files, name, survey) for name in files.names]


def as_json(listed: list[Row]) -> str:
    import json

    document = {"version": SCHEMA_VERSION, "profiles": [r.to_json() for r in listed]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


HEADER = ("PROFILE", "KIND", "SOURCE", "REGION", "CREDENTIALS", "MFA", "PROBLEM")


def cells(r: Row) -> tuple[str, ...]:
    if r.credentials == "valid" and r.expires:
        until = r.expires.astimezone().strftime("%H:%M")
        state = f"valid until {until} ({r.minutes_left} min left)"
    else:
        state = {"none": "none cached", "stale": "stale (renews)"}.get(r.credentials, r.credentials)
    return (
        r.name,
        r.kind,
        " > ".join(r.chain) or "-",
        r.region or "-",
        state,
        "needs code" if r.needs_mfa else "needs login" if r.needs_login else "-",
        r.problem or "-",
    )


def as_table(listed: list[Row], *, aligned: bool) -> str:
    """Aligned columns for a terminal; tab-separated for a pipe (names may hold
    spaces, never a tab or a newline)."""
    lines = [HEADER, *(cells(r) for r in listed)]
    if not aligned:
        return "".join("\t".join(line) + "\n" for line in lines)
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER))]
    return "".join(
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() + "\n"
        for line in lines
    )


def survey_for(environ: Mapping[str, str]) -> Survey:
    from awsenv import paths
    from awsenv.core.obtain import refresh_margin

    cache = Cache(paths.cache_dir(environ))
    now = datetime.now(timezone.utc)
    return Survey(cache, for_cache(cache, refresh_margin(environ), lambda: now))
