"""Run real AWS clients against the credentials awsenv leaves behind.

Six independent readers of the AWS environment variables and config files,
each asked "who am I" (STS GetCallerIdentity) with only its own default chain:

* ``node``: the AWS SDK for JavaScript v3 (``tests/clients/whoami.mjs``,
  ``fromNodeProviderChain`` + ``STSClient``), the chain used by CDK,
  Serverless and most JS tooling.  It prefers ``AWS_PROFILE`` over
  ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` when both are set.
* ``awscli``: the AWS CLI v1 (botocore), installed in its own venv because it
  pins its own botocore.  It prefers the env keys.
* ``go2`` / ``go1``: the AWS SDK for Go v2 and v1
  (``tests/clients/go/whoami-v{2,1}``, built into ``.cache/go-clients``), the
  strictest readers: they refuse ``source_profile`` without ``role_arn``, and
  they validate the profile ``AWS_PROFILE`` names even when env keys are set.
* ``ruby``: the AWS SDK for Ruby v3 (``tests/clients/ruby/whoami.rb``).
* ``terraform``: the hashicorp/aws provider (aws-sdk-go-v2) reading
  ``aws_caller_identity`` (``tests/clients/terraform``).  Optional: it needs
  terraform and a local provider mirror, and costs seconds per call.

``bash tests/clients-setup.sh`` installs or builds them (the Go and Ruby SDKs
are Debian packages that ``.ci/run`` installs); terraform is only found.

:func:`whoami` runs one with *exactly* the given env, plus:

* the STS endpoint where that client reads it: ``AWSENV_TEST_STS_ENDPOINT``
  for the SDK programs (which set it in code: the Go SDKs and Ruby's do not
  read ``AWS_ENDPOINT_URL*``), ``AWS_ENDPOINT_URL_STS`` for the AWS CLI;
* ``PATH``: added only if missing (the client's own directory + ``os.defpath``);
* ``HOME``: if missing, a fresh empty temporary directory, so the real
  ``~/.aws`` is never read;
* ``AWS_EC2_METADATA_DISABLED=true``: added only if missing (always, for
  terraform), so a chain that finds nothing fails at once instead of probing
  the instance metadata address.

``profile`` names the profile *in code* (``--profile``): the SDK's own
profile option, not ``AWS_PROFILE``.  stdin is ``/dev/null`` and the child
runs in a new session (no controlling terminal), so a client that tries to
prompt fails instead of hanging; on a timeout its whole process group is
killed.  The STS endpoint must be a loopback http URL: the functions refuse to
run without one, so a test can never reach real AWS.  To run a client under a
pseudo-terminal instead, use :func:`client_argv` and :func:`client_env`.

Stdlib only: this module is imported by pytest from the project venv.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
CLIENTS_DIR = REPO / "tests" / "clients"
WHOAMI_JS = CLIENTS_DIR / "whoami.mjs"
WHOAMI_RB = CLIENTS_DIR / "ruby" / "whoami.rb"
WHOAMI_TF = CLIENTS_DIR / "terraform" / "whoami.py"
GO_SOURCES = CLIENTS_DIR / "go"
GO_BUILDS = REPO / ".cache" / "go-clients"
GO_PROGRAMS = {"go2": "whoami-v2", "go1": "whoami-v1"}
DEBIAN_PACKAGES = CLIENTS_DIR / "debian-packages"
NODE_PACKAGES = ("@aws-sdk/client-sts", "@aws-sdk/credential-providers")
DEFAULT_AWSCLI = REPO / ".cache" / "awscli-venv" / "bin" / "aws"
INSTALL_COMMAND = "bash tests/clients-setup.sh"
DEFAULT_TIMEOUT = 60.0
# Each start of the 700 MB provider costs seconds of CPU, and a call starts two.
TERRAFORM_TIMEOUT = 240.0
MIN_NODE_MAJOR = 20
ENDPOINT_VARS = ("AWSENV_TEST_STS_ENDPOINT", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL")
# terraform's implied local mirrors, searched before the `find / -maxdepth 3` way.
TERRAFORM_MIRRORS = (
    "~/.terraform.d/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
)

__all__ = [
    "CLIENTS",
    "INSTALL_COMMAND",
    "OPTIONAL_CLIENTS",
    "ClientFailed",
    "ClientResult",
    "ClientUnavailable",
    "available",
    "awscli_path",
    "awscli_whoami",
    "client_argv",
    "client_env",
    "node_path",
    "node_whoami",
    "run_awscli_whoami",
    "run_node_whoami",
    "whoami",
]

CLIENTS = ("node", "awscli", "go2", "go1", "ruby", "terraform")
# A missing optional client is a skip, even in CI; the others are required there.
OPTIONAL_CLIENTS = ("terraform",)


class ClientFailed(RuntimeError):
    """The client ran and failed (non-zero exit, bad output or timeout).

    ``stderr`` holds the client's stderr: for the JS client one line
    ``<ErrorName>: <message>`` plus any SDK warnings; for the Go clients the
    SDK's error message; for Ruby ``<ErrorClass>: <message>``; for terraform
    its diagnostics.
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
    # The key of the credentials the client resolved (which signed the call);
    # None where the client cannot tell (awscli, terraform).
    access_key_id: str | None = None


