"""The README's benchmark command after only the demo: benchmarks/run.py needs
none of the test dependencies (no pytest), and its table lands where git does
not see it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# pytest (and the other test-only packages) made unimportable, as in the demo's venv.
BLOCKED = ("pytest", "pexpect", "hypothesis", "xdist")
PROBE = f"""
import runpy, sys
for name in {BLOCKED!r}:
    sys.modules[name] = None
sys.argv = ["run.py", "--help"]
runpy.run_path({str(REPO / "benchmarks" / "run.py")!r}, run_name="__main__")
"""


def test_the_benchmark_starts_without_the_test_dependencies() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "--quick" in proc.stdout


def test_the_benchmarks_table_goes_where_git_does_not_see_it() -> None:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import run as bench
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    table = bench.RESULTS / "2026-01-01.md"
    assert table.is_relative_to(REPO)
    ignored = subprocess.run(
        ["git", "-C", str(REPO), "check-ignore", "-q", str(table.relative_to(REPO))],
        check=False,
    )
    assert ignored.returncode == 0, f"{table} would show as untracked"
    readme = (REPO / "README.md").read_text()
    assert ".cache/benchmarks/" in readme
