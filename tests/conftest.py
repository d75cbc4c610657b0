"""One fixture for everything a test needs: an isolated HOME with its own AWS
files and cache, and a real local STS (moto behind a strict proxy) on loopback.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

# The seed (tests/seed.py, free of pytest for the benchmark), as tests import it.
from seed import (  # noqa: F401
    ACCOUNT,
    CODE,
    DEFAULT_KEY_ID,
    DEFAULT_SECRET,
    LEGACY_SEED_CONFIG,
    MFA_SERIAL,
    SEED_CONFIG,
    SEED_CREDENTIALS,
    STANDARD_CONFIG,
    STANDARD_CREDENTIALS,
    isolated_environ,
)
from sts_server import LocalSts

AWSENV = str(Path(sys.executable).parent / "awsenv")

# `./scripts/test.sh &` from a shell without job control (`nohup ... &`, some
# CI runners) starts the suite with SIGINT ignored, and an ignored signal
# survives exec: every awsenv a test drives would ignore the Ctrl-C it types,
# as awsenv (like Python and the shells) keeps a disposition its parent chose.
# The tests play a person at a terminal, where SIGINT is not ignored: pytest
# takes Python's own handler back, and exec resets a handler to the default.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


# The one line a refresh says on stderr (awsenv/core/refreshed.py), e.g.
# `awsenv: dev: role dev in 123456789012 (eu-central-1) until 14:03 UTC`.
REFRESHED = re.compile(
    r"awsenv: .+: (role .+|MFA session of .+|credentials)( in \d{12})?( \([^()]+\))?"
    r"( until \d\d:\d\d \S+)?"
)


def besides_refresh(stderr: str) -> str:
    """stderr without the refresh line: what else a run said."""
    return "".join(
        line for line in stderr.splitlines(keepends=True) if not REFRESHED.fullmatch(line.rstrip())
    )


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


@dataclass
class AwsEnv:
    root: Path
    sts: LocalSts
    environ: dict[str, str] = field(default_factory=dict)

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def config(self) -> Path:
        return self.home / ".aws" / "config"

    @property
    def credentials(self) -> Path:
        return self.home / ".aws" / "credentials"

    @property
    def cache(self) -> Path:
        return self.root / "cache" / "awsenv"

    def write(self, config: str, credentials: str) -> None:
        self.config.parent.mkdir(parents=True, exist_ok=True)
        self.config.write_text(config)
        self.credentials.write_text(credentials)
        self.credentials.chmod(0o600)

    def seed(self) -> None:
        self.write(SEED_CONFIG, SEED_CREDENTIALS)

    def legacy_seed(self) -> None:
        self.write(LEGACY_SEED_CONFIG, SEED_CREDENTIALS)

    def standard(self) -> None:
        self.write(STANDARD_CONFIG, STANDARD_CREDENTIALS)

    def run(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        timeout: float = 60,
        wrapper: list[str] | None = None,
    ) -> Run:
        """The real entry point in a subprocess with no terminal (new session) and
        stdout captured, as under `eval "$(awsenv ...)"`; `wrapper` runs it under
        another program (faketime, say)."""
        proc = subprocess.run(
            [*(wrapper or []), AWSENV, *args],
            env={**self.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            start_new_session=True,
            check=False,
        )
        return Run(proc.returncode, proc.stdout.decode(), proc.stderr.decode())

    def command(
        self, argv: list[str], env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Any other program (a shell calling awsenv, say) in this environment,
        with no terminal, from the environment's root directory."""
        return subprocess.run(
            argv,
            env={**self.environ, **(env or {})},
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=60,
            start_new_session=True,
            check=False,
        )

    def snapshot(self) -> dict[str, bytes]:
        """Every byte awsenv might touch: the AWS files and the whole cache, but
        for lock files, which stay on disk by design and hold no state."""
        files = {}
        for base in (self.home / ".aws", self.cache):
            if base.exists():
                for path in sorted(base.rglob("*")):
                    if path.is_file() and path.parent.name != "locks":
                        files[str(path)] = path.read_bytes()
        return files


@pytest.fixture(scope="session")
def sts() -> Iterator[LocalSts]:
    server = LocalSts().start()
    server.add_user_keys(DEFAULT_KEY_ID, DEFAULT_SECRET)
    server.add_user_keys("AKIAEXAMPLEOTHER0001", "otherSecretKey00000000000000000000000001")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def aws(tmp_path: Path, sts: LocalSts) -> AwsEnv:
    sts.reset()
    sts.valid_code = CODE
    sts.check_keys = sts.check_signatures = True
    root = tmp_path / "env"
    (root / "home").mkdir(parents=True)
    return AwsEnv(root=root, sts=sts, environ=isolated_environ(root, sts.endpoint))


@contextlib.contextmanager
def botocore_session(aws: AwsEnv, profile: str | None = None) -> Iterator[Any]:
    """A botocore Session in this test's environment (its files, its STS), as
    another tool would build one from AWS_PROFILE: the second reader of the files."""
    import botocore.session

    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(aws.environ)
    if profile is not None:
        os.environ["AWS_PROFILE"] = profile
    try:
        yield botocore.session.Session()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def require(tool: str) -> None:
    """Skip when a shell or tool is missing, unless the run requires them all
    (.ci/run and the GitHub workflow set AWSENV_REQUIRE_ALL_SHELLS=1)."""
    if sys.platform == "win32" and tool != "pwsh":
        pytest.skip("POSIX shells are tested on Linux and macOS")
    if shutil.which(tool):
        return
    if os.environ.get("AWSENV_REQUIRE_ALL_SHELLS"):
        pytest.fail(f"{tool} is required (AWSENV_REQUIRE_ALL_SHELLS) but is not installed")
    pytest.skip(f"{tool} is not installed")
