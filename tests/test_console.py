"""`awsenv console`: a sign-in URL through a local fake federation endpoint that
checks the request; the sign-in token only ever on stdout with --print, and no
real browser (BROWSER is a script that records the URL)."""

from __future__ import annotations

import html
import json
import os
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from conftest import CODE, AwsEnv

TOKEN = "SIGNIN-TOKEN-secret-0123456789"
# A stand-in browser (BROWSER, which Python's webbrowser honours): it records
# its arguments, its command line as any user could read it, and the page it
# was given as it found it; then chatters on stdout, as real browsers do.
BROWSER = """\
#!/bin/sh
printf '%s' "$*" > {tmp}/opened
tr '\\0' ' ' < /proc/$$/cmdline > {tmp}/cmdline
page=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.urlsplit(sys.argv[1]).path)' "$1")
stat -c %a "$page" > {tmp}/page-mode
stat -c %a "$(dirname "$page")" > {tmp}/page-dir-mode
cp "$page" {tmp}/page
echo "Opening in existing browser session."
"""


class Federation:
    def __init__(self) -> None:
        self.requests: list[dict[str, list[str]]] = []
        self.refuse = False
        self.missing = False  # answer 404, as a server with no federation there does
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
                status = 404 if federation.missing else status
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
    browser.write_text(BROWSER.format(tmp=tmp_path))
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


def page_target(page: str) -> str:
    """Where a redirect page sends the browser: its meta refresh and its
    script must agree."""
    refresh = re.search(r'<meta http-equiv="refresh" content="0;url=([^"]*)">', page)
    script = re.search(r"<script>location.replace\((.*)\);</script>", page)
    assert refresh and script, page
    assert html.unescape(refresh.group(1)) == json.loads(script.group(1))
    return html.unescape(refresh.group(1))


def test_the_browser_gets_a_private_page_and_no_token_on_its_command_line(
    aws: AwsEnv, federation: Federation, tmp_path: Path
) -> None:
    result = aws.run("console", "dev", "--destination", "https://console.aws.amazon.com/s3/")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # the browser's chatter went to stderr
    assert "Opening in existing browser session." in result.stderr
    assert TOKEN not in result.stderr
    opened = (tmp_path / "opened").read_text()
    assert TOKEN not in opened and TOKEN not in (tmp_path / "cmdline").read_text()
    page = Path(unquote(urlsplit(opened).path))
    assert opened.startswith("file:///") and page.parent == aws.cache / "signin"
    assert (tmp_path / "page-mode").read_text() == "600\n"
    assert (tmp_path / "page-dir-mode").read_text() == "700\n"
    url = page_target((tmp_path / "page").read_text())
    assert url.startswith(federation.url + "?")
    query = parse_qs(urlsplit(url).query)
    assert query["Action"] == ["login"]
    assert query["SigninToken"] == [TOKEN]
    assert query["Destination"] == ["https://console.aws.amazon.com/s3/"]


def test_pages_left_over_are_removed_by_the_next_run(
    aws: AwsEnv, federation: Federation, tmp_path: Path
) -> None:
    assert aws.run("console", "dev").returncode == 0
    first = Path(unquote(urlsplit((tmp_path / "opened").read_text()).path))
    assert first.exists()  # the detached remover waits a minute
    old = time.time() - 120
    os.utime(first, (old, old))
    assert aws.run("console", "dev").returncode == 0
    second = Path(unquote(urlsplit((tmp_path / "opened").read_text()).path))
    assert not first.exists() and second.exists() and second != first


def test_a_page_is_removed_by_a_detached_process_shortly_after(tmp_path: Path) -> None:
    from awsenv.core.browser import remove_later, write_page

    page = write_page(tmp_path, "https://signin.aws.amazon.com/federation?SigninToken=x")
    started = time.monotonic()
    remove_later(page, 0.2)  # returns at once: the removal is another process's
    assert time.monotonic() - started < 0.2 and page.exists()
    while page.exists() and time.monotonic() - started < 10:
        time.sleep(0.05)
    assert not page.exists()


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


