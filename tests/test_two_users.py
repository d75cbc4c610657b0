"""Two real users on one machine (setpriv, not mocks): an attacker who can
write into a shared XDG_CACHE_HOME plants cache entries with their own keys;
the victim's awsenv must refuse them. And root run with a user's HOME
(sudo -E) must leave nothing in that user's cache that locks them out.

The victim is uid 65533 and the attacker 65534 (nobody): root ignores file
modes, so neither side of the attack runs as root.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import AWSENV, CODE, AwsEnv, besides_refresh, isolated_environ
from lost_updates import EXPORT, TWO_SESSIONS_CONFIG, sessions, slow_fsync_argv
from test_cache_trust import ATTACKER_KEY, ATTACKER_SECRET

from awsenv.config.profiles import AwsFiles
from awsenv.core.plan import build_plan, walk
from awsenv.store.cache import Cache

VICTIM = 65533
ATTACKER = 65534

pytestmark = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("setpriv"),
    reason="needs root and setpriv to act as two other users",
)


def as_user(uid: int, argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", *argv],
        env=env,
        cwd="/",
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
        check=False,
    )


# The attacker's side, run as the attacker: write an entry with their own
# keys and expiry 2099 under the victim's key, then put it in place.
PLANT = """\
import json, os, sys
cache, names = sys.argv[1], sys.argv[2:]
creds = os.path.join(cache, "creds")
for name in names:
    key, file = name.split("=", 1)
    try:
        os.makedirs(creds, exist_ok=True)
        tmp = os.path.join(creds, "." + file + ".plant")
        with open(tmp, "w") as handle:
            json.dump({"key": key, "credentials": {
                "AccessKeyId": KEY, "SecretAccessKey": SECRET,
                "SessionToken": "plantedToken", "Expiration": "2099-01-01T00:00:00Z"}}, handle)
        os.chmod(tmp, 0o644)
        os.replace(tmp, os.path.join(creds, file))  # over the victim's own, if there is one
        print("planted", file)
    except PermissionError:
        print("denied", file)
"""


@dataclass
class Machine:
    aws: AwsEnv
    base: Path
    env: dict[str, str]

    @property
    def shared(self) -> Path:
        return self.base / "shared"

    @property
    def cache(self) -> Path:
        return self.shared / "awsenv"

    @property
    def credentials(self) -> Path:
        return Path(self.env["AWS_SHARED_CREDENTIALS_FILE"])

    def victim(self, *args: str) -> subprocess.CompletedProcess[str]:
        return as_user(VICTIM, [AWSENV, *args], self.env)

    def plant(self) -> list[str]:
        """Plant entries for the victim's role and MFA session; what happened to each."""
        files = AwsFiles.load(Path(self.env["AWS_CONFIG_FILE"]), self.credentials)
        top = build_plan(files, "dev").top
        keys = [top.cache_key, walk(top)[1].cache_key]  # type: ignore[union-attr]
        names = [f"{key}={Cache(self.cache).path(key).name}" for key in keys]
        script = PLANT.replace("KEY", repr(ATTACKER_KEY)).replace("SECRET", repr(ATTACKER_SECRET))
        proc = as_user(ATTACKER, [sys.executable, "-c", script, str(self.cache), *names], self.env)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.split()[::2]


@pytest.fixture
def machine(aws: AwsEnv, monkeypatch: pytest.MonkeyPatch) -> Iterator[Machine]:
    # Outside pytest's 0700 tmp_path, so that the two users can reach it.
    base = Path(tempfile.mkdtemp(prefix="awsenv-two-users-"))
    try:
        base.chmod(0o755)
        aws.seed()
        home = base / "victim"
        shutil.copytree(aws.home, home)
        for path in (home, *home.rglob("*")):
            os.chown(path, VICTIM, VICTIM)
        home.chmod(0o700)
        (base / "shared").mkdir()
        (base / "shared").chmod(0o1777)  # a shared, world-writable XDG_CACHE_HOME
        env = {**isolated_environ(base, aws.sts.endpoint), "LOGNAME": "victim"}
        env.update(
            HOME=str(home),
            XDG_CACHE_HOME=str(base / "shared"),
            AWS_CONFIG_FILE=str(home / ".aws" / "config"),
            AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws" / "credentials"),
        )
        monkeypatch.setenv("LOGNAME", "victim")  # the role's cache key, as the victim has it
        yield Machine(aws, base, env)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def assert_no_planted_keys(machine: Machine, *outputs: str) -> None:
    for text in (*outputs, machine.credentials.read_text()):
        assert ATTACKER_KEY not in text
        assert ATTACKER_SECRET not in text


