"""`awsenv process PROFILE --format dotenv`: KEY=value lines that docker's
`--env-file` and compose's `env_file` read back exactly.

docker: the real docker CLI parses the file (opts/envfile in docker/cli) and
sends the result in its container-create request; no engine runs on these
machines, so the request goes to a small daemon stand-in on loopback that
records it. compose: no compose from Debian or the project's registries here;
its reader is modelled from compose-go's dotenv parser (dotenv/parser.go:
values trimmed, a leading quote quotes, `#` starts a comment in an unquoted
value (in newer composes only after white space), `$` substitutes). Checked
once by hand against docker compose v2.40.3 (`compose config`): the same
values back, and each refused character changed as modelled.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import CODE, AwsEnv, require


@contextmanager
def docker_daemon_stand_in() -> Iterator[tuple[str, list[dict[str, object]]]]:
    """A loopback HTTP server that answers docker's ping and records each
    container-create request (then refuses it: there is nothing to run)."""
    created: list[dict[str, object]] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.path.endswith("/_ping"):
                self.send_response(200)
                self.send_header("API-Version", "1.41")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.path.endswith("/containers/create"):
                created.append(json.loads(body))
            message = json.dumps({"message": "stand-in: nothing runs here"}).encode()
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(message)))
            self.end_headers()
            self.wfile.write(message)

        do_GET = do_POST = do_HEAD = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.server_address[1]}", created
    finally:
        server.shutdown()
        server.server_close()


def docker_reads(env_file: Path) -> list[str]:
    """The environment `docker run --env-file` would give a container."""
    require("docker")
    with docker_daemon_stand_in() as (host, created):
        subprocess.run(
            ["docker", "run", "--rm", "--env-file", str(env_file), "alpine", "env"],
            env={"PATH": os.environ["PATH"], "HOME": str(env_file.parent), "DOCKER_HOST": host},
            capture_output=True,
            timeout=60,
            check=False,
        )
    assert len(created) == 1, "docker sent no container-create request"
    env = created[0]["Env"]
    assert isinstance(env, list)
    return env


def compose_reads(text: str) -> dict[str, str]:
    """compose-go's dotenv rules for unquoted values, as its parser applies them."""
    out = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        value = value.lstrip()
        assert value[:1] not in ("'", '"'), "a quoted value: compose would unquote it"
        value = value.split("#")[0].rstrip()
        assert "$" not in value, "compose would substitute a variable"
        out[key.strip()] = value
    return out


def test_docker_and_compose_read_the_credentials_back_exactly(aws: AwsEnv, tmp_path: Path) -> None:
    aws.seed()
    lines = aws.run("process", "dev", "--format", "dotenv", "--mfa-code", CODE)
    assert lines.returncode == 0, lines.stderr
    document = aws.run("process", "dev", "--format", "json")
    assert document.returncode == 0, document.stderr
    creds = json.loads(document.stdout)
    expected = {
        "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
        "AWS_SESSION_TOKEN": creds["SessionToken"],
        "AWS_CREDENTIAL_EXPIRATION": creds["Expiration"],
        "AWS_ACCOUNT_ID": creds["AccountId"],
        "AWS_REGION": "eu-central-1",
        "AWS_DEFAULT_REGION": "eu-central-1",
    }
    env_file = tmp_path / "aws.env"
    env_file.write_text(lines.stdout)
    assert docker_reads(env_file) == [f"{k}={v}" for k, v in expected.items()]
    assert compose_reads(lines.stdout) == expected
    assert "AWS_PROFILE" not in lines.stdout and "AWSENV_" not in lines.stdout
    assert aws.sts.successes == {"GetSessionToken": 1, "AssumeRole": 1}


def test_the_default_format_is_the_credential_process_document(aws: AwsEnv) -> None:
    aws.seed()
    plain = aws.run("process", "dev", "--mfa-code", CODE)
    named = aws.run("process", "dev", "--format", "json")
    assert plain.returncode == named.returncode == 0
    assert plain.stdout == named.stdout
    assert json.loads(plain.stdout)["Version"] == 1


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        ("line\\nbreak", "holds a line break"),
        ("cr\\rhere", "holds a line break"),
        (" leading", "begins or ends with white space"),
        ("trailing\\t", "begins or ends with white space"),
        ('\\"quoted\\"', "begins with a quote"),
        ("has#hash", "holds a #"),
        ("has$HOME", "holds a $"),
    ],
)
def test_a_value_neither_can_carry_is_refused_in_one_line(
    aws: AwsEnv, secret: str, problem: str
) -> None:
    aws.seed()
    helper = aws.root / "helper"
    document = f'{{"Version": 1, "AccessKeyId": "AKIAHELPER", "SecretAccessKey": "{secret}"}}'
    helper.write_text(f"#!/bin/sh\nprintf '%s' '{document}'\n")
    helper.chmod(0o755)
    aws.config.write_text(
        aws.config.read_text() + f"\n[profile tool]\ncredential_process = {helper}\n"
    )
    before = aws.snapshot()
    result = aws.run("process", "tool", "--format", "dotenv")
    assert result.returncode == 3, result.stderr
    assert result.stdout == ""
    assert result.stderr == (
        f"awsenv: profile 'tool': AWS_SECRET_ACCESS_KEY {problem}, which docker's --env-file "
        "and compose's env_file would not read as it is; use --format json\n"
    )
    assert aws.snapshot() == before
    # The same credentials as JSON are fine.
    assert aws.run("process", "tool").returncode == 0


def test_an_unknown_format_is_a_usage_error(aws: AwsEnv) -> None:
    aws.seed()
    result = aws.run("process", "dev", "--format", "yaml")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == "awsenv: --format is json or dotenv, not 'yaml'\n"
    assert aws.sts.calls == {}