def test_a_404_from_the_endpoint_is_said_as_what_it_is(aws: AwsEnv, federation: Federation) -> None:
    federation.missing = True
    result = aws.run("console", "dev", "--print")
    assert (result.returncode, result.stdout) == (5, "")
    assert result.stderr == (
        f"awsenv: the federation endpoint {federation.url} answered HTTP 404 (Not Found): "
        "there is no sign-in service at that address; check AWSENV_FEDERATION_ENDPOINT\n"
    )


def test_the_demos_endpoint_the_local_sts_says_it_has_no_sign_in(
    aws: AwsEnv, federation: Federation
) -> None:
    """scripts/demo.sh points AWSENV_FEDERATION_ENDPOINT at its moto: the
    console then stays on this machine and says why it cannot sign in."""
    url = f"{aws.sts.moto_endpoint.rstrip('/')}/federation"
    result = aws.run("console", "dev", "--print", env={"AWSENV_FEDERATION_ENDPOINT": url})
    assert (result.returncode, result.stdout) == (5, "")
    assert result.stderr.startswith(f"awsenv: the federation endpoint {url} answered HTTP 404")
    assert result.stderr.count("\n") == 1
    assert "export AWSENV_FEDERATION_ENDPOINT=http://127.0.0.1:${port}/federation" in (
        (Path(__file__).resolve().parent.parent / "scripts" / "demo.sh").read_text()
    )


def test_credentials_from_a_local_sts_never_go_to_aws_signin(
    aws: AwsEnv, federation: Federation
) -> None:
    """The demo's or a test's STS issued them: AWS sign-in would refuse them,
    and their keys must not leave the machine for it. Refused before the
    cache is read or a code is asked for."""
    aws.sts.reset()
    aws.environ.pop("AWSENV_FEDERATION_ENDPOINT")
    result = aws.run("console", "dev", "--print")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"awsenv: the credentials come from STS at '{aws.sts.endpoint.rstrip('/')}', not AWS's, "
        "and go to no AWS sign-in; set AWSENV_FEDERATION_ENDPOINT to that service's federation "
        "endpoint\n"
    )
    assert aws.sts.calls == {} and federation.requests == []


def test_a_profile_endpoint_url_elsewhere_is_refused_for_aws_signin_too(
    aws: AwsEnv, federation: Federation
) -> None:
    aws.sts.reset()
    aws.environ.pop("AWSENV_FEDERATION_ENDPOINT")
    # The environment names AWS's STS; the role's own endpoint_url does not.
    aws.environ.update(
        AWS_ENDPOINT_URL_STS="https://sts.eu-central-1.amazonaws.com",
        AWS_ENDPOINT_URL="https://sts.eu-central-1.amazonaws.com",
    )
    config = aws.config.read_text().replace(
        "region = eu-central-1", "region = eu-central-1\nendpoint_url = http://127.0.0.1:4566"
    )
    aws.config.write_text(config)
    result = aws.run("console", "dev", "--print")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(
        "awsenv: the credentials come from STS at 'http://127.0.0.1:4566', not AWS's"
    )
    assert aws.sts.calls == {} and federation.requests == []


@pytest.mark.parametrize(
    ("sts_url", "signin", "accepted"),
    [
        ("https://sts.amazonaws.com", "https://signin.aws.amazon.com/federation", True),
        ("https://sts.eu-west-1.amazonaws.com/", "https://signin.aws.amazon.com/federation", True),
        ("https://sts.cn-north-1.amazonaws.com.cn", "https://signin.amazonaws.cn/federation", True),
        ("https://sts-fips.us-east-1.api.aws", "https://signin.aws.amazon.com/federation", True),
        ("http://127.0.0.1:5000", "https://signin.aws.amazon.com/federation", False),
        ("https://sts.example.com", "https://signin.aws.amazon.com/federation", False),
        (
            "https://sts.amazonaws.com.evil.example",
            "https://signin.aws.amazon.com/federation",
            False,
        ),
        (
            "https://localhost.localstack.cloud:4566",
            "https://signin.aws.amazon.com/federation",
            False,
        ),
        # A local federation endpoint takes any STS's: nothing leaves the machine.
        ("http://127.0.0.1:5000", "http://127.0.0.1:5001/federation", True),
    ],
)
def test_only_aws_sts_credentials_go_to_aws_signin(
    sts_url: str, signin: str, accepted: bool
) -> None:
    from awsenv.aws.federation import check_source
    from awsenv.errors import UsageError

    if accepted:
        check_source(signin, sts_url)
    else:
        with pytest.raises(UsageError, match="not AWS's"):
            check_source(signin, sts_url)


