"""Run real AWS clients against the credentials awsenv leaves behind.

Two independent readers of the AWS environment variables and config files:

* ``node``: the AWS SDK for JavaScript v3 (``tests/clients/whoami.mjs``,
  ``fromNodeProviderChain`` + ``STSClient``), the chain used by CDK,
  Serverless and most JS tooling.  It prefers ``AWS_PROFILE`` over
  ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` when both are set.
* ``awscli``: the AWS CLI v1 (botocore), installed in its own venv because it
  pins its own botocore.  It prefers the env keys.

Both are installed by ``bash tests/clients-setup.sh``.

Each call runs the client as a subprocess with *exactly* the given env, plus:

* ``PATH``: added only if missing (the client's own directory + ``os.defpath``);
* ``HOME``: if missing, a fresh empty temporary directory, so the real
  ``~/.aws`` is never read;
* ``AWS_EC2_METADATA_DISABLED=true``: added only if missing, so a chain that
  finds nothing fails at once instead of probing the instance metadata address.

stdin is ``/dev/null`` and the child runs in a new session (no controlling
terminal), so a client that tries to prompt fails instead of hanging.  The STS
endpoint must be local: the functions refuse to run without one, so a test can
never reach real AWS.

Stdlib only: this module is imported by pytest from the project venv.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLIENTS_DIR = REPO / "tests" / "clients"
WHOAMI_JS = CLIENTS_DIR / "whoami.mjs"
NODE_PACKAGES = ("@aws-sdk/client-sts", "@aws-sdk/credential-providers")
DEFAULT_AWSCLI = REPO / ".cache" / "awscli-venv" / "bin" / "aws"
INSTALL_COMMAND = "bash tests/clients-setup.sh"
DEFAULT_TIMEOUT = 60.0
MIN_NODE_MAJOR = 20

__all__ = [
    "CLIENTS",
    "ClientFailed",
    "ClientResult",
    "ClientUnavailable",
    "available",
    "awscli_path",
    "awscli_whoami",
    "node_path",
    "node_whoami",
    "run_awscli_whoami",
    "run_node_whoami",
]

CLIENTS = ("node", "awscli")


class ClientFailed(RuntimeError):
    """The client ran and failed (non-zero exit, bad output or timeout).

    ``stderr`` holds the client's stderr (for the JS client one line
    ``<ErrorName>: <message>``, plus any SDK warnings).
    """

    def __init__(
        self,
        stderr: str,
        *,
        client: str = "",
        returncode: int | None = None,
        stdout: str = "",
    ) -> None:
        self.stderr = stderr
        self.client = client
        self.returncode = returncode
        self.stdout = stdout
        head = f"{client} failed" if client else "client failed"
        if returncode is not None:
            head += f" (exit {returncode})"
        super().__init__(f"{head}: {stderr.strip() or stdout.strip() or '<no output>'}")


class ClientUnavailable(RuntimeError):
    """The client is not installed.  Deliberately *not* a ClientFailed, so a
    test expecting a failure cannot pass just because the tool is missing."""


@dataclass(frozen=True)
class ClientResult:
    client: str
    identity: dict[str, str]  # {"Arn": ..., "Account": ...}
    stdout: str
    stderr: str  # warnings the client printed while succeeding
    seconds: float


# --------------------------------------------------------------------------
# locating the tools


def node_path() -> str | None:
    """The node executable: ``$AWSENV_NODE`` or ``node`` on this process's PATH."""
    override = os.environ.get("AWSENV_NODE")
    if override:
        return override if os.access(override, os.X_OK) else None
    return shutil.which("node")


def awscli_path() -> Path:
    """The AWS CLI v1: ``$AWSENV_AWSCLI`` or ``<repo>/.cache/awscli-venv/bin/aws``."""
    override = os.environ.get("AWSENV_AWSCLI")
    return Path(override) if override else DEFAULT_AWSCLI


def _node_problem() -> str | None:
    node = node_path()
    if node is None:
        return f"node not found on PATH (need node >= {MIN_NODE_MAJOR}; or set AWSENV_NODE)"
    try:
        out = subprocess.run(
            [node, "--version"],
            capture_output=True,
            text=True,
            timeout=15,
            stdin=subprocess.DEVNULL,
        )
        major = int(out.stdout.strip().lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        return f"cannot run {node} --version: {exc}"
    if major < MIN_NODE_MAJOR:
        return f"{node} is node {out.stdout.strip()}, need >= {MIN_NODE_MAJOR}"
    for pkg in NODE_PACKAGES:
        if not (CLIENTS_DIR / "node_modules" / pkg / "package.json").is_file():
            return (
                f"{pkg} is not installed in {CLIENTS_DIR / 'node_modules'}; "
                f"run: {INSTALL_COMMAND}  (or: cd tests/clients && npm ci)"
            )
    if not WHOAMI_JS.is_file():
        return f"{WHOAMI_JS} is missing"
    return None


def _awscli_problem() -> str | None:
    aws = awscli_path()
    if not aws.exists():
        return (
            f"AWS CLI v1 not found at {aws}; run: {INSTALL_COMMAND}  "
            "(or point AWSENV_AWSCLI at an aws executable)"
        )
    if not os.access(aws, os.X_OK):
        return f"{aws} is not executable"
    return None


def available() -> dict[str, str | None]:
    """``{"node": None | why-missing, "awscli": None | why-missing}``.

    ``None`` means the client is ready to run.
    """
    return {"node": _node_problem(), "awscli": _awscli_problem()}


# --------------------------------------------------------------------------
# running them


def _child_env(env: dict[str, str], exe: str, home: str) -> dict[str, str]:
    child = dict(env)
    for key, value in child.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"env must map str to str, got {key!r}: {value!r}")
    if "PATH" not in child:
        child["PATH"] = os.pathsep.join([str(Path(exe).parent), os.defpath.lstrip(":")])
    child.setdefault("HOME", home)
    child.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    return child


