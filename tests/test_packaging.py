"""A plain, non-editable install carries the templates and works on its own."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from conftest import CODE, AwsEnv

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in ("awsenv", "shells"):
        shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    out = tmp_path_factory.mktemp("dist")
    # What `pip install .` does first; no build isolation, so no network.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(src),
        ],
        check=True,
        timeout=300,
    )
    (built,) = out.glob("awsenv-*.whl")
    return built


def test_wheel_contains_every_template(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {p.name for p in (REPO / "shells").glob("*.j2")}
    assert templates, "no templates in shells/"
    assert {f"awsenv/shells/{t}" for t in templates} <= names


def test_installed_wheel_exports_in_a_fresh_venv(wheel: Path, aws: AwsEnv, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        timeout=300,
    )
    # The runtime dependencies come from the test venv, added as a plain path:
    # its .pth files (the editable awsenv among them) are not processed.
    site = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            text=True,
        ).strip()
    )
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    where = subprocess.run(
        [
            str(python),
            "-c",
            "import awsenv.render.templates as r; print(r.__file__); print(r.template_dir())",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    ).stdout.split()
    assert all(line.startswith(str(venv)) for line in where), where

    aws.seed()
    proc = subprocess.run(
        [str(venv / "bin" / "awsenv"), "dev", "--shell", "bash", "--mfa-code", CODE],
        env=aws.environ,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        start_new_session=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "export AWS_PROFILE='dev'" in proc.stdout
