"""Bad input, as one table: every row is a way to get awsenv wrong, and every row
must end the same way: its exit code, exactly one line on stderr, nothing on
stdout, no traceback, and every file byte-identical (contents and modes).

A row names the state it starts from (`files`), what it breaks (`setup`), the
command line and environment, and what the one line must say.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import formatdate
from pathlib import Path

import pytest
from conftest import ACCOUNT, AWSENV, CODE, SEED_CONFIG, SEED_CREDENTIALS, AwsEnv, require

from awsenv import errors

USAGE = errors.UsageError.exit_code
CONFIG = errors.ConfigError.exit_code
REFUSED = errors.AwsError.exit_code
UNREACHABLE = errors.EndpointError.exit_code

Setup = Callable[[AwsEnv], None]


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple[str, ...]
    exit_code: int
    says: tuple[str, ...]
    setup: Setup | None = None
    env: dict[str, str] = field(default_factory=dict)
    warm: bool = False  # populate the cache and [mfa] first, so "unchanged" means more
    wrapper: tuple[str, ...] = ()  # run awsenv under another program (faketime)


def row(
    id: str,
    argv: str,
    exit_code: int,
    *says: str,
    setup: Setup | None = None,
    env: dict[str, str] | None = None,
    warm: bool = False,
    wrapper: tuple[str, ...] = (),
) -> Case:
    return Case(id, tuple(argv.split()), exit_code, says, setup, env or {}, warm, wrapper)


# -- ways to break the files ---------------------------------------------------


def config(text: str) -> Setup:
    return lambda aws: aws.config.write_text(text)


def credentials(text: str) -> Setup:
    return lambda aws: aws.credentials.write_text(text)


def config_bytes(data: bytes) -> Setup:
    return lambda aws: aws.config.write_bytes(data)


def credentials_bytes(data: bytes) -> Setup:
    return lambda aws: aws.credentials.write_bytes(data)


def replace_with_directory(which: str) -> Setup:
    def setup(aws: AwsEnv) -> None:
        path: Path = getattr(aws, which)
        path.unlink()
        path.mkdir()

    return setup


def dangling_symlink(which: str) -> Setup:
    def setup(aws: AwsEnv) -> None:
        path: Path = getattr(aws, which)
        path.unlink()
        path.symlink_to(aws.root / "gone")

    return setup


def remove(which: str) -> Setup:
    return lambda aws: getattr(aws, which).unlink()


def both(*setups: Setup) -> Setup:
    def setup(aws: AwsEnv) -> None:
        for each in setups:
            each(aws)

    return setup


def fail_next(action: str, code: str, message: str, status: int = 400, times: int = 1) -> Setup:
    def setup(aws: AwsEnv) -> None:
        for _ in range(times):  # botocore retries throttling and server errors twice
            aws.sts.fail_next(action, code, message, status)

    return setup


def sts_answers(expiration: str) -> Setup:
    def setup(aws: AwsEnv) -> None:
        aws.sts.answer_expiration = expiration

    return setup


def sts_nine_hours_behind(aws: AwsEnv) -> None:
    """STS's answers say its clock is 9 h behind: what it issued for an hour is
    long past by this machine's clock."""
    sts_now = datetime.now(timezone.utc) - timedelta(hours=9)
    aws.sts.answer_date = formatdate(sts_now.timestamp(), usegmt=True)
    aws.sts.answer_expiration = (sts_now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def unreachable_sts(aws: AwsEnv) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    aws.environ.update(AWS_ENDPOINT_URL_STS=endpoint, AWS_ENDPOINT_URL=endpoint)


ROLE = "arn:aws:iam::123456789012:role"
SERIAL = "arn:aws:iam::123456789012:mfa/alice"
KEYS = "aws_access_key_id = AKIAEXAMPLEALICE0001\naws_secret_access_key = s\n"
# Temporary keys written by another tool, with their expiration.
TEMP = (
    "\n[temp]\naws_access_key_id = ASIAEXAMPLETEMP00001\naws_secret_access_key = t\n"
    "aws_session_token = tok\nexpiration = {}\n"
)

CASES = [
    # Broken files
    row(
        "config-not-utf8",
        "dev --mfa-code 123456",
        CONFIG,
        "not UTF-8",
        setup=config_bytes(SEED_CONFIG.encode() + b"\n# caf\xe9\n"),
    ),
    row(
        "credentials-not-utf8",
        "dev --mfa-code 123456",
        CONFIG,
        "not UTF-8",
        setup=credentials_bytes(SEED_CREDENTIALS.encode() + b"# caf\xe9\n"),
    ),
    row(
        "config-with-bom",
        "dev",
        CONFIG,
        "byte-order mark",
        "without BOM",
        setup=config_bytes(b"\xef\xbb\xbf" + SEED_CONFIG.encode()),
    ),
    row(
        "credentials-with-bom",
        "dev",
        CONFIG,
        "byte-order mark",
        "AWS_SHARED_CREDENTIALS_FILE",
        setup=credentials_bytes(b"\xef\xbb\xbf" + SEED_CREDENTIALS.encode()),
    ),
    row(
        "config-is-a-directory",
        "dev",
        CONFIG,
        "is a directory",
        setup=replace_with_directory("config"),
    ),
    row(
        "credentials-is-a-directory",
        "dev",
        CONFIG,
        "is a directory",
        setup=replace_with_directory("credentials"),
    ),
    row(
        "config-dangling-symlink",
        "dev",
        CONFIG,
        "symlink",
        "does not exist",
        setup=dangling_symlink("config"),
    ),
    row(
        "credentials-dangling-symlink",
        "dev",
        CONFIG,
        "symlink",
        "does not exist",
        setup=dangling_symlink("credentials"),
    ),
    row(
        "config-file-does-not-exist",
        "dev",
        CONFIG,
        "unknown profile 'dev'",
        "/nonexistent/config (from AWS_CONFIG_FILE) does not exist",
        env={"AWS_CONFIG_FILE": "/nonexistent/config"},
    ),
    row(
        "no-aws-files-at-all",
        "dev",
        CONFIG,
        "known profiles: none",
        "config (from AWS_CONFIG_FILE) does not exist",
        "credentials (from AWS_SHARED_CREDENTIALS_FILE) does not exist",
        setup=both(remove("config"), remove("credentials")),
    ),
    row(
        "config-garbage-line",
        "dev",
        CONFIG,
        "line 2",
        setup=config("[default]\nthis is not a setting\n"),
    ),
    row(
        "credentials-garbage-line",
        "dev",
        CONFIG,
        "line 3",
        setup=credentials("[default]\naws_access_key_id = AKIA\nnot-a-setting\n"),
    ),
    row(
        "config-no-section-header",
        "dev",
        CONFIG,
        "line 1",
        "before any [section]",
        setup=config("region = eu-west-1\n"),
    ),
    # Profiles and their chains
    row("unknown-profile", "staging", CONFIG, "'staging'"),
    row(
        "cycle-of-two",
        "a",
        CONFIG,
        "a -> b -> a",
        setup=config(
            f"[profile a]\nrole_arn = {ROLE}/a\nsource_profile = b\n"
            f"[profile b]\nrole_arn = {ROLE}/b\nsource_profile = a\n"
        ),
    ),
    row(
        "cycle-of-three",
        "a",
        CONFIG,
        "a -> b -> c -> a",
        setup=config(
            f"[profile a]\nrole_arn = {ROLE}/a\nsource_profile = b\n"
            f"[profile b]\nrole_arn = {ROLE}/b\nsource_profile = c\n"
            f"[profile c]\nrole_arn = {ROLE}/c\nsource_profile = a\n"
        ),
    ),
    row(
        "cycle-to-itself-without-keys",
        "a",
        CONFIG,
        "a -> a",
        setup=config(f"[profile a]\nrole_arn = {ROLE}/a\nsource_profile = a\n"),
    ),
    row(
        "missing-source-profile",
        "a",
        CONFIG,
        "'ghost'",
        "not defined",
        setup=config(f"[profile a]\nrole_arn = {ROLE}/a\nsource_profile = ghost\n"),
    ),
    row(
        "session-over-a-role",
        "s",
        CONFIG,
        "not a long-term key profile",
        setup=config(
            f"[profile r]\nrole_arn = {ROLE}/r\nsource_profile = default\n"
            f"[profile s]\nsource_profile = r\nmfa_serial = {SERIAL}\n"
        ),
    ),
    row(
        "session-mixed-with-credential-process",
        "mfa",
        CONFIG,
        "credential_process",
        setup=config(
            SEED_CONFIG.replace(
                f"mfa_serial = {SERIAL}\n", f"mfa_serial = {SERIAL}\ncredential_process = x\n"
            )
        ),
    ),
    row(
        "session-section-holds-long-term-keys",
        "dev --mfa-code 123456",
        CONFIG,
        "long-term keys",
        setup=credentials(SEED_CREDENTIALS + f"\n[mfa]\n{KEYS}"),
    ),
    row(
        "session-profile-named-DEFAULT",
        "DEFAULT --mfa-code 123456",
        CONFIG,
        "cannot be named 'DEFAULT'",
        setup=config(SEED_CONFIG.replace("[profile mfa]", "[profile DEFAULT]")),
    ),
    row(
        "profile-without-credentials",
        "empty",
        CONFIG,
        "has no credentials",
        setup=config("[profile empty]\nregion = eu-west-1\n"),
    ),
    # Durations
    row("duration-too-short", "dev --duration 899 --mfa-code 123456", USAGE, "900 to 43200"),
    row("duration-too-long", "dev --duration 43201 --mfa-code 123456", USAGE, "900 to 43200"),
    row("duration-not-a-number", "dev --duration 1h", USAGE, "whole number of seconds"),
    row("duration-for-plain-keys", "other --duration 3600", USAGE, "--duration applies"),
    row(
        "duration-seconds-not-a-number",
        "dev --mfa-code 123456",
        CONFIG,
        "duration_seconds",
        setup=config(SEED_CONFIG.replace("region = eu-central-1", "duration_seconds = 1h")),
    ),
    row(
        "session-duration-too-short",
        "mfa --mfa-code 123456",
        USAGE,
        "900 to 129600",
        setup=config(
            SEED_CONFIG.replace(
                f"mfa_serial = {SERIAL}\n", f"mfa_serial = {SERIAL}\nduration_seconds = 100\n"
            )
        ),
    ),
    row(
        "session-duration-too-long",
        "mfa --mfa-code 123456",
        USAGE,
        "900 to 129600",
        setup=config(
            SEED_CONFIG.replace(
                f"mfa_serial = {SERIAL}\n", f"mfa_serial = {SERIAL}\nduration_seconds = 200000\n"
            )
        ),
    ),
    # Settings
    row(
        "margin-not-a-number",
        "dev --mfa-code 123456",
        USAGE,
        "AWSENV_REFRESH_MARGIN",
        env={"AWSENV_REFRESH_MARGIN": "5m"},
    ),
    row(
        "margin-negative",
        "dev --mfa-code 123456",
        USAGE,
        "AWSENV_REFRESH_MARGIN",
        env={"AWSENV_REFRESH_MARGIN": "-1"},
    ),
    row(
        "margin-over-an-hour",
        "dev --mfa-code 123456",
        USAGE,
        "AWSENV_REFRESH_MARGIN",
        env={"AWSENV_REFRESH_MARGIN": "3601"},
    ),
    row(
        "margin-astronomical",
        "dev --mfa-code 123456",
        USAGE,
        "AWSENV_REFRESH_MARGIN",
        env={"AWSENV_REFRESH_MARGIN": "100000000000"},
    ),
    row(
        "lock-timeout-over-a-day",
        "dev --mfa-code 123456",
        USAGE,
        "AWSENV_LOCK_TIMEOUT",
        env={"AWSENV_LOCK_TIMEOUT": "86401"},
    ),
    # Odd times
    row(
        "expiration-year-one-in-the-files",
        "temp",
        CONFIG,
        "expiration",
        setup=credentials(SEED_CREDENTIALS + TEMP.format("0001-01-01T00:00:00Z")),
    ),
    row(
        "expiration-garbage-in-the-files",
        "temp",
        CONFIG,
        "expiration",
        setup=credentials(SEED_CREDENTIALS + TEMP.format("next tuesday")),
    ),
    row(
        "expiration-year-9999-in-the-files",
        "temp",
        CONFIG,
        "expiration",
        setup=credentials(SEED_CREDENTIALS + TEMP.format("9999-12-31T23:59:59Z")),
    ),
    row(
        "expiration-from-sts-in-2000",
        "dev --mfa-code 123456",
        REFUSED,
        "already past",
        setup=sts_answers(expiration="2000-01-01T00:00:00Z"),
    ),
    row(
        "expiration-from-sts-year-one",
        "dev --mfa-code 123456",
        REFUSED,
        "expiration",
        setup=sts_answers(expiration="0001-01-01T00:00:00Z"),
    ),
    row(
        "expiration-from-sts-garbage",
        "dev --mfa-code 123456",
        REFUSED,
        "a time awsenv cannot read",
        setup=sts_answers(expiration="soon"),
    ),
    row(
        "local-clock-nine-hours-ahead",
        "dev --mfa-code 123456",
        REFUSED,
        "clock",
        "9 h 0 min ahead",
        wrapper=("faketime", "-f", "+9h"),
    ),
    row(
        "sts-clock-nine-hours-behind",
        "dev --mfa-code 123456",
        REFUSED,
        "clock",
        setup=sts_nine_hours_behind,
    ),
    row(
        "lock-timeout-not-a-number",
        "dev --mfa-code 123456",
        USAGE,
        "AWSENV_LOCK_TIMEOUT",
        env={"AWSENV_LOCK_TIMEOUT": "soon"},
    ),
    row(
        "lock-timeout-negative",
        "dev --mfa-code 123456",
        USAGE,
        "AWSENV_LOCK_TIMEOUT",
        env={"AWSENV_LOCK_TIMEOUT": "-5"},
    ),
    # Codes
    row("code-five-digits", "dev --mfa-code 12345", USAGE, "6 digits"),
    row("code-seven-digits", "dev --mfa-code 1234567", USAGE, "6 digits"),
    row("code-letters", "dev --mfa-code abcdef", USAGE, "6 digits"),
    row("code-arabic-digits", "dev --mfa-code ١٢٣٤٥٦", USAGE, "6 digits"),
    row("code-empty", "dev --mfa-code=", USAGE, "6 digits"),
    row("code-with-space", "dev --mfa-code=12_456", USAGE, "6 digits"),
    row("no-code-no-terminal", "dev", USAGE, "--mfa-code"),
    row("no-prompt", "dev --no-prompt", USAGE, "--no-prompt"),
    row("wrong-code", "dev --mfa-code 654321", REFUSED, "MFA code rejected"),
    row(
        "wrong-code-on-refresh",
        "mfa --refresh --mfa-code 654321",
        REFUSED,
        "MFA code rejected",
        warm=True,
    ),
    # Shells and the command line
    row("unknown-shell", "dev --shell cmd --mfa-code 123456", USAGE, "'cmd'", "bash, zsh"),
    row("empty-shell", "dev --shell= --mfa-code 123456", USAGE, "unsupported shell"),
    row("unknown-shell-unset", "unset --shell cmd", USAGE, "'cmd'"),
    row("init-sh", "init sh", USAGE, "init is not available for sh"),
    row("init-unknown-shell", "init cmd", USAGE, "'cmd'"),
    row("init-no-shell", "init", USAGE, "SHELL"),
    row("no-profile", "--shell bash", USAGE, "no profile given"),
    row("profile-twice", "dev -p prod", USAGE, "give the profile once"),
    row("extra-positional", "dev 123456", USAGE, "extra arguments"),
    row("unknown-long-option", "dev --bogus", USAGE, "awsenv --help"),
    row("unknown-short-option", "dev -x", USAGE, "awsenv --help"),
    row("option-missing-value", "dev --mfa-code", USAGE, "--mfa-code"),
    # STS
    row(
        "sts-unreachable",
        "dev --mfa-code 123456",
        UNREACHABLE,
        "unreachable",
        setup=unreachable_sts,
    ),
    row(
        "sts-unknown-keys",
        "dev --mfa-code 123456",
        REFUSED,
        "keys are invalid",
        setup=credentials(SEED_CREDENTIALS.replace("AKIAEXAMPLEALICE0001", "AKIAUNKNOWN000000001")),
    ),
    row(
        "sts-wrong-secret",
        "dev --mfa-code 123456",
        REFUSED,
        "SignatureDoesNotMatch",
        setup=credentials(SEED_CREDENTIALS.replace("aliceSecretKey", "wrongSecretKey")),
    ),
    row(
        "sts-access-denied-on-role",
        "dev --mfa-code 123456",
        REFUSED,
        "access denied",
        setup=fail_next(
            "AssumeRole", "AccessDenied", "not authorized to perform sts:AssumeRole", 403
        ),
    ),
    row(
        "sts-expired-token",
        "dev --mfa-code 123456",
        REFUSED,
        "expired",
        setup=fail_next("GetSessionToken", "ExpiredToken", "The security token is expired", 403),
    ),
    row(
        "sts-role-duration-refused",
        "dev --duration 7200 --mfa-code 123456",
        REFUSED,
        "duration",
        setup=both(
            config(
                SEED_CONFIG.replace(
                    "source_profile = mfa\nregion", "source_profile = default\nregion"
                )
            ),
            fail_next(
                "AssumeRole",
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration",
            ),
        ),
    ),
    row(
        "sts-region-disabled",
        "dev --mfa-code 123456",
        REFUSED,
        "not activated",
        setup=fail_next("AssumeRole", "RegionDisabledException", "STS is not activated", 403),
    ),
    row(
        "sts-throttled",
        "dev --mfa-code 123456",
        REFUSED,
        "Throttling",
        setup=fail_next("GetSessionToken", "Throttling", "Rate exceeded", times=3),
    ),
    row(
        "sts-malformed-policy",
        "dev --mfa-code 123456",
        REFUSED,
        "MalformedPolicyDocument",
        setup=fail_next("AssumeRole", "MalformedPolicyDocument", "bad policy"),
    ),
    # `awsenv process` and `awsenv exec`
    row("process-no-profile", "process", USAGE, "no profile given"),
    row("process-no-terminal", "process dev", USAGE, "no terminal", "mfa_process"),
    row("process-extra-word", "process dev 123456", USAGE, "unexpected extra arguments"),
    row("process-shell-option", "process dev --shell bash", USAGE, "unknown option --shell"),
    row(
        "process-loops-on-itself",
        "process loop",
        CONFIG,
        "'loop'",
        "a loop",
        setup=config(SEED_CONFIG + f"[profile loop]\ncredential_process = {AWSENV} process loop\n"),
    ),
    row(
        "process-loops-through-a-role",
        "process b",
        CONFIG,
        "a loop",
        setup=config(
            SEED_CONFIG
            + "[profile a]\ncredential_process = awsenv process --duration 900 b\n"
            + f"[profile b]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/b\nsource_profile = a\n"
        ),
    ),
    row(
        "process-started-by-itself",
        "process dev --mfa-code 123456",
        CONFIG,
        "already being resolved",
        env={"AWSENV_RESOLVING": "dev"},
    ),
    row(
        "mfa-process-fails",
        "process dev",
        CONFIG,
        "profile 'mfa'",
        "mfa_process failed (exit status 1)",
        setup=config(SEED_CONFIG.replace("[profile dev]", "mfa_process = false\n[profile dev]")),
    ),
    row(
        "mfa-process-not-a-code",
        "dev",
        CONFIG,
        "profile 'mfa'",
        "not a 6-digit code",
        setup=config(
            SEED_CONFIG.replace("[profile dev]", "mfa_process = echo 12345\n[profile dev]")
        ),
    ),
    row(
        "mfa-process-not-found",
        "dev",
        CONFIG,
        "mfa_process cannot be run",
        setup=config(
            SEED_CONFIG.replace("[profile dev]", "mfa_process = /no/such/ykman\n[profile dev]")
        ),
    ),
    row("mfa-code-dash-empty-stdin", "dev --mfa-code -", USAGE, "no code on stdin"),
    # No COMMAND: the person's $SHELL, found before any code is spent.
    row(
        "exec-shell-not-found",
        "exec dev",
        127,
        "/no/such/shell: No such file or directory",
        env={"SHELL": "/no/such/shell"},
    ),
    row(
        "exec-nothing-after-separator",
        "exec dev --",
        127,
        "/no/such/shell: No such file or directory",
        env={"SHELL": "/no/such/shell"},
    ),
    row("exec-server-long-term-keys", "exec other --server -- true", USAGE, "long-term keys"),
    row("process-unknown-format", "process dev --format yaml", USAGE, "--format is json or dotenv"),
    row(
        "exec-command-not-found",
        "exec dev -- no-such-command-awsenv",
        127,
        "no-such-command-awsenv: command not found",
        warm=True,
    ),
    row(
        "exec-command-not-runnable",
        "exec dev -- /etc/hostname",
        126,
        "cannot run it",
        warm=True,
    ),
    row("exec-credentials-fail", "exec dev --no-prompt -- true", USAGE, "--no-prompt"),
    # The subcommands of `list`, `explain`, `setup` and `console`
    row("list-unknown-option", "list --bogus", USAGE, "unknown option --bogus"),
    row(
        "list-broken-config",
        "list --names",
        CONFIG,
        "is not `key = value`",
        setup=config(SEED_CONFIG + "\nnot a setting\n"),
    ),
    row("explain-no-profile", "explain", USAGE, "PROFILE"),
    row("explain-unknown-profile", "explain nope", CONFIG, "unknown profile 'nope'"),
    row("console-session-profile", "console mfa --print", CONFIG, "GetSessionToken", "role"),
    row("console-http-destination", "console dev --destination http://x", USAGE, "https://"),
    row("console-unknown-profile", "console nope --print", CONFIG, "unknown profile"),
    row("setup-role-without-arn", "setup --role admin --yes", USAGE, "NAME=ARN"),
    row("setup-source-without-keys", "setup --source dev --yes", CONFIG, "no long-term keys"),
    row(
        "setup-no-device-found",
        "setup --source default --session fresh --yes",
        REFUSED,
        "iam list-mfa-devices",
    ),
]


def state(aws: AwsEnv) -> dict[str, tuple[int, bytes | str]]:
    """Every file and directory awsenv may touch, with its mode: contents for
    files, the target for symlinks. Lock files, and the directories made to
    hold them, are aside: they hold no state."""
    seen: dict[str, tuple[int, bytes | str]] = {}
    for base in (aws.home, aws.cache):
        if not base.exists():
            continue
        for path in sorted(base.rglob("*")):
            if "locks" in path.relative_to(base).parts or (base == aws.cache and path.is_dir()):
                continue
            st = path.lstat()
            if path.is_symlink():
                seen[str(path)] = (st.st_mode, os.readlink(path))
            elif path.is_dir():
                seen[str(path)] = (st.st_mode, "dir")
            else:
                seen[str(path)] = (st.st_mode, path.read_bytes())
    return seen


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_fails_cleanly_and_changes_nothing(aws: AwsEnv, case: Case) -> None:
    aws.seed()
    if case.warm:
        assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
        aws.sts.reset()
    if case.setup:
        case.setup(aws)
    before = state(aws)
    argv = (
        case.argv
        # (subcommands that print no shell code take no --shell)
        if "--shell" in " ".join(case.argv)
        or case.argv[0] in ("init", "process", "exec", "list", "explain", "console", "setup")
        else (*case.argv, "--shell", "bash")
    )
    if case.wrapper:
        require(case.wrapper[0])
    result = aws.run(*argv, env=case.env, wrapper=list(case.wrapper))
    assert result.returncode == case.exit_code, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("awsenv: ") and "Traceback" not in result.stderr
    for fragment in case.says:
        assert fragment in lines[0], lines[0]
    assert state(aws) == before


def test_the_table_is_large_and_its_ids_unique() -> None:
    assert len(CASES) >= 60
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("which", ["config", "credentials"])
def test_an_unreadable_file_is_named_as_another_user_sees_it(tmp_path: Path, which: str) -> None:
    """Root reads a mode-000 file anyway: run awsenv as nobody to meet it."""
    if not shutil.which("setpriv") or os.geteuid() != 0:
        pytest.fail("this test needs root and setpriv (util-linux) to drop to another user")
    root = Path(tempfile.mkdtemp(prefix="awsenv-nobody-"))
    try:
        root.chmod(0o755)
        home = root / "home"
        (home / ".aws").mkdir(parents=True)
        (home / ".aws" / "config").write_text(SEED_CONFIG)
        (home / ".aws" / "credentials").write_text(SEED_CREDENTIALS)
        for path in (home, home / ".aws", *(home / ".aws").iterdir()):
            os.chown(path, 65534, 65534)
        target = home / ".aws" / which
        target.chmod(0)
        env = {"PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8"}
        proc = subprocess.run(
            [
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                AWSENV,
                "dev",
                "--shell",
                "bash",
                "--mfa-code",
                CODE,
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode == CONFIG, proc.stderr
        assert proc.stdout == ""
        assert proc.stderr.splitlines() == [f"awsenv: cannot read {target}: Permission denied"]
        assert stat.S_IMODE(target.stat().st_mode) == 0
    finally:
        shutil.rmtree(root)


def test_odd_but_valid_files_are_read_as_botocore_reads_them_and_kept_in_their_style(
    aws: AwsEnv,
) -> None:
    """CRLF line endings, tabs and squeezed or padded `=` are not errors: awsenv
    reads them as botocore does and writes its own section in the file's style."""
    config = (
        SEED_CONFIG.replace(" = ", "=").replace("region=eu-central-1", "region\t=\teu-central-1")
    ).replace("\n", "\r\n")
    credentials = SEED_CREDENTIALS.replace("\n", "\r\n")
    aws.seed()
    aws.config.write_bytes(config.encode())
    aws.credentials.write_bytes(credentials.encode())
    result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    assert "export AWS_PROFILE='dev'" in result.stdout
    assert "export AWS_REGION='eu-central-1'" in result.stdout
    written = aws.credentials.read_bytes()
    assert written.startswith(credentials.encode())  # every byte before [mfa] kept
    assert b"[mfa]\r\n" in written
    assert written.count(b"\n") == written.count(b"\r\n")  # no bare LF anywhere
    assert aws.config.read_bytes() == config.encode()
