"""A call served from the cache never imports boto3, botocore or jinja2."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import CODE, AwsEnv

PROBE = """\
import json, sys
from awsenv.cli import main
sys.argv = ["awsenv", "dev", "--shell", "bash"]
code = main()
heavy = sorted(m for m in ("boto3", "botocore", "jinja2") if m in sys.modules)
with open(OUT, "w") as f:
    json.dump({"code": code, "heavy": heavy}, f)
"""


def run_probe(aws: AwsEnv, out) -> dict:
    script = PROBE.replace("OUT", repr(str(out)))
    proc = subprocess.run(
        [sys.executable, "-c", script],
        env=aws.environ,
        capture_output=True,
        timeout=60,
        start_new_session=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(out.read_text()))


def test_cached_call_imports_no_heavy_module(aws: AwsEnv, tmp_path) -> None:
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    aws.sts.reset()
    probe = run_probe(aws, tmp_path / "probe.json")
    assert probe == {"code": 0, "heavy": []}
    assert aws.sts.calls == {}


def test_first_call_does_import_them(aws: AwsEnv, tmp_path) -> None:
    """The probe can fail: without a cache, botocore and jinja2 are needed."""
    aws.seed()
    assert aws.run("prod", "--shell", "bash", "--mfa-code", CODE).returncode == 0  # session only
    probe = run_probe(aws, tmp_path / "probe.json")
    assert probe["code"] == 0
    assert probe["heavy"] == ["botocore", "jinja2"]