# --------------------------------------------------------------------------
# locating the tools


def node_path() -> str | None:
    """The node executable: ``$AWSENV_NODE`` or ``node`` on this process's PATH."""
    return _executable("AWSENV_NODE", "node")


def awscli_path() -> Path:
    """The AWS CLI v1: ``$AWSENV_AWSCLI`` or ``<repo>/.cache/awscli-venv/bin/aws``."""
    override = os.environ.get("AWSENV_AWSCLI")
    return Path(override) if override else DEFAULT_AWSCLI


def ruby_path() -> str | None:
    """The ruby executable: ``$AWSENV_RUBY`` or ``ruby`` on this process's PATH."""
    return _executable("AWSENV_RUBY", "ruby")


def terraform_path() -> str | None:
    """The terraform executable: ``$AWSENV_TERRAFORM`` or ``terraform`` on PATH."""
    return _executable("AWSENV_TERRAFORM", "terraform")


def _executable(override_var: str, name: str) -> str | None:
    override = os.environ.get(override_var)
    if override:
        return override if os.access(override, os.X_OK) else None
    return shutil.which(name)


def terraform_mirror() -> Path | None:
    """A filesystem mirror holding the hashicorp/aws provider for this platform:
    ``$AWSENV_TERRAFORM_MIRROR``, terraform's implied local mirrors, or the
    parent of a ``registry.terraform.io`` directory at most three levels below /."""
    override = os.environ.get("AWSENV_TERRAFORM_MIRROR")
    if override:
        return Path(override) if _holds_aws_provider(Path(override)) else None
    return _search_mirror()


@functools.cache
def _search_mirror() -> Path | None:
    candidates = [Path(p).expanduser() for p in TERRAFORM_MIRRORS]
    for top in _subdirs(Path("/"), skip={"proc", "sys", "dev", "run"}):
        candidates.append(top)
        candidates.extend(_subdirs(top))
    return next((c for c in candidates if _holds_aws_provider(c)), None)


def _subdirs(path: Path, skip: Collection[str] = ()) -> list[Path]:
    try:
        with os.scandir(path) as entries:
            return [
                Path(e.path)
                for e in entries
                if e.name not in skip and e.is_dir(follow_symlinks=False)
            ]
    except OSError:
        return []


def _holds_aws_provider(mirror: Path) -> bool:
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)
    pattern = f"*/{sys.platform}_{arch}/terraform-provider-aws*"
    return any((mirror / "registry.terraform.io" / "hashicorp" / "aws").glob(pattern))


def go_client_path(client: str) -> Path:
    """Where clients-setup.sh builds the Go client ``go2`` or ``go1``."""
    return GO_BUILDS / GO_PROGRAMS[client]


def go_sources_sha256(client: str) -> str:
    """The stamp clients-setup.sh writes beside a Go client it built: the sha256
    of the shared package's sources, then the program's."""
    digest = hashlib.sha256()
    for folder in ("awsenvtest", GO_PROGRAMS[client]):
        for source in sorted((GO_SOURCES / folder).glob("*.go")):
            digest.update(source.read_bytes())
    return digest.hexdigest()


# --------------------------------------------------------------------------
# what is missing, per client (None: ready to run)


def _install_hint() -> str:
    packages = " ".join(DEBIAN_PACKAGES.read_text().split())
    return f"run: {INSTALL_COMMAND}  (it needs the Debian packages {packages})"


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


