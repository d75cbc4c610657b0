"""Locks fail closed, and a failed run leaves no lock behind.

A lock awsenv cannot trust (a symlink, another user's file or directory) is
an error naming it, exit 6, before anything is asked or changed; never a run
without the lock. A run that fails takes away the lock files and directories
it made, so the cache and ~/.aws are exactly as they were.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CODE, SEED_CREDENTIALS, AwsEnv
from test_concurrent_writes import finish, start
from test_setup import CONFIG, FLAGS

from awsenv import errors

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX links and owners")

EXPORT = ("--shell", "bash", "--mfa-code", CODE)
NOBODY = 65534
root_only = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown to another user needs root"
)


def everything(aws: AwsEnv) -> dict[str, tuple[int, int, bytes | str]]:
    """Every path under the test's root, lock files and directories included:
    (mode, owner, contents or link target)."""
    seen: dict[str, tuple[int, int, bytes | str]] = {}
    for path in sorted(aws.root.rglob("*")):
        st = path.lstat()
        if path.is_symlink():
            body: bytes | str = os.readlink(path)
        elif path.is_dir():
            body = "dir"
        else:
            body = path.read_bytes()
        seen[str(path)] = (st.st_mode, st.st_uid, body)
    return seen


def locks_of(aws: AwsEnv) -> list[Path]:
    return sorted((aws.cache / "locks").iterdir())


def make_link(path: Path) -> None:
    target = path.parent.parent / "planted"
    target.write_text("")
    path.unlink()
    path.symlink_to(target)


def symlinked_lock_dir(aws: AwsEnv) -> Path:
    locks = aws.cache / "locks"
    for lock in locks_of(aws):
        lock.unlink()
    locks.rmdir()
    elsewhere = aws.root / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    locks.symlink_to(elsewhere)
    return locks


def symlinked_lock_files(aws: AwsEnv) -> Path:
    for lock in locks_of(aws):
        make_link(lock)
    return aws.cache / "locks"


def foreign_lock_dir(aws: AwsEnv) -> Path:
    os.chown(aws.cache / "locks", NOBODY, NOBODY)
    return aws.cache / "locks"


def foreign_lock_files(aws: AwsEnv) -> Path:
    for lock in locks_of(aws):
        os.chown(lock, NOBODY, NOBODY)
    return aws.cache / "locks"


CACHE_CASES = [
    pytest.param(symlinked_lock_dir, "is a symlink", id="lock-directory-symlink"),
    pytest.param(symlinked_lock_files, "is a symlink", id="lock-file-symlink"),
    pytest.param(
        foreign_lock_dir, f"belongs to uid {NOBODY}", marks=root_only, id="lock-dir-foreign"
    ),
    pytest.param(
        foreign_lock_files, f"belongs to uid {NOBODY}", marks=root_only, id="lock-file-foreign"
    ),
]


@pytest.mark.parametrize(("damage", "words"), CACHE_CASES)
def test_a_refresh_lock_awsenv_cannot_trust_is_an_error_naming_it(
    aws: AwsEnv, damage: Callable[[AwsEnv], Path], words: str
) -> None:
    aws.seed()
    assert aws.run("dev", *EXPORT).returncode == 0
    named = damage(aws)
    aws.sts.reset()
    before = everything(aws)

    result = aws.run("dev", "--refresh", *EXPORT)

    assert (result.returncode, result.stdout) == (errors.LockError.exit_code, ""), result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert str(named) in lines[0] and words in lines[0] and "going on without" not in lines[0]
    assert aws.sts.calls == {}
    assert everything(aws) == before


def beside(aws: AwsEnv) -> Path:
    return aws.credentials.parent / ".credentials.awsenv.lock"


def symlinked_file_lock(aws: AwsEnv) -> None:
    (aws.root / "planted").write_text("")
    beside(aws).symlink_to(aws.root / "planted")


def foreign_file_lock(aws: AwsEnv) -> None:
    beside(aws).write_text("")
    beside(aws).chmod(0o600)
    os.chown(beside(aws), NOBODY, NOBODY)  # not the credentials file's owner (root)


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        pytest.param(symlinked_file_lock, "is a symlink", id="symlink"),
        pytest.param(foreign_file_lock, f"belongs to uid {NOBODY}", marks=root_only, id="foreign"),
    ],
)
def test_a_file_lock_awsenv_cannot_trust_is_refused_before_the_code_is_spent(
    aws: AwsEnv, damage: Callable[[AwsEnv], None], words: str
) -> None:
    aws.seed()
    damage(aws)
    before = everything(aws)

    result = aws.run("mfa", *EXPORT)

    assert (result.returncode, result.stdout) == (errors.LockError.exit_code, ""), result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and str(beside(aws)) in lines[0] and words in lines[0]
    assert aws.sts.calls["GetSessionToken"] == 0
    assert everything(aws) == before


# --- a failure leaves the cache, and ~/.aws, as they were --------------------


def test_a_failure_from_a_cold_start_leaves_no_cache_behind(aws: AwsEnv) -> None:
    aws.seed()
    before = everything(aws)

    result = aws.run("dev", "--shell", "bash", "--mfa-code", "654321")  # a wrong code

    assert (result.returncode, result.stdout) == (errors.AwsError.exit_code, "")
    assert len(result.stderr.splitlines()) == 1 and "MFA code rejected" in result.stderr
    assert not (aws.root / "cache").exists()
    assert everything(aws) == before


def test_a_failure_leaves_an_existing_cache_exactly_as_it_was(aws: AwsEnv) -> None:
    aws.seed()
    assert aws.run("dev", *EXPORT).returncode == 0
    before = everything(aws)
    aws.sts.fail_next("AssumeRole", "AccessDenied", "not allowed to assume prod")

    result = aws.run("prod", *EXPORT)  # a role of its own: a new refresh lock

    assert (result.returncode, result.stdout) == (errors.AwsError.exit_code, "")
    assert len(result.stderr.splitlines()) == 1 and "access denied" in result.stderr
    assert everything(aws) == before


def test_a_refused_write_takes_away_the_lock_it_made_beside_the_file(aws: AwsEnv) -> None:
    aws.seed()
    mine = SEED_CREDENTIALS + "\n[mfa]\naws_access_key_id = AKIAMINE\naws_secret_access_key = x\n"
    with aws.sts.holding("GetSessionToken") as arrived:
        proc = start(aws, "mfa", *EXPORT)
        assert arrived.wait(30)
        # While STS answers, [mfa] becomes a key profile: the write is refused
        # under the lock beside the file, which this run made.
        aws.credentials.write_text(mine)
    returncode, out, err = finish(proc)

    assert (returncode, out) == (errors.ConfigError.exit_code, "")
    assert len(err.splitlines()) == 1 and "long-term keys" in err
    assert sorted(p.name for p in aws.credentials.parent.iterdir()) == ["config", "credentials"]
    assert aws.credentials.read_text() == mine
    assert not (aws.root / "cache").exists()


def test_setup_takes_the_lock_beside_each_file_it_writes(aws: AwsEnv) -> None:
    """`awsenv setup` names its locks with locking.file_lock_name, as every
    writer does: they live beside the files, not in its cache."""
    aws.write(CONFIG, SEED_CREDENTIALS)
    other_cache = aws.root / "another-cache"

    result = aws.run(*FLAGS, "--yes", env={"XDG_CACHE_HOME": str(other_cache)})

    assert result.returncode == 0, result.stderr
    assert (aws.config.parent / ".config.awsenv.lock").is_file()
    assert (aws.credentials.parent / ".credentials.awsenv.lock").is_file()
    assert not (other_cache / "awsenv" / "locks").exists()
