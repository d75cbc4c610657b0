"""The test suite's seed: the AWS files, keys and code every test and the
benchmark (benchmarks/run.py) start from, and the isolated environment they run
in. No pytest here: the benchmark runs in a venv with only the demo's packages.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ACCOUNT = "123456789012"
MFA_SERIAL = f"arn:aws:iam::{ACCOUNT}:mfa/alice"
DEFAULT_KEY_ID = "AKIAEXAMPLEALICE0001"
DEFAULT_SECRET = "aliceSecretKey0000000000000000000000000001"
CODE = "123456"

# The seed layout: long-term keys in [default], an MFA session profile [mfa]
# and a role over it. Comments and odd spacing are there on purpose: awsenv
# must leave every byte outside [mfa] alone.
SEED_CONFIG = f"""\
[default]
region = eu-west-1

[profile mfa]
awsenv_source_profile = default
mfa_serial = {MFA_SERIAL}

[profile dev]
role_arn = arn:aws:iam::{ACCOUNT}:role/dev
source_profile = mfa
region = eu-central-1

[profile prod]
role_arn = arn:aws:iam::{ACCOUNT}:role/prod
source_profile = mfa
"""

# The session profile as earlier versions of `awsenv setup` and the README wrote
# it: `source_profile` without `role_arn`, which the Go SDK refuses.
LEGACY_SEED_CONFIG = SEED_CONFIG.replace(
    "awsenv_source_profile = default", "source_profile = default"
)

SEED_CREDENTIALS = f"""\
# Alice's keys -- managed by hand
[default]
aws_access_key_id = {DEFAULT_KEY_ID}
aws_secret_access_key = {DEFAULT_SECRET}

;  old stuff, keep
#[legacy]
#aws_access_key_id=AKIAOLD

[other]
aws_access_key_id=AKIAEXAMPLEOTHER0001
aws_secret_access_key  =  otherSecretKey00000000000000000000000001
"""

# The standard layout: roles with their own mfa_serial over long-term keys.
STANDARD_CONFIG = f"""\
[default]
region = us-west-2

[profile dev]
role_arn = arn:aws:iam::{ACCOUNT}:role/dev
source_profile = default
mfa_serial = {MFA_SERIAL}

[profile prod]
role_arn = arn:aws:iam::{ACCOUNT}:role/prod
source_profile = default
mfa_serial = {MFA_SERIAL}
region = eu-north-1
"""

STANDARD_CREDENTIALS = f"""\
[default]
aws_access_key_id = {DEFAULT_KEY_ID}
aws_secret_access_key = {DEFAULT_SECRET}
"""


def isolated_environ(root: Path, endpoint: str) -> dict[str, str]:
    home = root / "home"
    return {
        # awsenv's own bin first, so the init wrappers' `command awsenv` finds it.
        "PATH": os.pathsep.join((str(Path(sys.executable).parent), os.environ["PATH"])),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "XDG_CACHE_HOME": str(root / "cache"),
        "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
        # Every AWS call from anything under test goes to loopback.
        "AWS_ENDPOINT_URL_STS": endpoint,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
