"""The cache trusts only what its owner could have written, and a damaged entry
is a miss with a warning: never read, never copied into [mfa], never a crash.
Directories awsenv makes are 0700 whatever the umask. (Other users: see
test_two_users.py.)"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from conftest import AWSENV, CODE, AwsEnv, besides_refresh

ATTACKER_KEY = "ASIAPLANTEDATTACKER01"
ATTACKER_SECRET = "plantedAttackerSecret000000000000000000001"


def entries(aws: AwsEnv) -> dict[str, Path]:
    """The cache's entries by kind of key ('role', 'mfa-session')."""
    found = {}
    for path in (aws.cache / "creds").iterdir():
        key = json.loads(path.read_text())["key"]
        found[key.split("|", 1)[0]] = path
    return found


def plant(path: Path, expiration: str | None = "2099-01-01T00:00:00Z") -> None:
    """Replace the entry at `path` with someone else's keys, for the same key."""
    key = json.loads(path.read_text())["key"]
    credentials = {
        "AccessKeyId": ATTACKER_KEY,
        "SecretAccessKey": ATTACKER_SECRET,
        "SessionToken": "plantedToken",
        "Expiration": expiration,
    }
    path.write_text(json.dumps({"key": key, "credentials": credentials}))


def warning_lines(stderr: str) -> list[str]:
    """What a run warned of; the line every refresh says is not a warning."""
    return [line for line in besides_refresh(stderr).splitlines() if line]


def assert_none_of_the_planted_keys(aws: AwsEnv, *outputs: str) -> None:
    for text in (*outputs, aws.credentials.read_text()):
        assert ATTACKER_KEY not in text
        assert ATTACKER_SECRET not in text


@pytest.mark.parametrize("how", ["writable by others", "symlink"])
def test_entry_others_could_have_written_is_a_miss_with_one_warning(
    aws: AwsEnv, tmp_path: Path, how: str
) -> None:
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    role = entries(aws)["role"]
    plant(role)
    if how == "symlink":
        elsewhere = tmp_path / "elsewhere.json"
        role.rename(elsewhere)
        role.symlink_to(elsewhere)
    else:
        role.chmod(0o666)
    aws.sts.reset()
    result = aws.run("-p", "dev", "--shell", "bash")  # -p: the full path, not the memo
    assert result.returncode == 0, result.stderr
    assert_none_of_the_planted_keys(aws, result.stdout, result.stderr)
    (line,) = warning_lines(result.stderr)
    assert str(role) in line and how in line
    assert aws.sts.calls == {"AssumeRole": 1}  # over the (trusted) cached MFA session
    # The refused entry was replaced by the fresh one, not written through.
    assert not role.is_symlink() and stat.S_IMODE(role.stat().st_mode) == 0o600
    if how == "symlink":
        assert ATTACKER_KEY in elsewhere.read_text()
    again = aws.run("-p", "dev", "--shell", "bash")
    assert again.returncode == 0 and again.stderr == ""


def test_untrusted_session_entry_never_reaches_the_mfa_section(aws: AwsEnv) -> None:
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    session = entries(aws)["mfa-session"]
    plant(session)
    session.chmod(0o646)
    # Someone restored an old credentials file: [mfa] would be rewritten from the cache.
    aws.credentials.write_text(aws.credentials.read_text().split("[mfa]")[0])
    aws.sts.reset()
    result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    assert_none_of_the_planted_keys(aws, result.stdout, result.stderr)
    (line,) = warning_lines(result.stderr)
    assert str(session) in line
    assert aws.sts.calls["GetSessionToken"] == 1
    assert "[mfa]" in aws.credentials.read_text()