def _go_problem(client: str) -> str | None:
    binary = go_client_path(client)
    stamp = binary.with_name(binary.name + ".sha256")
    if not os.access(binary, os.X_OK):
        return f"the Go client {binary} is not built; {_install_hint()}"
    if not stamp.is_file() or stamp.read_text().strip() != go_sources_sha256(client):
        return f"{binary} was built from other sources than {GO_SOURCES}; run: {INSTALL_COMMAND}"
    return None


def _ruby_problem() -> str | None:
    ruby = ruby_path()
    if ruby is None:
        return f"ruby not found on PATH (or set AWSENV_RUBY); {_install_hint()}"
    return _ruby_sdk_problem(ruby)


@functools.cache
def _ruby_sdk_problem(ruby: str) -> str | None:
    try:
        proc = subprocess.run(
            [ruby, "-e", 'require "aws-sdk-core"'],
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"cannot run {ruby}: {exc}"
    if proc.returncode != 0:
        return f"{ruby} cannot load aws-sdk-core ({proc.stderr.strip()}); {_install_hint()}"
    return None


def _terraform_problem() -> str | None:
    terraform = terraform_path()
    if terraform is None:
        return "terraform not found on PATH (or set AWSENV_TERRAFORM)"
    if terraform_mirror() is None:
        return (
            "no filesystem mirror holds registry.terraform.io/hashicorp/aws for this "
            "platform (set AWSENV_TERRAFORM_MIRROR); terraform must never reach the registry"
        )
    return None


_PROBLEMS: dict[str, Callable[[], str | None]] = {
    "node": _node_problem,
    "awscli": _awscli_problem,
    "go2": lambda: _go_problem("go2"),
    "go1": lambda: _go_problem("go1"),
    "ruby": _ruby_problem,
    "terraform": _terraform_problem,
}


def available() -> dict[str, str | None]:
    """``{client: None | why-missing}`` for every client in :data:`CLIENTS`.

    ``None`` means the client is ready to run.
    """
    return {client: _PROBLEMS[client]() for client in CLIENTS}


def _require(client: str) -> None:
    if client not in _PROBLEMS:
        raise ValueError(f"unknown client {client!r}; one of {', '.join(CLIENTS)}")
    problem = _PROBLEMS[client]()
    if problem is not None:
        raise ClientUnavailable(f"{client}: {problem}")


# --------------------------------------------------------------------------
# how each one is run


def client_argv(client: str, profile: str | None = None) -> list[str]:
    """The command :func:`whoami` runs for ``client``; ``profile`` is named in
    code.  Raises :class:`ClientUnavailable` if the client is missing."""
    _require(client)
    return _argv(client, profile)


def _argv(client: str, profile: str | None) -> list[str]:
    named = [] if profile is None else ["--profile", profile]
    if client == "node":
        node = node_path()
        assert node is not None  # checked by _require
        return [node, str(WHOAMI_JS), *named]
    if client == "awscli":
        return [str(awscli_path()), "sts", "get-caller-identity", "--output", "json", *named]
    if client in GO_PROGRAMS:
        return [str(go_client_path(client)), *named]
    if client == "ruby":
        ruby = ruby_path()
        assert ruby is not None
        return [ruby, str(WHOAMI_RB), *named]
    return [sys.executable, str(WHOAMI_TF), *named]


def _local_endpoint(client: str, env: Mapping[str, str]) -> str:
    """The first endpoint of ENDPOINT_VARS in env; each one set must be loopback
    (a client may read another of them: the AWS CLI reads only the last two)."""
    endpoints = [env[var] for var in ENDPOINT_VARS if env.get(var)]
    if not endpoints:
        raise ValueError(
            f"{client} needs a local STS endpoint in env ({', '.join(ENDPOINT_VARS)}): "
            "it never talks to real AWS"
        )
    for endpoint in endpoints:
        if not _is_loopback_http(endpoint):
            raise ValueError(
                f"{client}: the STS endpoint {endpoint!r} is not a loopback http URL: "
                "it never talks to real AWS"
            )
    return endpoints[0]


def _is_loopback_http(url: str) -> bool:
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
    return parts.scheme == "http" and loopback


def client_env(client: str, env: Mapping[str, str]) -> dict[str, str]:
    """The env :func:`whoami` gives ``client``: ``env`` plus the STS endpoint
    where the client reads it and the defaults in the module docstring.

    ``env`` must hold a ``HOME`` (the real ``~/.aws`` must never be read) and a
    loopback STS endpoint in one of ``AWSENV_TEST_STS_ENDPOINT``,
    ``AWS_ENDPOINT_URL_STS`` or ``AWS_ENDPOINT_URL``; else ValueError.
    Raises :class:`ClientUnavailable` if the client is missing.
    """
    _require(client)
    return _env(client, env)


def _env(client: str, env: Mapping[str, str]) -> dict[str, str]:
    for key, value in env.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"env must map str to str, got {key!r}: {value!r}")
    if "HOME" not in env:
        raise ValueError(f"{client} needs a HOME in env: the real ~/.aws must never be read")
    endpoint = _local_endpoint(client, env)
    child = dict(env)
    if client == "awscli":
        if not (env.get("AWS_ENDPOINT_URL_STS") or env.get("AWS_ENDPOINT_URL")):
            child["AWS_ENDPOINT_URL_STS"] = endpoint
    else:
        child["AWSENV_TEST_STS_ENDPOINT"] = endpoint
    if "PATH" not in child:
        exe = _argv(client, None)[0]
        child["PATH"] = os.pathsep.join([str(Path(exe).parent), os.defpath.lstrip(":")])
    child.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    if client == "terraform":
        mirror = terraform_mirror()
        terraform = terraform_path()
        assert mirror is not None and terraform is not None  # checked by _require
        child["AWSENV_TERRAFORM"] = terraform
        child["AWSENV_TERRAFORM_MIRROR"] = str(mirror)
        child["AWS_EC2_METADATA_DISABLED"] = "true"
    return child


