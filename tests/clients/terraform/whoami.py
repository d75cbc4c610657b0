"""terraform as a reader of the credentials awsenv leaves behind.

    python whoami.py [--profile NAME]

The hashicorp/aws provider (aws-sdk-go-v2 underneath) resolves the credentials
with its own chain; ``--profile`` names the profile in the provider block
instead of AWS_PROFILE. ``main.tf`` beside this file reads
``data.aws_caller_identity``; ``terraform console -plan`` evaluates it (one plan,
two provider starts: each start of this provider costs seconds) and this prints
one JSON line ``{"Arn", "Account", "UserId", "AccessKeyId": null}`` (the
provider never shows its keys). On failure: terraform's diagnostics on stderr,
exit 1; a bad invocation exits 2.

Env, besides what the provider reads:

* ``AWSENV_TEST_STS_ENDPOINT``: a loopback http URL, the only endpoint set;
* ``AWSENV_TERRAFORM``: the terraform executable;
* ``AWSENV_TERRAFORM_MIRROR``: a filesystem mirror that holds
  ``registry.terraform.io/hashicorp/aws``: the only place providers come from;
* ``AWSENV_TERRAFORM_CACHE``: where initialised working directories are kept
  (default ``<repo>/.cache/terraform``), one per (main.tf, mirror, terraform),
  so ``terraform init`` runs once, not per call.

Stdlib only.
"""

from __future__ import annotations

import argparse
import configparser
import contextlib
import hashlib
import ipaddress
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
MAIN_TF = HERE / "main.tf"
DEFAULT_CACHE = HERE.parents[2] / ".cache" / "terraform"
# A profile without a region must still work, as in the other test clients.
FALLBACK_REGION = "us-east-1"
IDENTITY = (
    "jsonencode({Arn = data.aws_caller_identity.me.arn,"
    " Account = data.aws_caller_identity.me.account_id,"
    " UserId = data.aws_caller_identity.me.user_id})\n"
)
# terraform 1.11 `console -plan` panics after a plan that failed; what it said
# before the banner is the real error.
CRASH_BANNER = "!!!!!!!!!!!!!!!!!!!!!!!!!!! TERRAFORM CRASH"
# Only the logging knobs of the caller's TF_* reach terraform.
KEPT_TF_VARS = ("TF_LOG", "TF_LOG_PATH", "TF_LOG_PROVIDER", "TF_LOG_CORE")


class Refused(Exception):
    """A bad invocation: exit 2."""


def sts_endpoint(env: dict[str, str]) -> str:
    raw = env.get("AWSENV_TEST_STS_ENDPOINT", "")
    if not raw:
        raise Refused("AWSENV_TEST_STS_ENDPOINT is not set; refusing to talk to real AWS")
    url = urlsplit(raw)
    host = url.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if url.scheme != "http" or not loopback:
        raise Refused(
            f"AWSENV_TEST_STS_ENDPOINT={raw!r} is not a loopback http URL; "
            "refusing to talk to real AWS"
        )
    return raw


def cli_config(mirror: str) -> str:
    """Providers from the mirror only: no registry, no network installation."""
    return (
        "disable_checkpoint = true\n"
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f"    path    = {json.dumps(mirror)}\n"
        '    include = ["registry.terraform.io/hashicorp/aws"]\n'
        "  }\n"
        "}\n"
    )


def initialised(terraform: str, mirror: str, cache: Path) -> Path:
    """A directory holding main.tf, cli.tfrc and what `terraform init` made of them.

    Made once per (main.tf, mirror, terraform binary); concurrent callers each
    init into a scratch directory and the first rename wins.
    """
    main_tf = MAIN_TF.read_bytes()
    config = cli_config(mirror)
    binary = Path(terraform).resolve()
    stat = binary.stat()
    stamp = f"{binary}\0{stat.st_size}\0{stat.st_mtime_ns}\0{config}".encode()
    key = hashlib.sha256(stamp + b"\0" + main_tf).hexdigest()[:16]
    final = cache / key
    if (final / ".terraform.lock.hcl").is_file():
        return final
    cache.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="init-", dir=cache))
    try:
        (scratch / "main.tf").write_bytes(main_tf)
        (scratch / "cli.tfrc").write_text(config)
        proc = subprocess.run(
            [terraform, "init", "-input=false", "-no-color", "-backend=false"],
            cwd=scratch,
            env=terraform_env(dict(os.environ), scratch),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"terraform init failed:\n{proc.stdout}{proc.stderr}")
        try:
            scratch.rename(final)
        except OSError:  # another caller's init won the race
            if not (final / ".terraform.lock.hcl").is_file():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return final