def owners(top: Path) -> set[int]:
    return {p.lstat().st_uid for p in (top, *top.rglob("*"))}


def test_attacker_cannot_reach_into_a_cache_made_by_awsenv(machine: Machine) -> None:
    result = machine.victim("dev", "--shell", "bash", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    assert machine.plant() == ["denied", "denied"]
    machine.aws.sts.reset()
    again = machine.victim("dev", "--shell", "bash")
    assert (again.returncode, again.stderr, again.stdout) == (0, "", result.stdout)
    assert machine.aws.sts.calls == {}


def test_entries_planted_in_loose_directories_are_refused(machine: Machine) -> None:
    # The victim has used awsenv; its directories are loose, as an earlier
    # awsenv under `umask 000` left them.
    assert machine.victim("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    for directory in (machine.cache, machine.cache / "creds"):
        directory.chmod(0o777)
    assert machine.plant() == ["planted", "planted"]  # over the victim's own entries
    assert owners(machine.cache / "creds") >= {ATTACKER}
    machine.aws.sts.reset()
    result = machine.victim("dev", "--shell", "bash", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    assert_no_planted_keys(machine, result.stdout, result.stderr)
    (line,) = besides_refresh(result.stderr).splitlines()
    assert f"{machine.cache} is writable by others (mode 0777)" in line
    assert machine.aws.sts.calls == {"GetSessionToken": 1, "AssumeRole": 1}
    # Its writes tightened its directories and replaced the planted entries.
    assert stat.S_IMODE(machine.cache.stat().st_mode) == 0o700
    assert owners(machine.cache) == {VICTIM}
    machine.aws.sts.reset()
    again = machine.victim("dev", "--shell", "bash")
    assert (again.returncode, again.stderr) == (0, "")
    assert machine.aws.sts.calls == {}
    assert_no_planted_keys(machine, again.stdout)


def test_without_a_code_the_planted_entries_give_a_clean_failure(machine: Machine) -> None:
    assert machine.victim("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    for directory in (machine.cache, machine.cache / "creds"):
        directory.chmod(0o777)
    assert machine.plant() == ["planted", "planted"]
    result = machine.victim("dev", "--shell", "bash")  # no terminal: no prompt either
    assert result.returncode != 0 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "MFA code is needed" in result.stderr
    assert_no_planted_keys(machine, result.stderr)


def test_cache_root_made_by_the_attacker_is_not_used(machine: Machine) -> None:
    # The attacker got there first: the whole cache directory is theirs.
    assert machine.plant() == ["planted", "planted"]
    result = machine.victim("dev", "--shell", "bash", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    assert_no_planted_keys(machine, result.stdout, result.stderr)
    (line,) = besides_refresh(result.stderr).splitlines()
    assert f"not using the cache in {machine.cache}: it belongs to uid {ATTACKER}" in line
    assert machine.aws.sts.calls == {"GetSessionToken": 1, "AssumeRole": 1}
    assert owners(machine.cache) == {ATTACKER}  # nothing of the victim's went in there


@pytest.mark.parametrize("victim_first", [True, False], ids=["victim-cache", "no-cache-yet"])
def test_root_with_the_users_home_leaves_nothing_that_locks_them_out(
    machine: Machine, victim_first: bool
) -> None:
    """sudo -E: root does not use the user's cache, and creates nothing in it."""
    machine.env.pop("XDG_CACHE_HOME")  # ~/.cache/awsenv, in the victim's HOME
    home = Path(machine.env["HOME"])
    # The standard layout writes no section, so the credentials file (whose
    # owner is the editor's business) stays out of this.
    machine.aws.standard()
    for name in ("config", "credentials"):
        shutil.copy(machine.aws.home / ".aws" / name, home / ".aws" / name)
    if victim_first:
        first = machine.victim("dev", "--shell", "bash", "--mfa-code", CODE)
        assert first.returncode == 0, first.stderr
    machine.aws.sts.reset()
    as_root = subprocess.run(
        [AWSENV, "dev", "--shell", "bash", "--mfa-code", CODE],
        env=machine.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert as_root.returncode == 0, as_root.stderr
    assert machine.aws.sts.calls == {"GetSessionToken": 1, "AssumeRole": 1}
    # (The standard layout's roles also say, on a refresh, why AWS_PROFILE is unset.)
    (line,) = [line for line in as_root.stderr.splitlines() if "cache" in line]
    assert f"not using the cache in {home / '.cache' / 'awsenv'}" in line
    assert f"uid {VICTIM}" in line
    assert owners(home) == {VICTIM}
    if not victim_first:
        assert not (home / ".cache").exists()
    machine.aws.sts.reset()
    later = machine.victim("dev", "--shell", "bash", "--mfa-code", CODE)
    assert later.returncode == 0, later.stderr
    assert "cache" not in later.stderr and "ermission" not in later.stderr
    if victim_first:  # its own cache, untouched by root's run, still serves it
        assert machine.aws.sts.calls == {}
    assert owners(home) == {VICTIM}


def test_cache_key_names_match_what_the_victim_writes(machine: Machine) -> None:
    """The attack above computes file names as cache.py does: prove it."""
    assert machine.victim("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    written = sorted(p.name for p in (machine.cache / "creds").iterdir())
    files = AwsFiles.load(Path(machine.env["AWS_CONFIG_FILE"]), machine.credentials)
    top = build_plan(files, "dev").top
    keys = [top.cache_key, walk(top)[1].cache_key]  # type: ignore[union-attr]
    assert sorted(Cache(machine.cache).path(k).name for k in keys) == written
    assert json.loads((machine.cache / "creds" / written[0]).read_text())["key"] in keys


def test_root_with_the_users_home_and_the_user_exclude_each_other(machine: Machine) -> None:
    """sudo -E: root takes no lock in the user's cache, but the credentials
    file's lock lives beside the file, so root and the user still write it one
    at a time; the lock file root finds or makes stays the user's."""
    machine.env.pop("XDG_CACHE_HOME")  # the victim's ~/.cache/awsenv, which root leaves alone
    home = Path(machine.env["HOME"])
    (home / ".aws" / "config").write_text(TWO_SESSIONS_CONFIG)
    as_victim = ["setpriv", f"--reuid={VICTIM}", f"--regid={VICTIM}", "--clear-groups"]
    slowed = slow_fsync_argv(1_500_000, only_first=True)
    victim = subprocess.Popen(
        [*slowed, *as_victim, AWSENV, "mfa1", *EXPORT],
        env=machine.env,
        cwd="/",
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not list((home / ".aws").glob(".credentials.awsenv-*.tmp")):
        assert victim.poll() is None and time.monotonic() < deadline, "the write was not caught"
        time.sleep(0.005)

    as_root = subprocess.run(
        [AWSENV, "mfa2", *EXPORT, "--debug"],
        env=machine.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    _out, err = victim.communicate(timeout=60)

    assert (victim.returncode, as_root.returncode) == (0, 0), (err, as_root.stderr)
    assert "waiting for another awsenv" in as_root.stderr  # the two really overlapped
    assert sessions(machine.credentials) == {"mfa1", "mfa2"}
    lock = home / ".aws" / ".credentials.awsenv.lock"
    assert (lock.stat().st_uid, lock.stat().st_gid) == (VICTIM, VICTIM)
    assert owners(home) == {VICTIM}
    again = machine.victim("mfa1", "--refresh", *EXPORT)
    assert (again.returncode, besides_refresh(again.stderr)) == (0, "")
