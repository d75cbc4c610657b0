"""No secret reaches stderr, --debug output, the render of errors or the cache
listing: secret keys, session tokens and MFA codes alike."""

from __future__ import annotations

import re

from conftest import ACCOUNT, CODE, DEFAULT_SECRET, AwsEnv


def secrets_of(aws: AwsEnv) -> list[str]:
    issued = [aws.sts.known_keys[akid] for akid in aws.sts.session_tokens]
    return [DEFAULT_SECRET, *issued, *aws.sts.session_tokens.values()]


def assert_no_secret(text: str, secrets: list[str], code: str = CODE) -> None:
    for secret in secrets:
        assert secret not in text
    # The code as a token of its own (it may appear inside an account number).
    assert not re.search(rf"(?<![0-9]){code}(?![0-9])", text), text


def test_debug_output_of_a_full_refresh_holds_no_secret(aws: AwsEnv) -> None:
    aws.seed()
    result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE, "--debug")
    assert result.returncode == 0
    assert "GetSessionToken" in result.stderr and "AssumeRole" in result.stderr
    assert_no_secret(result.stderr, secrets_of(aws))
    cached = aws.run("dev", "--shell", "bash", "--debug")
    assert "cache hit" in cached.stderr
    assert_no_secret(cached.stderr, secrets_of(aws))


def test_failures_with_debug_hold_no_secret(aws: AwsEnv) -> None:
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    aws.sts.fail_next(
        "AssumeRole", "AccessDenied", f"denied for arn:aws:iam::{ACCOUNT}:role/x", 403
    )
    denied = aws.run("prod", "--shell", "bash", "--debug")
    wrong = aws.run("mfa", "--refresh", "--shell", "bash", "--mfa-code", "987654", "--debug")
    assert denied.returncode == 4 and wrong.returncode == 4
    assert_no_secret(denied.stderr + wrong.stderr, secrets_of(aws))
    assert_no_secret(wrong.stderr, [], code="987654")


def test_cache_is_private(aws: AwsEnv) -> None:
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    assert (aws.cache.stat().st_mode & 0o777) == 0o700
    files = [p for p in aws.cache.rglob("*")]
    assert files
    for path in files:
        expected = 0o700 if path.is_dir() else 0o600
        assert (path.stat().st_mode & 0o777) == expected, path
    for path in files:
        if path.is_file():  # the code itself is never stored
            assert not re.search(rf"(?<![0-9]){CODE}(?![0-9])", path.read_text()), path


def test_loose_existing_cache_dir_is_tightened(aws: AwsEnv) -> None:
    aws.seed()
    aws.cache.mkdir(parents=True, mode=0o755)
    aws.cache.chmod(0o755)
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    assert (aws.cache.stat().st_mode & 0o777) == 0o700


def test_a_secret_glued_to_letters_is_masked_in_an_sts_message(aws: AwsEnv) -> None:
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    session_secret = aws.sts.known_keys["AKIAIOSFODNN7EXAMPLE"]  # the [mfa] session's
    aws.sts.fail_next("AssumeRole", "AccessDenied", f"denied keydemo{session_secret}x1", 403)
    denied = aws.run("prod", "--shell", "bash")
    assert denied.returncode == 4
    assert "denied keydemo****x1" in denied.stderr
    assert_no_secret(denied.stderr, secrets_of(aws))


def test_redactor_masks_secrets_wherever_they_are() -> None:
    from awsenv.stderr import Redactor

    redact = Redactor()
    for secret in ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "IQoJb3JpZ2luX2VjE", CODE, "abc"):
        redact.add(secret)
    assert redact("keydemowJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYdone") == "keydemo****done"
    assert redact("token=IQoJb3JpZ2luX2VjE&x=IQoJb3JpZ2luX2VjEIQoJb3JpZ2luX2VjE") == (
        "token=****&x=********"
    )
    # A code is masked next to letters and punctuation...
    assert redact(f"code{CODE}, TokenCode={CODE}&") == "code****, TokenCode=****&"
    # ...but not inside a longer number, which is another number (an account id).
    assert redact(f"arn:aws:iam::{ACCOUNT}:role/x") == f"arn:aws:iam::{ACCOUNT}:role/x"
    # Shorter than any secret awsenv knows: never masked, or words would be.
    assert redact("abc abcd") == "abc abcd"
