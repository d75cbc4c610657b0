"""The suite started with SIGINT ignored (`nohup ./scripts/test.sh &`): the
tests that type Ctrl-C at awsenv still pass, rather than time out."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
INTERRUPTING = [
    "test_prompt.py::test_interrupt_at_the_prompt_changes_nothing",
    "test_races.py::test_interrupt_while_waiting_exits_130_and_changes_nothing",
]


def ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_ctrl_c_tests_pass_when_the_suite_starts_with_sigint_ignored() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:xdist",
            "-p",
            "no:cacheprovider",
            "-q",
            *(str(TESTS / t) for t in INTERRUPTING),
        ],
        preexec_fn=ignore_sigint,  # what `cmd &` does without job control
        cwd=TESTS.parent,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert f"{len(INTERRUPTING)} passed" in proc.stdout