def whoami(
    client: str,
    env: Mapping[str, str],
    *,
    profile: str | None = None,
    timeout: float | None = None,
) -> ClientResult:
    """Identity as ``client`` (one of :data:`CLIENTS`) resolves it from ``env``.

    ``profile`` is named in code (``--profile``), not through ``AWS_PROFILE``.
    ``timeout`` defaults to :data:`DEFAULT_TIMEOUT` (:data:`TERRAFORM_TIMEOUT`
    for terraform).  Raises :class:`ClientFailed`, :class:`ClientUnavailable`,
    or ValueError without a loopback STS endpoint.
    """
    argv = client_argv(client, profile)
    if timeout is None:
        timeout = TERRAFORM_TIMEOUT if client == "terraform" else DEFAULT_TIMEOUT
    with tempfile.TemporaryDirectory(prefix=f"awsenv-{client}-home-") as home:
        child_env = _env(client, {"HOME": home, **env})
        cwd = child_env["HOME"] if os.path.isdir(child_env["HOME"]) else home
        started = time.monotonic()
        returncode, stdout, stderr = _run(client, argv, child_env, cwd, timeout)
        seconds = time.monotonic() - started
    if returncode != 0:
        raise ClientFailed(stderr, client=client, returncode=returncode, stdout=stdout)
    try:
        data = json.loads(stdout)
        identity = {"Arn": data["Arn"], "Account": data["Account"]}
        access_key_id = data.get("AccessKeyId")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ClientFailed(
            f"unparseable output ({exc}): {stdout!r}\n{stderr}",
            client=client,
            returncode=returncode,
            stdout=stdout,
        ) from None
    return ClientResult(client, identity, stdout, stderr, seconds, access_key_id)


def _run(
    client: str, argv: list[str], env: dict[str, str], cwd: str, timeout: float
) -> tuple[int, str, str]:
    proc = subprocess.Popen(
        argv,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # no controlling terminal: /dev/tty fails
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # The whole group: terraform's provider, a credential_process, ...
        os.killpg(proc.pid, signal.SIGKILL)
        _, stderr = proc.communicate()
        raise ClientFailed(
            f"timed out after {timeout:g}s (a prompt waiting for input?)\n{stderr}",
            client=client,
        ) from None
    return proc.returncode, stdout, stderr


# --------------------------------------------------------------------------
# the first two clients' own names, kept for the tests that use them


def run_node_whoami(env: dict[str, str], *, timeout: float = DEFAULT_TIMEOUT) -> ClientResult:
    """Like :func:`node_whoami` but also returns the client's stderr and timing."""
    return whoami("node", env, timeout=timeout)


def run_awscli_whoami(env: dict[str, str], *, timeout: float = DEFAULT_TIMEOUT) -> ClientResult:
    """Like :func:`awscli_whoami` but also returns the client's stderr and timing."""
    return whoami("awscli", env, timeout=timeout)


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