def test_the_default_endpoint_is_aws_signin() -> None:
    from awsenv.aws.federation import endpoint

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


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://signin.aws.amazon.com/federation",  # AWS, but in the clear
        "https://evil.example/federation",
        "http://evil.example/federation",
        "https://signin.aws.amazon.com.evil.example/federation",
        "https://signin.aws.amazon.com@evil.example/federation",
        "https://user:hunter2@signin.aws.amazon.com/federation",
        "https://evil.example\\@signin.aws.amazon.com/federation",
        "https://evil.example\\.signin.aws.amazon.com/federation",
        "https://a.b.signin.aws.amazon.com/federation",
        "https://signin.aws.amazon.com:8443/federation",
        "https://signin.aws.amazon.com/federation?Action=x",
        "https://signin.aws.amazon.com./federation",
        "http://127.0.0.2/federation",
        "http://localhost.evil.example/federation",
        "ftp://127.0.0.1/federation",
        "signin.aws.amazon.com/federation",
    ],
)
def test_an_endpoint_other_than_aws_signin_or_loopback_is_refused_before_any_request(
    aws: AwsEnv, federation: Federation, endpoint: str
) -> None:
    aws.sts.reset()
    result = aws.run("console", "dev", "--print", env={"AWSENV_FEDERATION_ENDPOINT": endpoint})
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("awsenv: AWSENV_FEDERATION_ENDPOINT (")
    assert "hunter2" not in result.stderr
    assert aws.sts.calls == {} and federation.requests == []


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://signin.aws.amazon.com/federation",
        "https://us-east-1.signin.aws.amazon.com/federation",
        "https://signin.amazonaws-us-gov.com/federation",
        "https://signin.amazonaws.cn/federation",
        "HTTPS://SIGNIN.AWS.AMAZON.COM:443/federation",
        "http://127.0.0.1:8080/federation",
        "http://[::1]:8080/federation",
        "http://localhost/federation",
    ],
)
def test_aws_signin_and_loopback_endpoints_are_accepted(endpoint: str) -> None:
    from awsenv.aws.federation import endpoint as checked

    assert checked({"AWSENV_FEDERATION_ENDPOINT": endpoint}) == endpoint


@pytest.mark.parametrize(
    ("destination", "accepted"),
    [
        ("https://console.aws.amazon.com/s3/", True),
        ("https://eu-central-1.console.aws.amazon.com/console/home?region=eu-central-1#", True),
        ("https://console.amazonaws-us-gov.com/", True),
        ("https://console.amazonaws.cn/ec2/home", True),
        ("https://evil.example/", False),
        ("https://console.aws.amazon.com.evil.example/", False),
        ("https://console.aws.amazon.com@evil.example/", False),
        ("https://evil.example\\@console.aws.amazon.com/", False),
        ("http://console.aws.amazon.com/", False),
        ("javascript:alert(1)//console.aws.amazon.com/", False),
    ],
)
def test_destination_is_a_page_of_aws_itself(
    aws: AwsEnv, federation: Federation, destination: str, accepted: bool
) -> None:
    aws.sts.reset()
    result = aws.run("console", "dev", "--print", "--destination", destination)
    if accepted:
        assert result.returncode == 0, result.stderr
        query = parse_qs(urlsplit(result.stdout.strip()).query)
        assert query["Destination"] == [destination]
    else:
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.startswith("awsenv: --destination (")
        assert result.stderr.count("\n") == 1
        assert aws.sts.calls == {} and federation.requests == []
