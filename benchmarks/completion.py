"""The cost of completion, as multiples of a bare `python -c pass`: the
completers' source `awsenv list --names` (budget: 2x), and one TAB in real
bash, which runs it through the completion function.

Interleaved in one run, so machine load affects each alike.

    .venv/bin/python benchmarks/completion.py [--runs 40]
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

from conftest import SEED_CONFIG, SEED_CREDENTIALS, isolated_environ  # noqa: E402

AWSENV = str(Path(sys.executable).parent / "awsenv")
# One TAB, as bash runs it: the completion function with COMP_WORDS set,
# timed as the difference from the same bash that only loads the integration.
TAB = 'COMP_WORDS=(awsenv d); COMP_CWORD=1; __awsenv_complete; printf "%s\\n" "${COMPREPLY[@]}"'


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        aws = root / "home" / ".aws"
        aws.mkdir(parents=True)
        (aws / "config").write_text(SEED_CONFIG)
        (aws / "credentials").write_text(SEED_CREDENTIALS)
        env = isolated_environ(root, "http://127.0.0.1:9")
        init = subprocess.run(
            [AWSENV, "init", "bash"], env=env, capture_output=True, text=True, check=True
        ).stdout
        script = root / "init.bash"
        script.write_text(init)
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "awsenv list --names": [AWSENV, "list", "--names"],
            "bash, integration loaded": ["bash", "--norc", "-c", f". {script}"],
            "bash, integration loaded, one TAB": ["bash", "--norc", "-c", f". {script}; {TAB}"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, argv in commands.items():
                times[name].append(timed(argv, env))
    median = {name: statistics.median(t) for name, t in times.items()}
    base = median["python -c pass"]
    tab = median["bash, integration loaded, one TAB"] - median["bash, integration loaded"]
    for name, value in median.items():
        print(f"{name:36} {value * 1000:7.1f} ms  {value / base:5.2f}x")
    print(f"{'one TAB (completion function only)':36} {tab * 1000:7.1f} ms  {tab / base:5.2f}x")


if __name__ == "__main__":
    main()
