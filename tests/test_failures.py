"""Every failure: non-zero exit, empty stdout, one clear line, nothing changed on disk."""

from __future__ import annotations

import socket
import time

import pytest
from conftest import ACCOUNT, CODE, DEFAULT_SECRET, SEED_CREDENTIALS, AwsEnv, Run

from awsenv import errors


def assert_clean_failure(result: Run, exit_code: int, *fragments: str) -> None:
    assert result.returncode == exit_code, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("awsenv: ")
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def warm(aws: AwsEnv) -> None:
    """Populate the cache and [mfa], so that 'unchanged' means something."""
    assert aws.run("prod", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    aws.sts.reset()


def test_wrong_code_fails_cleanly_and_changes_nothing(aws: AwsEnv) -> None:
    aws.seed()
    warm(aws)
    before = aws.snapshot()
    result = aws.run("mfa", "--refresh", "--shell", "bash", "--mfa-code", "654321")
    assert_clean_failure(result, errors.AwsError.exit_code, "MFA code rejected")
    assert aws.sts.calls == {"GetSessionToken": 1}
    assert aws.snapshot() == before


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", "12 456", "١٢٣٤٥٦", ""])
def test_malformed_code_is_rejected_before_any_sts_call(aws: AwsEnv, code: str) -> None:
    aws.seed()
    before = aws.snapshot()
    result = aws.run("dev", "--shell", "bash", "--mfa-code", code)
    assert_clean_failure(result, errors.UsageError.exit_code, "6 digits")
    assert aws.sts.calls == {}
    assert aws.snapshot() == before


def test_unknown_profile_lists_the_known_ones(aws: AwsEnv) -> None:
    aws.seed()
    result = aws.run("staging", "--shell", "bash")
    assert_clean_failure(
        result, errors.ConfigError.exit_code, "'staging'", "default, dev, mfa, other, prod"
    )


def test_no_terminal_and_no_code_fails_at_once(aws: AwsEnv) -> None:
    aws.seed()
    before = aws.snapshot()
    started = time.monotonic()
    result = aws.run("dev", "--shell", "bash", timeout=30)
    assert time.monotonic() - started < 30
    assert_clean_failure(result, errors.UsageError.exit_code, "--mfa-code")
    assert aws.sts.calls == {}
    assert aws.snapshot() == before


def test_invalid_long_term_keys(aws: AwsEnv) -> None:
    aws.write(
        "[profile mfa]\nsource_profile = default\nmfa_serial = arn:aws:iam::1:mfa/x\n",
        "[default]\naws_access_key_id = AKIAUNKNOWNKEY000001\naws_secret_access_key = nope\n",
    )
    before = aws.snapshot()
    result = aws.run("mfa", "--shell", "bash", "--mfa-code", CODE)
    assert_clean_failure(result, errors.AwsError.exit_code, "keys are invalid")
    assert aws.snapshot() == before


def test_wrong_secret_for_known_key(aws: AwsEnv) -> None:
    aws.seed()
    aws.credentials.write_text(SEED_CREDENTIALS.replace(DEFAULT_SECRET, "x" * 40))
    result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    assert_clean_failure(result, errors.AwsError.exit_code, "SignatureDoesNotMatch")


def test_sts_unreachable_names_the_endpoint(aws: AwsEnv) -> None:
    aws.seed()
    with socket.socket() as sock:  # a port that is certainly closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    before = aws.snapshot()
    result = aws.run(
        "dev",
        "--shell",
        "bash",
        "--mfa-code",
        CODE,
        env={"AWS_ENDPOINT_URL_STS": endpoint, "AWS_ENDPOINT_URL": endpoint},
    )
    assert_clean_failure(result, errors.EndpointError.exit_code, endpoint)
    assert aws.snapshot() == before


def test_access_denied_names_the_role_and_writes_nothing(aws: AwsEnv) -> None:
    aws.seed()
    role = f"arn:aws:iam::{ACCOUNT}:role/dev"
    aws.sts.fail_next(
        "AssumeRole",
        "AccessDenied",
        f"User: arn:aws:iam::{ACCOUNT}:user/alice is not authorized to perform: "
        f"sts:AssumeRole on resource: {role}",
        403,
    )
    before = aws.snapshot()
    result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    assert_clean_failure(result, errors.AwsError.exit_code, "access denied", role)
    # The MFA session succeeded, but a failed run commits nothing.
    assert aws.sts.successes == {"GetSessionToken": 1}
    assert aws.snapshot() == before


def test_chaining_limit_from_sts_is_explained(aws: AwsEnv) -> None:
    aws.seed()
    aws.sts.fail_next(
        "AssumeRole",
        "ValidationError",
        "The requested DurationSeconds exceeds the 1 hour session limit for roles "
        "assumed by role chaining.",
    )
    result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    assert_clean_failure(result, errors.AwsError.exit_code, "duration", "duration_seconds")


def test_session_rejected_by_sts_is_renewed_once_with_a_new_code(aws: AwsEnv) -> None:
    aws.seed()
    warm(aws)
    session_key = next(k for k in aws.sts.session_tokens if k.startswith("AKIA"))
    aws.sts.expire_key(session_key)  # revoked, or a clock that ran ahead
    before = aws.snapshot()
    no_code = aws.run("dev", "--shell", "bash")
    assert_clean_failure(no_code, errors.UsageError.exit_code, "--mfa-code")
    assert aws.snapshot() == before
    aws.sts.reset()
    aws.sts.expire_key(session_key)
    renewed = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    assert renewed.returncode == 0, renewed.stderr
    assert [e["action"] for e in aws.sts.requests_log] == [
        "AssumeRole",  # with the cached session: ExpiredToken
        "GetSessionToken",
        "AssumeRole",
    ]
    assert aws.sts.requests_log[0]["error_code"] == "ExpiredToken"


def test_expired_source_that_cannot_be_renewed_is_explained(aws: AwsEnv) -> None:
    aws.seed()
    aws.sts.fail_next(
        "GetSessionToken",
        "ExpiredToken",
        "The security token included in the request is expired",
        403,
    )
    result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    assert_clean_failure(result, errors.AwsError.exit_code, "expired")


def test_usage_error_never_echoes_a_stray_code(aws: AwsEnv) -> None:
    aws.seed()
    result = aws.run("dev", "123456", "--shell", "bash")
    assert_clean_failure(result, errors.UsageError.exit_code, "--mfa-code")
    assert "123456" not in result.stderr


def test_duration_for_a_profile_without_sts_is_refused(aws: AwsEnv) -> None:
    aws.seed()
    result = aws.run("other", "--shell", "bash", "--duration", "3600")
    assert_clean_failure(result, errors.UsageError.exit_code, "--duration applies to roles")


def test_credentials_write_failure_changes_nothing(aws: AwsEnv) -> None:
    import shutil
    import subprocess

    if not shutil.which("chattr"):
        pytest.skip("chattr is not available")
    aws.seed()
    aws_dir = aws.credentials.parent
    if subprocess.run(["chattr", "+i", str(aws_dir)], check=False).returncode != 0:
        pytest.skip("this filesystem has no immutable flag")
    try:
        before = aws.snapshot()
        result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
        after = aws.snapshot()
    finally:
        subprocess.run(["chattr", "-i", str(aws_dir)], check=True)
    # Found before the code is spent: the replacement is made in that directory.
    assert_clean_failure(result, errors.ConfigError.exit_code, "is not writable")
    assert aws.sts.calls["GetSessionToken"] == 0
    assert after == before  # the cache is written only after the credentials file


def test_unwritable_cache_is_a_warning_not_a_failure(aws: AwsEnv) -> None:
    aws.seed()
    blocker = aws.root / "not-a-dir"
    blocker.write_text("")
    result = aws.run(
        "dev", "--shell", "bash", "--mfa-code", CODE, env={"XDG_CACHE_HOME": str(blocker)}
    )
    assert result.returncode == 0, result.stderr
    assert "export AWS_PROFILE='dev'" in result.stdout
    assert "cannot write the cache" in result.stderr


def test_source_profile_cycle(aws: AwsEnv) -> None:
    aws.write(
        "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
        "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n",
        "",
    )
    result = aws.run("a", "--shell", "bash")
    assert_clean_failure(result, errors.ConfigError.exit_code, "a -> b -> a")


def test_missing_source_profile(aws: AwsEnv) -> None:
    aws.write("[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = ghost\n", "")
    result = aws.run("a", "--shell", "bash")
    assert_clean_failure(result, errors.ConfigError.exit_code, "'ghost'", "not defined")


@pytest.mark.parametrize("duration", ["0", "899", "43201", "ten"])
def test_bad_duration(aws: AwsEnv, duration: str) -> None:
    aws.seed()
    result = aws.run("dev", "--shell", "bash", "--duration", duration, "--mfa-code", CODE)
    assert_clean_failure(result, errors.UsageError.exit_code)
    assert aws.sts.calls == {}


def test_unparsable_credentials_file_names_the_line_not_its_secret(aws: AwsEnv) -> None:
    aws.write("", "[default]\naws_access_key_id = AKIA\nthisIsASecretValueOnItsOwnLine\n")
    result = aws.run("default", "--shell", "bash")
    assert_clean_failure(result, errors.ConfigError.exit_code, "line 3")
    assert "thisIsASecretValueOnItsOwnLine" not in result.stderr


def test_session_profile_over_long_term_keys_section_is_refused(aws: AwsEnv) -> None:
    aws.seed()
    aws.credentials.write_text(
        SEED_CREDENTIALS + "\n[mfa]\naws_access_key_id = AKIAX\naws_secret_access_key = y\n"
    )
    before = aws.snapshot()
    result = aws.run("mfa", "--shell", "bash", "--mfa-code", CODE)
    assert_clean_failure(result, errors.ConfigError.exit_code, "long-term keys")
    assert aws.sts.calls == {}
    assert aws.snapshot() == before


def test_unknown_shell_lists_the_supported_ones(aws: AwsEnv) -> None:
    aws.seed()
    result = aws.run("dev", "--shell", "cmd")
    assert_clean_failure(result, errors.UsageError.exit_code, "bash, zsh, sh, fish, pwsh")


class HtmlAnswers:
    """A proxy's error page where STS should be: a real HTTP server on loopback
    that answers every request with `status` and `page` as `content_type`
    (none when empty)."""

    def __init__(
        self,
        status: int,
        content_type: str = "text/html; charset=utf-8",
        page: bytes = b"<html><body><h1>Proxy error</h1><p>Denied by policy</p></body></html>",
    ) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.requests = 0
        answers = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                answers.requests += 1
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(status)
                if content_type:
                    self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            do_GET = do_POST

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.mark.parametrize(
    ("status", "content_type", "shown"),
    [
        (200, "text/html; charset=utf-8", "text/html"),
        (403, "text/html; charset=utf-8", "text/html"),
        (502, "text/html; charset=utf-8", "text/html"),
        (200, "", "no content type"),  # botocore's parser fails on it
        (200, "text/xml", "text/xml"),
    ],
)
def test_an_answer_that_is_not_from_sts_names_the_endpoint_and_what_came(
    aws: AwsEnv, status: int, content_type: str, shown: str
) -> None:
    aws.seed()
    page = b"<html><body>Proxy error<br></body></html>" if "html" not in content_type else None
    html = HtmlAnswers(status, content_type, *([page] if page else []))
    try:
        before = aws.snapshot()
        endpoint = {"AWS_ENDPOINT_URL_STS": html.url, "AWS_ENDPOINT_URL": html.url}
        result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE, env=endpoint)
    finally:
        html.server.shutdown()
    assert_clean_failure(result, errors.EndpointError.exit_code)
    assert result.stderr == (
        f"awsenv: STS at {html.url} answered HTTP {status} with {shown}, not an STS answer "
        "(a proxy or a captive portal in between?)\n"
    )
    assert CODE not in result.stderr
    assert aws.snapshot() == before
    # Sent once (it carries the MFA code), but for a server error, which
    # botocore retries, as a front end's HTML 503 deserves.
    assert html.requests > 1 if status >= 500 else html.requests == 1
