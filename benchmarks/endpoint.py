"""How fast `awsenv exec PROFILE --server` answers a request for cached
credentials (budget: 2 ms), as an SDK makes it: a new connection, GET with the
token, the whole JSON read back.

COMMAND is a Python child that times the requests itself, so only the
endpoint is measured (no process start). Against the local STS, with the
role cached by the first call.

    .venv/bin/python benchmarks/endpoint.py [--requests 500]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from conftest import (  # noqa: E402
    CODE,
    DEFAULT_KEY_ID,
    DEFAULT_SECRET,
    SEED_CONFIG,
    SEED_CREDENTIALS,
    isolated_environ,
)
from sts_server import LocalSts  # noqa: E402

AWSENV = str(Path(sys.executable).parent / "awsenv")
CHILD = """\
import http.client, json, os, statistics, sys, time
from urllib.parse import urlsplit
url = urlsplit(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
token = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
def once():
    start = time.perf_counter()
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    conn.request("GET", url.path, headers={"Authorization": token})
    body = conn.getresponse().read()
    conn.close()
    elapsed = time.perf_counter() - start
    assert json.loads(body)["AccessKeyId"]
    return elapsed
for _ in range(20):  # warm-up
    once()
times = sorted(once() for _ in range(int(sys.argv[1])))
print(json.dumps({"median": statistics.median(times), "p90": times[int(len(times) * 0.9)],
                  "max": times[-1], "n": len(times)}))
"""


def measure(sts: LocalSts, requests: int) -> dict[str, float]:
    """Seconds per request (median, p90, max) over `requests`, in a home of its
    own against `sts`, which must know the seed's keys."""
    with tempfile.TemporaryDirectory(prefix="awsenv-endpoint-") as tmp:
        root = Path(tmp)
        aws = root / "home" / ".aws"
        aws.mkdir(parents=True)
        (aws / "config").write_text(SEED_CONFIG)
        (aws / "credentials").write_text(SEED_CREDENTIALS)
        env = isolated_environ(root, sts.endpoint)
        argv = [AWSENV, "exec", "dev", "--server", "--mfa-code", CODE, "--"]
        out = subprocess.run(
            [*argv, sys.executable, "-c", CHILD, str(requests)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    result: dict[str, float] = json.loads(out)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    with LocalSts() as sts:
        sts.add_user_keys(DEFAULT_KEY_ID, DEFAULT_SECRET)
        result = measure(sts, args.requests)
    print(
        f"endpoint request, cached credentials ({result['n']:.0f} requests): "
        f"median {result['median'] * 1000:.2f} ms, p90 {result['p90'] * 1000:.2f} ms, "
        f"max {result['max'] * 1000:.2f} ms (budget: 2 ms)"
    )


if __name__ == "__main__":
    main()