def _run(client: str, argv: list[str], env: dict[str, str], timeout: float) -> ClientResult:
    with tempfile.TemporaryDirectory(prefix=f"awsenv-{client}-home-") as home:
        child_env = _child_env(env, argv[0], home)
        started = time.monotonic()
        try:
            proc = subprocess.run(
                argv,
                env=child_env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                start_new_session=True,  # no controlling terminal: /dev/tty fails
                cwd=child_env["HOME"] if os.path.isdir(child_env["HOME"]) else home,
            )
        except subprocess.TimeoutExpired as exc:
            stderr = exc.stderr or b""
            if isinstance(stderr, bytes):
                stderr = stderr.decode(errors="replace")
            raise ClientFailed(
                f"timed out after {timeout:g}s (a prompt waiting for input?)\n{stderr}",
                client=client,
            ) from None
        seconds = time.monotonic() - started
    if proc.returncode != 0:
        raise ClientFailed(
            proc.stderr, client=client, returncode=proc.returncode, stdout=proc.stdout
        )
    try:
        data = json.loads(proc.stdout)
        identity = {"Arn": data["Arn"], "Account": data["Account"]}
    except (ValueError, KeyError, TypeError) as exc:
        raise ClientFailed(
            f"unparseable output ({exc}): {proc.stdout!r}\n{proc.stderr}",
            client=client,
            returncode=proc.returncode,
            stdout=proc.stdout,
        ) from None
    return ClientResult(client, identity, proc.stdout, proc.stderr, seconds)


def _require(client: str) -> None:
    problem = available()[client]
    if problem is not None:
        raise ClientUnavailable(f"{client}: {problem}")


def run_node_whoami(env: dict[str, str], *, timeout: float = DEFAULT_TIMEOUT) -> ClientResult:
    """Like :func:`node_whoami` but also returns the client's stderr and timing."""
    _require("node")
    env = dict(env)
    if "AWSENV_TEST_STS_ENDPOINT" not in env:
        endpoint = env.get("AWS_ENDPOINT_URL_STS") or env.get("AWS_ENDPOINT_URL")
        if not endpoint:
            raise ValueError(
                "node_whoami needs AWSENV_TEST_STS_ENDPOINT (or AWS_ENDPOINT_URL_STS) "
                "in env: it never talks to real AWS"
            )
        env["AWSENV_TEST_STS_ENDPOINT"] = endpoint
    node = node_path()
    assert node is not None  # checked by _require
    return _run("node", [node, str(WHOAMI_JS)], env, timeout)


def run_awscli_whoami(env: dict[str, str], *, timeout: float = DEFAULT_TIMEOUT) -> ClientResult:
    """Like :func:`awscli_whoami` but also returns the client's stderr and timing."""
    _require("awscli")
    if not (env.get("AWS_ENDPOINT_URL_STS") or env.get("AWS_ENDPOINT_URL")):
        raise ValueError(
            "awscli_whoami needs AWS_ENDPOINT_URL_STS (or AWS_ENDPOINT_URL) in env: "
            "it never talks to real AWS"
        )
    argv = [str(awscli_path()), "sts", "get-caller-identity", "--output", "json"]
    return _run("awscli", argv, env, timeout)


def node_whoami(env: dict[str, str], *, timeout: float = DEFAULT_TIMEOUT) -> dict[str, str]:
    """Identity as the AWS SDK for JavaScript v3 resolves it from ``env``.

    Returns ``{"Arn": ..., "Account": ...}``; raises :class:`ClientFailed`
    (e.g. stderr ``MfaPromptRequested: MFA prompt requested ...`` when the
    chain wanted an MFA code) or :class:`ClientUnavailable`.
    """
    return run_node_whoami(env, timeout=timeout).identity


def awscli_whoami(env: dict[str, str], *, timeout: float = DEFAULT_TIMEOUT) -> dict[str, str]:
    """Identity as the AWS CLI v1 resolves it from ``env``
    (``aws sts get-caller-identity``; the endpoint comes from
    ``AWS_ENDPOINT_URL_STS`` in ``env``, never from ``--endpoint-url``).

    Returns ``{"Arn": ..., "Account": ...}``; raises :class:`ClientFailed` or
    :class:`ClientUnavailable`.
    """
    return run_awscli_whoami(env, timeout=timeout).identity
