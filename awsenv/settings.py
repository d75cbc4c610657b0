"""awsenv's settings: every AWSENV_* variable a person may set, with its default
and its bounds, in one table (SETTINGS). README's settings table is checked
against it (tests/test_settings.py). Cheap to import: the fast path may read
names from it, so no typing, dataclasses or re at run time."""

from __future__ import annotations

from awsenv.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


class Setting:
    """One variable: `default` when unset or empty; a number is parsed with
    `parse` and refused outside [low, high] (a huge margin once overflowed the
    time arithmetic). `kind` says what it must be ("a whole number of seconds");
    `shown` is the default as README shows it; `meaning` is README's text."""

    __slots__ = ("default", "high", "kind", "low", "meaning", "name", "parse", "read_by", "shown")

    def __init__(
        self,
        name: str,
        default: float | str,
        *,
        meaning: str,
        read_by: str,
        kind: str = "",
        parse: Callable[[str], float] | None = None,
        low: float | None = None,
        high: float | None = None,
        shown: str | None = None,
    ) -> None:
        self.name = name
        self.default = default
        self.meaning = meaning
        self.read_by = read_by
        self.kind = kind
        self.parse = parse
        self.low = low
        self.high = high
        self.shown = shown if shown is not None else f"{default:g}"

    @property
    def bounds(self) -> str:
        """ "LOW to HIGH" for a bounded number, else ""."""
        if self.low is None or self.high is None:
            return ""
        return f"{self.low:g} to {self.high:g}"

    def text(self, environ: Mapping[str, str]) -> str:
        """The value as set, or "" when unset (what a fingerprint records)."""
        return environ.get(self.name, "")

    def number(self, environ: Mapping[str, str]) -> float:
        """The value of a bounded number, or its default; one UsageError when
        it does not parse or lies outside the bounds (NaN included)."""
        assert self.parse is not None and self.low is not None and self.high is not None
        raw = environ.get(self.name)
        if not raw:
            return float(self.default)
        try:
            value: float | None = self.parse(raw)
        except ValueError:
            value = None
        # `not low <= value <= high` also refuses NaN.
        if value is None or not self.low <= value <= self.high:
            raise UsageError(f"{self.name} must be {self.kind} from {self.bounds}")
        return value

    def string(self, environ: Mapping[str, str]) -> str:
        """The value as set, or the default when unset or empty."""
        return environ.get(self.name) or str(self.default)

    def choice(self, environ: Mapping[str, str], choices: tuple[str, ...]) -> str:
        """One of `choices`, or the default; one UsageError for anything else."""
        value = self.string(environ)
        if value not in choices:
            raise UsageError(f"{self.name} must be one of {', '.join(choices)}")
        return value


REFRESH_MARGIN = Setting(
    "AWSENV_REFRESH_MARGIN",
    300,
    parse=int,
    low=0,
    high=3600,  # beyond an hour every chained role (1 h at most) would renew at once
    kind="a whole number of seconds",
    read_by="awsenv",
    meaning="seconds before expiry at which cached credentials are renewed",
)
WARN_MINUTES = Setting(
    "AWSENV_WARN_MINUTES",
    10,
    read_by="prompt hook",
    meaning="prompt hook: warn this many minutes before expiry",
)
AUTO_REFRESH = Setting(
    "AWSENV_AUTO_REFRESH",
    "",
    shown="off",
    read_by="prompt hook",
    meaning="prompt hook: `1` renews a role silently while its MFA session is valid",
)
MFA_PROCESS_TIMEOUT = Setting(
    "AWSENV_MFA_PROCESS_TIMEOUT",
    30.0,
    parse=float,
    low=1.0,
    high=3600.0,
    kind="a number of seconds",
    read_by="awsenv",
    meaning="seconds an `mfa_process` helper has to print its code",
)
FEDERATION_ENDPOINT = Setting(
    "AWSENV_FEDERATION_ENDPOINT",
    "https://signin.aws.amazon.com/federation",
    shown="`https://signin.aws.amazon.com/federation`",
    read_by="awsenv console",
    meaning=(
        "`awsenv console`: the federation endpoint (https:// AWS sign-in, or http:// on loopback)"
    ),
)
LOCK_TIMEOUT = Setting(
    "AWSENV_LOCK_TIMEOUT",
    120.0,
    parse=float,
    low=0.0,
    high=86400.0,
    kind="a number of seconds",
    read_by="awsenv",
    meaning="seconds to wait for another awsenv's lock before giving up with exit 6",
)
PROMPT = Setting(
    "AWSENV_PROMPT",
    "auto",
    shown="`auto`",
    read_by="awsenv",
    meaning=(
        "where an MFA code is asked for: `auto` (the terminal, else a dialog when there is "
        "a display), `tty` (the terminal only), `gui` (a dialog only), `none` (never asked)"
    ),
)
PROMPT_CHOICES = ("auto", "tty", "gui", "none")

# In README's order.
SETTINGS = (
    REFRESH_MARGIN,
    WARN_MINUTES,
    AUTO_REFRESH,
    MFA_PROCESS_TIMEOUT,
    FEDERATION_ENDPOINT,
    LOCK_TIMEOUT,
    PROMPT,
)

# Not settings: what awsenv sets for others to read (core.exports.MANAGED),
# and its markers (core.recursion, the init wrappers, the profile of the
# `awsenv exec` a program runs under: commands/exec.py).
SET_BY_AWSENV = ("AWSENV_PROFILE", "AWSENV_EXPIRATION_EPOCH")
MARKERS = (
    "AWSENV_RESOLVING",
    "AWSENV_DEPTH",
    "AWSENV_SHELL_INTEGRATION",
    "AWSENV_EXEC",
    # zsh's wrapper: how its completion is installed (compinit, compctl or none).
    "AWSENV_COMPLETION",
)
