"""Wall time of a cached `awsenv dev` as a multiple of a bare `python -c pass`.

Both are measured in the same run, interleaved, so machine load affects them
alike. The local STS (moto behind the test proxy) serves only the warm-up.

    .venv/bin/python benchmarks/cached_call.py [--runs 40]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from conftest import CODE, SEED_CONFIG, SEED_CREDENTIALS, isolated_environ  # noqa: E402
from sts_server import LocalSts  # noqa: E402

AWSENV = str(Path(sys.executable).parent / "awsenv")


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    with LocalSts() as sts, tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        aws = root / "home" / ".aws"
        aws.mkdir(parents=True)
        (aws / "config").write_text(SEED_CONFIG)
        (aws / "credentials").write_text(SEED_CREDENTIALS)
        from conftest import DEFAULT_KEY_ID, DEFAULT_SECRET

        sts.add_user_keys(DEFAULT_KEY_ID, DEFAULT_SECRET)
        env = isolated_environ(root, sts.endpoint)
        cached = [AWSENV, "dev", "--shell", "bash"]
        # `-p dev` is the same request, but the fast path only takes the plain
        # form: this times a cache hit on the full path (argparse, configparser,
        # the credential cache and jinja2; no botocore).
        full = [AWSENV, "-p", "dev", "--shell", "bash"]
        warm = [*cached, "--mfa-code", CODE]
        subprocess.run(warm, env=env, stdout=subprocess.DEVNULL, check=True)
        sts.reset()
        runs: dict[str, list[float]] = {"bare": [], "fast": [], "full": []}
        for _ in range(args.runs):
            runs["bare"].append(timed([sys.executable, "-c", "pass"], env))
            runs["fast"].append(timed(cached, env))
            runs["full"].append(timed(full, env))
        assert sum(sts.calls.values()) == 0, "the cached calls reached STS"
    bare = statistics.median(runs["bare"])
    for label, key in (
        ("python -c pass", "bare"),
        ("awsenv dev, repeat (fast path)", "fast"),
        ("awsenv dev, cache hit (full path)", "full"),
    ):
        median = statistics.median(runs[key])
        print(f"{label:36} median {median * 1000:6.1f} ms  {median / bare:5.2f}x")
    print(f"(n={args.runs} each, interleaved)")


if __name__ == "__main__":
    main()