def test_loose_cache_directory_is_not_read_and_is_tightened_on_write(aws: AwsEnv) -> None:
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    plant(entries(aws)["role"])
    (aws.cache / "creds").chmod(0o777)
    aws.sts.reset()
    result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    assert_none_of_the_planted_keys(aws, result.stdout)
    (line,) = warning_lines(result.stderr)
    assert f"{aws.cache / 'creds'} is writable by others (mode 0777)" in line
    assert aws.sts.calls == {"GetSessionToken": 1, "AssumeRole": 1}
    assert stat.S_IMODE((aws.cache / "creds").stat().st_mode) == 0o700


def test_memo_in_a_cache_others_can_write_is_not_served(aws: AwsEnv) -> None:
    from test_fast_path import doctor

    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    doctor(aws)
    aws.cache.chmod(0o757)
    assert "MARKER" not in aws.run("dev", "--shell", "bash").stdout


@pytest.mark.parametrize(
    "expiration",
    ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "not a time", "2026-13-45T99:00:00Z", 17],
)
def test_entry_with_an_impossible_expiration_is_a_miss_with_a_warning(
    aws: AwsEnv, expiration: object
) -> None:
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    role = entries(aws)["role"]
    plant(role, expiration)  # type: ignore[arg-type]
    aws.sts.reset()
    result = aws.run("-p", "dev", "--shell", "bash")
    assert result.returncode == 0, result.stderr
    assert ATTACKER_KEY not in result.stdout
    (line,) = warning_lines(result.stderr)
    assert f"damaged cache entry: {role}" in line
    assert aws.sts.calls == {"AssumeRole": 1}
    # Not "every call until deleted by hand": the fresh entry replaced it.
    again = aws.run("-p", "dev", "--shell", "bash")
    assert (again.returncode, again.stderr, again.stdout) == (0, "", result.stdout)
    assert aws.sts.calls == {"AssumeRole": 1}


def test_damaged_entry_warning_names_the_path_once(aws: AwsEnv) -> None:
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    session = entries(aws)["mfa-session"]
    plant(session, "0001-01-01T00:00:00Z")
    result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    (line,) = warning_lines(result.stderr)  # asked for several times, said once
    assert f"damaged cache entry: {session}" in line


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_umask_000_still_makes_every_directory_0700(aws: AwsEnv) -> None:
    aws.seed()
    xdg = aws.root / "a" / "b"
    env = {"XDG_CACHE_HOME": str(xdg)}
    run = f'umask 000; exec "{AWSENV}" dev --shell bash --mfa-code {CODE}'
    proc = aws.command(["sh", "-c", run], env=env)
    assert proc.returncode == 0, proc.stderr
    cache = xdg / "awsenv"
    made = [aws.root / "a", xdg, cache, cache / "creds", cache / "exports", cache / "locks"]
    assert {str(d): oct(mode(d)) for d in made} == {str(d): "0o700" for d in made}
    files = [p for p in cache.rglob("*") if p.is_file() and p.parent.name != "locks"]
    assert files and all(mode(p) == 0o600 for p in files)


def test_existing_home_cache_directory_is_left_alone(aws: AwsEnv) -> None:
    aws.seed()
    aws.environ.pop("XDG_CACHE_HOME")
    home_cache = aws.home / ".cache"
    home_cache.mkdir(mode=0o755)
    home_cache.chmod(0o755)
    proc = aws.command(["sh", "-c", f'umask 000; "{AWSENV}" dev --mfa-code {CODE}'])
    assert proc.returncode == 0, proc.stderr
    assert mode(home_cache) == 0o755  # not awsenv's
    assert mode(home_cache / "awsenv") == 0o700


def test_missing_home_cache_directory_is_created_0700(aws: AwsEnv) -> None:
    aws.seed()
    aws.environ.pop("XDG_CACHE_HOME")
    proc = aws.command(["sh", "-c", f'umask 000; "{AWSENV}" dev --mfa-code {CODE}'])
    assert proc.returncode == 0, proc.stderr
    assert mode(aws.home / ".cache") == 0o700
    assert mode(aws.home / ".cache" / "awsenv") == 0o700
