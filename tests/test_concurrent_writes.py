"""Two of anything writing the credentials file: racing writers, a user editing
it mid-run, SIGKILLs in the middle of a write, another owner, odd modes.

Everything runs the real CLI against the local STS. Windows of time are made
with the STS proxy holding a request (`sts.holding`) or with strace slowing
fsync, never with hooks in awsenv itself.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import clients
import pytest
from conftest import (
    AWSENV,
    SEED_CONFIG,
    SEED_CREDENTIALS,
    AwsEnv,
    isolated_environ,
    require,
)
from lost_updates import (
    EXPORT,
    TWO_SESSIONS_CONFIG,
    against_awscli,
    sections,
    sessions,
    slow_fsync_argv,
    two_caches,
)

from awsenv.store.atomic import TEMP_PATTERN

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes and modes")

NOBODY = 65534
AS_NOBODY = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def slow_fsync(microseconds: int, only_first: bool = False) -> list[str]:
    """Run under strace with fsync slowed: the write's window, made wide."""
    if not sys.platform.startswith("linux"):
        pytest.skip("strace fault injection is Linux's")
    require("strace")
    return slow_fsync_argv(microseconds, only_first=only_first)


def start(aws: AwsEnv, *args: str, wrapper: list[str] | None = None) -> subprocess.Popen[bytes]:
    """`aws.run`, but in the background."""
    return subprocess.Popen(
        [*(wrapper or []), AWSENV, *args],
        env=aws.environ,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def finish(proc: subprocess.Popen[bytes]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out.decode(), err.decode()


def temp_files(root: Path) -> list[Path]:
    """Every temp file anywhere under the test's HOME and cache, awsenv's or not."""
    return sorted(p for p in root.rglob("*") if p.name.endswith(".tmp"))


def wait_for(condition: Callable[[], object], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.005)


def others(path: Path, but: str) -> dict[str, dict[str, str]]:
    return {name: values for name, values in sections(path).items() if name != but}


# --- lost updates ------------------------------------------------------------

LOST_UPDATE_TRIALS = 50


def test_two_writers_in_parallel_never_lose_a_section(aws: AwsEnv) -> None:
    aws.write(TWO_SESSIONS_CONFIG, SEED_CREDENTIALS)
    untouched = sections(aws.credentials)
    lost: list[tuple[int, str]] = []
    for trial in range(LOST_UPDATE_TRIALS):
        aws.credentials.write_text(SEED_CREDENTIALS)
        shutil.rmtree(aws.cache, ignore_errors=True)  # cold: both must write
        writers = {name: start(aws, name, *EXPORT) for name in ("mfa1", "mfa2")}
        for proc in writers.values():
            returncode, out, err = finish(proc)
            assert returncode == 0, err
            assert "AWS_SESSION_TOKEN" in out
        lost += [(trial, name) for name in writers if name not in sessions(aws.credentials)]
        now = sections(aws.credentials)
        kept = all(now.get(name) == values for name, values in untouched.items())
        assert kept, "a section outside awsenv's changed"
    assert lost == []


def test_a_writer_slowed_inside_its_write_does_not_lose_the_other_writers_section(
    aws: AwsEnv,
) -> None:
    # mfa1 stalls 2.5 s on its first fsync: its temp file holds the file as it
    # read it. mfa2, started then, must wait for it and then edit the new file;
    # without the lock, mfa1's rename would drop [mfa2].
    aws.write(TWO_SESSIONS_CONFIG, SEED_CREDENTIALS)
    slow = start(aws, "mfa1", *EXPORT, wrapper=slow_fsync(2_500_000, only_first=True))
    wait_for(lambda: temp_files(aws.credentials.parent) or slow.poll() is not None)
    assert slow.poll() is None, "mfa1 finished before its write could be caught"

    fast = aws.run("mfa2", *EXPORT, "--debug")  # the waiting line, without a terminal

    returncode, _, err = finish(slow)
    assert (returncode, fast.returncode) == (0, 0), (err, fast.stderr)
    assert sessions(aws.credentials) == {"mfa1", "mfa2"}
    assert "waiting for another awsenv" in fast.stderr  # the two really overlapped
    assert temp_files(aws.root) == []


TEAM = "\n[team]\naws_access_key_id = AKIATEAM\naws_secret_access_key = teamSecret\n"


def test_sections_added_while_a_refresh_waits_on_sts_survive(aws: AwsEnv) -> None:
    aws.write(TWO_SESSIONS_CONFIG, SEED_CREDENTIALS)
    with aws.sts.holding("GetSessionToken") as arrived:
        first = start(aws, "mfa1", *EXPORT)
        assert arrived.wait(30)
        # mfa1 has read the file; now the user appends a section, and another
        # awsenv writes its own, before mfa1 gets its session.
        with aws.credentials.open("a") as handle:
            handle.write(TEAM)
        second = aws.run("mfa2", *EXPORT)
        assert second.returncode == 0, second.stderr
    returncode, _, err = finish(first)

    assert returncode == 0, err
    text = aws.credentials.read_text()
    assert text.startswith(SEED_CREDENTIALS + TEAM)
    team = sections(aws.credentials)["team"]
    assert team == {"aws_access_key_id": "AKIATEAM", "aws_secret_access_key": "teamSecret"}
    assert sessions(aws.credentials) == {"mfa1", "mfa2"}


# --- one lock per file, wherever the cache is -------------------------------

SLOWED_TRIALS = 3


def test_two_awsenv_with_different_caches_never_lose_a_section(aws: AwsEnv) -> None:
    """Each has a cache of its own, so no refresh lock is shared; the lock
    beside the file is. Before it lived in the cache: 10 of 10 trials lost."""
    slow_fsync(0)  # skips where strace cannot slow fsync
    lost = [two_caches(aws, 1_000_000) for _ in range(SLOWED_TRIALS)]
    assert lost == [set()] * SLOWED_TRIALS


def test_a_section_aws_configure_set_adds_during_the_write_is_kept(aws: AwsEnv) -> None:
    """The AWS CLI takes no lock: awsenv reads the file again right before its
    rename and redoes its edit. Without that, each of these trials lost [team]."""
    slow_fsync(0)
    problem = clients.available()["awscli"]
    if problem:
        pytest.skip(problem)
    delay = 2_000_000
    lost = [
        against_awscli(aws, clients.awscli_path(), delay, pause=0.2 * trial)
        for trial in range(SLOWED_TRIALS)
    ]
    assert ["team" in trial for trial in lost] == [False] * SLOWED_TRIALS


def test_the_lock_lives_beside_the_real_file_not_in_the_cache(aws: AwsEnv) -> None:
    aws.seed()
    real = aws.root / "elsewhere" / "credentials"
    real.parent.mkdir()
    aws.credentials.rename(real)
    aws.credentials.symlink_to(real)

    result = aws.run("mfa", *EXPORT)

    assert result.returncode == 0, result.stderr
    assert aws.credentials.is_symlink() and sessions(real) == {"mfa"}
    lock = real.parent / ".credentials.awsenv.lock"
    assert lock.is_file() and not lock.is_symlink()
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600
    assert sorted(p.name for p in aws.credentials.parent.iterdir()) == ["config", "credentials"]
    # The cache holds the refresh's lock only.
    assert len(list((aws.cache / "locks").iterdir())) == 1


# --- awsenv's own section changed during the run -----------------------------


@pytest.fixture
def edited_while_waiting(aws: AwsEnv) -> Iterator[Callable[[str], tuple[int, str, str]]]:
    """Run `awsenv mfa`; while it waits on STS, replace the file with `text`."""
    aws.seed()

    def run(text: str) -> tuple[int, str, str]:
        with aws.sts.holding("GetSessionToken") as arrived:
            proc = start(aws, "mfa", *EXPORT)
            assert arrived.wait(30)
            aws.credentials.write_text(text)
        return finish(proc)

    yield run


def test_long_term_keys_put_into_the_section_meanwhile_are_refused(
    aws: AwsEnv, edited_while_waiting: Callable[[str], tuple[int, str, str]]
) -> None:
    mine = SEED_CREDENTIALS + "\n[mfa]\naws_access_key_id = AKIAMINE\naws_secret_access_key = x\n"
    returncode, out, err = edited_while_waiting(mine)

    assert (returncode, out) == (3, "")
    assert err.count("\n") == 1 and "long-term keys" in err and "Traceback" not in err
    assert aws.credentials.read_text() == mine
    assert not (aws.cache / "creds").exists() or not list((aws.cache / "creds").iterdir())


def test_a_fresher_session_written_meanwhile_is_kept(
    aws: AwsEnv, edited_while_waiting: Callable[[str], tuple[int, str, str]]
) -> None:
    theirs = SEED_CREDENTIALS + (
        "\n[mfa]\naws_access_key_id = ASIATHEIRS\naws_secret_access_key = theirSecret\n"
        "aws_session_token = theirToken\nexpiration = 2099-01-01T00:00:00Z\n"
    )
    returncode, out, err = edited_while_waiting(theirs)

    assert returncode == 0, err
    assert "AWS_SESSION_TOKEN" in out
    assert aws.credentials.read_text() == theirs


def test_a_stale_session_written_meanwhile_is_replaced(
    aws: AwsEnv, edited_while_waiting: Callable[[str], tuple[int, str, str]]
) -> None:
    stale = SEED_CREDENTIALS + (
        "\n[mfa]\n# kept\naws_access_key_id = ASIAOLD\naws_secret_access_key = oldSecret\n"
        "aws_session_token = oldToken\nexpiration = 2000-01-01T00:00:00Z\n"
    )
    returncode, _, err = edited_while_waiting(stale)

    assert returncode == 0, err
    text = aws.credentials.read_text()
    assert "# kept" in text and "oldToken" not in text
    assert sessions(aws.credentials) == {"mfa"}


# --- SIGKILL anywhere in a refresh -------------------------------------------

KILLS = 50


def test_sigkill_anywhere_in_a_refresh_never_tears_the_file_nor_leaves_secrets(
    aws: AwsEnv,
) -> None:
    aws.seed()
    aws.credentials.chmod(0o640)  # not the default, so a lost mode would show
    assert aws.run("mfa", *EXPORT).returncode == 0
    slowed = slow_fsync(40_000)
    began = time.monotonic()
    assert aws.run("mfa", "--refresh", *EXPORT, wrapper=slowed).returncode == 0
    refresh_time = time.monotonic() - began

    rng = random.Random(6)  # noqa: S311 (kill times, not secrets)
    counts: Counter[str] = Counter()
    for trial in range(KILLS):
        old = aws.credentials.read_bytes()
        old_others, old_keys = (
            others(aws.credentials, but="mfa"),
            set(sections(aws.credentials)["mfa"]),
        )
        proc = start(aws, "mfa", "--refresh", *EXPORT, wrapper=slowed)
        if trial % 2:  # anywhere from the start to the end of the refresh
            time.sleep(rng.uniform(0, refresh_time))
        else:  # somewhere in the writes: credentials file, cache, memo
            wait_for(lambda p=proc: temp_files(aws.root) or p.poll() is not None)  # type: ignore[misc]
            time.sleep(rng.uniform(0, 0.15))  # each fsync takes 40 ms here
        counts["temp file at the kill"] += bool(temp_files(aws.root))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        counts["killed" if proc.returncode == -signal.SIGKILL else "finished first"] += 1

        now = aws.credentials.read_bytes()
        assert stat.S_IMODE(aws.credentials.stat().st_mode) == 0o640
        if now == old:
            counts["old file"] += 1
        else:
            complete = (
                others(aws.credentials, but="mfa") == old_others
                and sessions(aws.credentials) == {"mfa"}
                and set(sections(aws.credentials)["mfa"]) == old_keys
            )
            assert complete, f"trial {trial}: a torn credentials file"
            counts["complete new file"] += 1
        counts["temp files left by the kill"] += len(temp_files(aws.root))

        after = aws.run("mfa", *EXPORT)
        assert after.returncode == 0, after.stderr
        assert temp_files(aws.root) == []

    print(dict(counts))
    assert counts["killed"] >= KILLS - 5
    assert counts["temp file at the kill"] >= KILLS // 5  # many landed inside a write


# --- owners ------------------------------------------------------------------

as_root = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root, as under sudo -E"
)


@as_root
def test_root_keeps_the_users_owner_and_group_on_the_file(aws: AwsEnv) -> None:
    aws.seed()
    os.chown(aws.credentials, NOBODY, NOBODY)

    result = aws.run("mfa", *EXPORT)

    assert result.returncode == 0, result.stderr
    info = aws.credentials.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (NOBODY, NOBODY, 0o600)
    assert sessions(aws.credentials) == {"mfa"}


@as_root
def test_a_file_root_creates_in_the_users_directories_is_the_users(aws: AwsEnv) -> None:
    # Long-term keys in the config file, no credentials file and no directory for it.
    keys = "aws_access_key_id = AKIAEXAMPLEALICE0001\n"
    keys += "aws_secret_access_key = aliceSecretKey0000000000000000000000000001\n"
    aws.config.parent.mkdir(parents=True)
    aws.config.write_text(SEED_CONFIG.replace("[default]\n", "[default]\n" + keys, 1))
    credentials = aws.home / "creds" / "credentials"
    os.chown(aws.home, NOBODY, NOBODY)

    result = aws.run("mfa", *EXPORT, env={"AWS_SHARED_CREDENTIALS_FILE": str(credentials)})

    assert result.returncode == 0, result.stderr
    for path in (credentials, credentials.parent):
        assert (path.stat().st_uid, path.stat().st_gid) == (NOBODY, NOBODY)
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert stat.S_IMODE(credentials.parent.stat().st_mode) == 0o700


@pytest.fixture
def for_nobody(aws: AwsEnv) -> Iterator[AwsEnv]:
    """The seed layout outside pytest's private tmp_path, where nobody can
    reach it; its files are still root's."""
    require("setpriv")
    base = Path(tempfile.mkdtemp(prefix="awsenv-nobody-"))
    try:
        base.chmod(0o755)
        other = AwsEnv(base / "env", aws.sts, isolated_environ(base / "env", aws.sts.endpoint))
        other.home.mkdir(parents=True)
        other.seed()
        yield other
    finally:
        shutil.rmtree(base)


@as_root
def test_a_file_whose_owner_cannot_be_kept_is_left_alone(for_nobody: AwsEnv) -> None:
    # nobody may replace root's file in nobody's own directory, but could not
    # give the new file root as owner: awsenv must write nothing.
    other = for_nobody
    other.credentials.chmod(0o644)
    for path in (other.root, other.home, other.config.parent, other.config):
        os.chown(path, NOBODY, NOBODY)
    before = other.credentials.read_bytes()

    result = other.run("mfa", *EXPORT, wrapper=AS_NOBODY)

    assert (result.returncode, result.stdout) == (3, "")
    assert result.stderr.count("\n") == 1, result.stderr
    assert "belongs to uid 0" in result.stderr and "nothing was written" in result.stderr
    info = other.credentials.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (0, 0, 0o644)
    assert other.credentials.read_bytes() == before
    assert temp_files(other.root) == []


@as_root
def test_a_read_only_aws_directory_is_refused_before_the_code_is_spent(
    aws: AwsEnv, for_nobody: AwsEnv
) -> None:
    """The replacement is made beside the file: without a writable directory
    the atomic replace would fail after the code was spent. Run as nobody:
    root writes anywhere."""
    other = for_nobody
    for path in (other.root, *other.root.rglob("*")):
        os.chown(path, NOBODY, NOBODY)
    other.credentials.parent.chmod(0o500)
    before = other.snapshot()

    result = other.run("dev", *EXPORT, wrapper=AS_NOBODY)

    assert (result.returncode, result.stdout) == (3, ""), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"{other.credentials.parent} is not writable" in result.stderr
    assert aws.sts.calls["GetSessionToken"] == 0
    assert other.snapshot() == before
    assert not (other.root / "cache").exists()


# --- modes, links, temp files ------------------------------------------------


def test_a_group_readable_file_gets_one_warning_per_writing_run(aws: AwsEnv) -> None:
    aws.seed()
    aws.credentials.chmod(0o644)

    first = aws.run("dev", *EXPORT)
    again = aws.run("dev", "--shell", "bash")  # from the cache: nothing written

    assert first.returncode == 0, first.stderr
    warnings = [line for line in first.stderr.splitlines() if "chmod 600" in line]
    assert len(warnings) == 1
    assert str(aws.credentials) in warnings[0] and "0644" in warnings[0]
    assert "chmod 600" not in again.stderr
    assert stat.S_IMODE(aws.credentials.stat().st_mode) == 0o644  # never changed silently


def test_a_private_file_gets_no_warning(aws: AwsEnv) -> None:
    aws.seed()
    result = aws.run("dev", *EXPORT)
    assert result.returncode == 0
    # The one line every refresh says, and nothing else.
    assert re.fullmatch(
        r"awsenv: dev: role dev in \d{12} \(eu-central-1\) until .*\n", result.stderr
    )


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda aws: aws.credentials.chmod(0o400), "is read-only; awsenv will not write it"),
        (lambda aws: os.link(aws.credentials, aws.home / "backup"), "has 2 hard links"),
    ],
    ids=["read-only", "hard-linked"],
)
def test_files_awsenv_will_not_replace_are_refused_before_the_code_is_spent(
    aws: AwsEnv, damage: Callable[[AwsEnv], None], words: str
) -> None:
    aws.seed()
    damage(aws)
    before = aws.snapshot()
    mode = aws.credentials.stat().st_mode

    result = aws.run("dev", *EXPORT)

    assert (result.returncode, result.stdout) == (3, "")
    assert result.stderr.count("\n") == 1 and words in result.stderr
    assert aws.sts.calls["GetSessionToken"] == 0
    assert aws.snapshot() == before
    assert aws.credentials.stat().st_mode == mode


def test_a_killed_writers_temp_file_is_removed_by_the_next_write(aws: AwsEnv) -> None:
    aws.seed()
    gone = subprocess.Popen(["true"])
    gone.wait()
    leftovers = [
        aws.credentials.parent / f".credentials.awsenv-{gone.pid}-0123456789ab.tmp",
        aws.cache / "creds" / f".x.json.awsenv-{gone.pid}-0123456789ab.tmp",
    ]
    kept = aws.credentials.parent / ".credentials.someone-else.tmp"  # not awsenv's name
    for path in [*leftovers, kept]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("aws_secret_access_key = leftover")
        assert TEMP_PATTERN.fullmatch(path.name) or path == kept

    assert aws.run("mfa", *EXPORT).returncode == 0

    assert [p for p in leftovers if p.exists()] == []
    assert kept.exists()