def terraform_env(env: dict[str, str], prepared: Path) -> dict[str, str]:
    child = {k: v for k, v in env.items() if not k.startswith("TF_") or k in KEPT_TF_VARS}
    child.update(
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
        CHECKPOINT_DISABLE="1",
        TF_CLI_CONFIG_FILE=str(prepared / "cli.tfrc"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    # The provider spends most of a start building its schema; fewer garbage
    # collections cut its CPU time by about a quarter for ~150 MB more memory.
    child.setdefault("GOGC", "400")
    return child


def region_found(env: dict[str, str], profile: str | None) -> bool:
    """Whether the provider's chain finds a region: the env, or the profile's
    own ``region`` in the config file (aws-sdk-go-v2 does not fall back to
    [default]). Only then is the region left to it."""
    if env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"):
        return True
    path = env.get("AWS_CONFIG_FILE") or str(Path(env.get("HOME", "/nonexistent"), ".aws/config"))
    name = profile or env.get("AWS_PROFILE") or "default"
    sections = ["default", "profile default"] if name == "default" else [f"profile {name}"]
    parser = configparser.RawConfigParser(strict=False)
    with contextlib.suppress(OSError, configparser.Error):
        parser.read(path)
    return any(parser.has_option(section, "region") for section in sections)


def diagnostics(output: str) -> str:
    head, banner, tail = output.partition(CRASH_BANNER)
    message = head.rstrip("! \n")
    if banner:
        panic = next((line for line in tail.splitlines() if line.startswith("panic:")), "")
        message += f"\n(terraform console -plan then crashed: {panic or 'no panic line'})"
    return message.strip()


def identity(stdout: str) -> dict[str, str]:
    # console prints the string as an HCL literal: JSON escapes, plus $${ and %%{.
    text = json.loads(stdout.strip()).replace("$${", "${").replace("%%{", "%{")
    data = json.loads(text)
    return {"Arn": data["Arn"], "Account": data["Account"], "UserId": data["UserId"]}


def whoami(profile: str | None) -> int:
    env = dict(os.environ)
    endpoint = sts_endpoint(env)
    terraform = env.get("AWSENV_TERRAFORM")
    mirror = env.get("AWSENV_TERRAFORM_MIRROR")
    if not terraform or not mirror:
        raise Refused("AWSENV_TERRAFORM and AWSENV_TERRAFORM_MIRROR must both be set")
    cache = Path(env.get("AWSENV_TERRAFORM_CACHE") or DEFAULT_CACHE)
    prepared = initialised(terraform, mirror, cache)
    child = terraform_env(env, prepared)
    child["TF_VAR_sts_endpoint"] = endpoint
    if profile is not None:
        child["TF_VAR_profile"] = profile
    if not region_found(env, profile):
        child["TF_VAR_region"] = FALLBACK_REGION
    with tempfile.TemporaryDirectory(prefix="awsenv-terraform-") as work:
        for name in ("main.tf", ".terraform.lock.hcl"):
            shutil.copy2(prepared / name, work)
        shutil.copytree(prepared / ".terraform", Path(work, ".terraform"), symlinks=True)
        proc = subprocess.run(
            [terraform, "console", "-plan", "-no-color"],
            cwd=work,
            env=child,
            input=IDENTITY,
            capture_output=True,
            text=True,
            check=False,
        )
    if proc.returncode != 0:
        print(diagnostics(proc.stderr + proc.stdout), file=sys.stderr)
        return 1
    try:
        found = identity(proc.stdout)
    except (ValueError, KeyError, TypeError) as exc:
        print(f"unparseable terraform console output ({exc}): {proc.stdout!r}", file=sys.stderr)
        return 1
    print(json.dumps({**found, "AccessKeyId": None}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="terraform's view of who the AWS env is")
    parser.add_argument("--profile", help="profile to name in the provider block")
    args = parser.parse_args(argv)
    try:
        return whoami(args.profile)
    except Refused as exc:
        print(f"whoami.py: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
