"""Lost updates of the credentials file, counted over trials with fsync slowed.

Two cases, each a real race between real processes against the local STS:

* ``caches``: two awsenv with two different caches (``XDG_CACHE_HOME``)
  refresh two different session profiles (``mfa1``, ``mfa2``) at once, both
  slowed on their first fsync (the credentials file's temp file). A trial
  loses when either section is missing afterwards.
* ``awscli``: ``awsenv mfa`` refreshes with its first fsync slowed; once its
  temp file is there, after a random pause, ``aws configure set`` (the AWS CLI
  v1, which takes no lock and rewrites the file in place) adds ``[team]``.
  A trial loses ``team`` when awsenv's rename drops it, and ``mfa`` when the
  AWS CLI's write drops awsenv's (the AWS CLI's own race, counted apart).

The tests run a few trials (test_concurrent_writes.py); run more by hand:

    .venv/bin/python tests/lost_updates.py --trials 10
    .venv/bin/python tests/lost_updates.py --trials 10 --code /tmp/awsenv-old

`--code DIR` runs the awsenv package found in DIR (first on PYTHONPATH), for
example an older commit: `git archive COMMIT awsenv shells | tar -x -C DIR`.
"""

from __future__ import annotations

import argparse
import configparser
import io
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from conftest import AWSENV, CODE, SEED_CONFIG, SEED_CREDENTIALS, AwsEnv, isolated_environ

TWO_SESSIONS_CONFIG = f"""{SEED_CONFIG}
[profile mfa1]
awsenv_source_profile = default
mfa_serial = arn:aws:iam::123456789012:mfa/alice

[profile mfa2]
awsenv_source_profile = other
mfa_serial = arn:aws:iam::123456789012:mfa/other
"""
EXPORT = ("--shell", "bash", "--mfa-code", CODE)


def slow_fsync_argv(microseconds: int, *, only_first: bool = False) -> list[str]:
    """A strace prefix that slows fsync (the first one only, or every one)."""
    when = ":when=1" if only_first else ""
    return [
        "strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=fsync",
        "-e", f"inject=fsync:delay_enter={microseconds}{when}",
    ]  # fmt: skip


def sections(path: Path) -> dict[str, dict[str, str]]:
    """configparser's view, as awsenv and botocore read the file."""
    parser = configparser.RawConfigParser(strict=False, default_section="\0none")
    parser.read_file(io.StringIO(path.read_text(), newline=None))
    return {name: dict(parser.items(name)) for name in parser.sections()}


def sessions(path: Path) -> set[str]:
    """The sections holding a session: names only, so no secret reaches a report."""
    return {
        name
        for name, values in sections(path).items()
        if values.get("aws_session_token") and values.get("expiration")
    }


def _start(argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        argv,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _finish(proc: subprocess.Popen[bytes], what: str) -> None:
    _out, err = proc.communicate(timeout=120)
    if proc.returncode != 0:
        raise AssertionError(f"{what} failed ({proc.returncode}): {err.decode()}")


def _with_code(env: dict[str, str], code: str | None) -> dict[str, str]:
    return {**env, "PYTHONPATH": code} if code else env


def two_caches(aws: AwsEnv, delay_us: int, code: str | None = None) -> set[str]:
    """One trial of the `caches` case; the sections it lost."""
    aws.write(TWO_SESSIONS_CONFIG, SEED_CREDENTIALS)
    procs = []
    for name in ("mfa1", "mfa2"):
        cache = aws.root / f"cache-{name}"
        shutil.rmtree(cache, ignore_errors=True)  # cold: both must write
        env = _with_code({**aws.environ, "XDG_CACHE_HOME": str(cache)}, code)
        argv = [*slow_fsync_argv(delay_us, only_first=True), AWSENV, name, *EXPORT]
        procs.append((name, _start(argv, env)))
    for name, proc in procs:
        _finish(proc, f"awsenv {name}")
    return {"mfa1", "mfa2"} - sessions(aws.credentials)


def against_awscli(
    aws: AwsEnv, aws_cli: Path, delay_us: int, pause: float, code: str | None = None
) -> set[str]:
    """One trial of the `awscli` case, `aws configure set` started `pause` s
    after awsenv's temp file appeared; the sections it lost."""
    aws.seed()
    shutil.rmtree(aws.cache, ignore_errors=True)
    env = _with_code(aws.environ, code)
    argv = [*slow_fsync_argv(delay_us, only_first=True), AWSENV, "mfa", *EXPORT]
    awsenv = _start(argv, env)
    deadline = time.monotonic() + 60
    while not list(aws.credentials.parent.glob(".credentials.awsenv-*.tmp")):
        if awsenv.poll() is not None or time.monotonic() > deadline:
            break  # finished (or stuck) before its write could be caught: still counted
        time.sleep(0.005)
    time.sleep(pause)
    team = ["configure", "set", "aws_access_key_id", "AKIATEAMEXAMPLE00001", "--profile", "team"]
    _finish(_start([str(aws_cli), *team], aws.environ), "aws configure set")
    _finish(awsenv, "awsenv mfa")
    now = sections(aws.credentials)
    lost = set() if now.get("team", {}).get("aws_access_key_id") else {"team"}
    return lost | ({"mfa"} - sessions(aws.credentials))


def main() -> int:
    from clients import awscli_path
    from sts_server import LocalSts

    from awsenv import __file__ as package

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--case", choices=("caches", "awscli", "both"), default="both")
    parser.add_argument("--delay-ms", type=int, default=2000, help="the slowed fsync")
    parser.add_argument("--code", help="run the awsenv package in this directory")
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    code = str(Path(args.code).resolve()) if args.code else None
    rng = random.Random(args.seed)  # noqa: S311 (pauses, not secrets)
    delay = args.delay_ms * 1000
    print(f"awsenv from {code or Path(package).parent}; fsync slowed {args.delay_ms} ms")
    with LocalSts() as sts, tempfile.TemporaryDirectory(prefix="awsenv-lost-") as tmp:
        sts.add_user_keys("AKIAEXAMPLEALICE0001", "aliceSecretKey0000000000000000000000000001")
        sts.add_user_keys("AKIAEXAMPLEOTHER0001", "otherSecretKey00000000000000000000000001")
        root = Path(tmp) / "env"
        (root / "home").mkdir(parents=True)
        aws = AwsEnv(root=root, sts=sts, environ=isolated_environ(root, sts.endpoint))
        cases = ("caches", "awscli") if args.case == "both" else (args.case,)
        for case in cases:
            lost_trials = 0
            counts: dict[str, int] = {}
            for _ in range(args.trials):
                sts.reset()
                if case == "caches":
                    lost = two_caches(aws, delay, code)
                else:
                    pause = rng.uniform(0, args.delay_ms / 1000)
                    lost = against_awscli(aws, awscli_path(), delay, pause, code)
                lost_trials += bool(lost)
                for name in lost:
                    counts[name] = counts.get(name, 0) + 1
            print(f"{case}: {lost_trials} of {args.trials} trials lost a section {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
