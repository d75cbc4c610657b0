"""Wall time of a cached `awsenv process dev` (what an SDK runs for
credential_process) as a multiple of a bare `python -c pass`, interleaved.

    .venv/bin/python benchmarks/process_call.py [--runs 40]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

from cached_call import AWSENV, timed  # noqa: E402
from conftest import (  # noqa: E402
    CODE,
    DEFAULT_KEY_ID,
    DEFAULT_SECRET,
    SEED_CONFIG,
    SEED_CREDENTIALS,
    isolated_environ,
)
from sts_server import LocalSts  # noqa: E402


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
        sts.add_user_keys(DEFAULT_KEY_ID, DEFAULT_SECRET)
        env = isolated_environ(root, sts.endpoint)
        warm = [AWSENV, "process", "dev", "--mfa-code", CODE]
        subprocess.run(warm, env=env, stdout=subprocess.DEVNULL, check=True)
        sts.reset()
        runs: dict[str, list[float]] = {"bare": [], "process": []}
        for _ in range(args.runs):
            runs["bare"].append(timed([sys.executable, "-c", "pass"], env))
            runs["process"].append(timed([AWSENV, "process", "dev"], env))
        assert sum(sts.calls.values()) == 0, "the cached calls reached STS"
    bare = statistics.median(runs["bare"])
    process = statistics.median(runs["process"])
    print(f"{'python -c pass':36} median {bare * 1000:6.1f} ms  1.00x")
    print(
        f"{'awsenv process dev, cached':36} median {process * 1000:6.1f} ms  {process / bare:5.2f}x"
    )
    print(f"(n={args.runs} each, interleaved)")


if __name__ == "__main__":
    main()
