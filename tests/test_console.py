"""`awsenv console`: a sign-in URL through a local fake federation endpoint that
checks the request; the sign-in token only ever on stdout with --print, and no
real browser (BROWSER is a script that records the URL)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import CODE, AwsEnv

TOKEN = "SIGNIN-TOKEN-secret-0123456789"


class Federation:
    def __init__(self) -> None:
        self.requests: list[dict[str, list[str]]] = []
        self.refuse = False
        federation = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                federation.requests.append(query)
                session = json.loads(query.get("Session", ["{}"])[0])
                good = (
                    query.get("Action") == ["getSigninToken"]
                    and session.get("sessionId", "").startswith("ASIA")
                    and session.get("sessionKey")
                    and session.get("sessionToken")
                )
                status = 400 if federation.refuse or not good else 200
                body = json.dumps({"SigninToken": TOKEN}).encode() if status == 200 else b"bad"
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/federation"


@pytest.fixture
def federation(aws: AwsEnv, tmp_path: Path) -> Iterator[Federation]:
    fake = Federation()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    browser = tmp_path / "browser"
    browser.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {tmp_path}/opened\n')
    browser.chmod(0o755)
    aws.environ.update(AWSENV_FEDERATION_ENDPOINT=fake.url, BROWSER=str(browser))
    aws.seed()
    assert aws.run("dev", "--mfa-code", CODE, "--shell", "bash").returncode == 0
    try:
        yield fake
    finally:
        fake.server.shutdown()


def test_print_gives_a_login_url_for_the_profiles_region(
    aws: AwsEnv, federation: Federation
) -> None:
    result = aws.run("console", "dev", "--print")
    assert result.returncode == 0, result.stderr
    url = result.stdout.strip()
    assert result.stdout.count("\n") == 1
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(federation.url + "?")
    assert query["Action"] == ["login"]
    assert query["SigninToken"] == [TOKEN]
    assert query["Destination"] == [
        "https://eu-central-1.console.aws.amazon.com/console/home?region=eu-central-1"
    ]
    assert TOKEN not in result.stderr
    assert len(federation.requests) == 1


def test_the_browser_gets_the_url_and_nothing_is_printed(
    aws: AwsEnv, federation: Federation, tmp_path: Path
) -> None:
    result = aws.run("console", "dev", "--destination", "https://console.aws.amazon.com/s3/")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert TOKEN not in result.stderr
    opened = (tmp_path / "opened").read_text()
    query = parse_qs(urlsplit(opened).query)
    assert query["SigninToken"] == [TOKEN]
    assert query["Destination"] == ["https://console.aws.amazon.com/s3/"]


def test_a_session_profile_is_refused_in_one_line_before_any_call(
    aws: AwsEnv, federation: Federation
) -> None:
    result = aws.run("console", "mfa", "--print")
    assert result.returncode == 3
    assert result.stdout == ""
    assert "GetSessionToken" in result.stderr and "role" in result.stderr
    assert result.stderr.count("\n") == 1
    assert federation.requests == []


def test_a_refusal_by_the_endpoint_is_one_line_without_the_token(
    aws: AwsEnv, federation: Federation
) -> None:
    federation.refuse = True
    result = aws.run("console", "dev", "--print")
    assert result.returncode == 4
    assert result.stdout == ""
    assert "refused" in result.stderr and result.stderr.count("\n") == 1
    assert TOKEN not in result.stderr


def test_the_default_endpoint_is_aws_signin() -> None:
    from awsenv.federation import endpoint

    assert endpoint({}) == "https://signin.aws.amazon.com/federation"


@pytest.mark.parametrize("target", ["closed", "full"])
def test_print_into_a_closed_or_full_stdout_is_one_line(
    aws: AwsEnv, federation: Federation, target: str
) -> None:
    from test_output import run_with_stdout

    aws.sts.reset()
    before = aws.snapshot()
    proc = run_with_stdout(aws, target, "console", "dev", "--print")
    stderr = proc.stderr.decode()
    assert proc.returncode == 1
    if target == "closed":  # before any request: no credentials, no token
        assert stderr == "awsenv: stdout is closed: there is nowhere to write the sign-in URL\n"
        assert federation.requests == [] and aws.sts.calls == {}
    else:
        assert stderr == "awsenv: cannot write the sign-in URL to stdout: No space left on device\n"
    assert aws.snapshot() == before


def test_without_print_a_closed_stdout_is_no_matter(
    aws: AwsEnv, federation: Federation, tmp_path: Path
) -> None:
    from test_output import run_with_stdout

    proc = run_with_stdout(aws, "closed", "console", "dev")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "opened").exists()
