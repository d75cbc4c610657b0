"""`awsenv list`: one row per profile from the files and the cache, never an
STS call, a prompt or a secret; `--names` through the cheap header reader,
which must agree with the full one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import (
    AWSENV,
    CODE,
    DEFAULT_SECRET,
    SEED_CONFIG,
    SEED_CREDENTIALS,
    STANDARD_CONFIG,
    STANDARD_CREDENTIALS,
    AwsEnv,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from awsenv.config.profiles import parse_ini
from awsenv.errors import ConfigError
from awsenv.profile_names import section_headers
from awsenv.sections import config_profile_name

FIELDS = {
    "name", "kind", "chain", "region", "credentials", "expires",
    "minutes_left", "needs_mfa", "mfa_serial", "problem", "detail", "needs_login",
}  # fmt: skip


def full_names(config: str, credentials: str) -> list[str]:
    names = {n for s in parse_ini(config, "config") if (n := config_profile_name(s)) is not None}
    return sorted(names | set(parse_ini(credentials, "credentials")))


# Lines that stress configparser's rules: headers with odd names, indented
# headers, continuation lines that look like headers, comments, blank lines.
LINE = st.one_of(
    st.sampled_from(
        [
            "[default]",
            "[profile dev]",
            "[profile 'my dev']",
            '[profile "q"]',
            "[profile a b]",
            "[profile]",
            "[sso-session x]",
            "  [indented]",
            "[a]b]",
            "[x] trailing",
            "",
            "# [commented]",
            "; [also]",
            "key = value",
            "k: v",
            "  continued = [not a header]",
            "\t[tabbed]",
            "[profile 'unbalanced]",
            "[ü nï]",
        ]
    ),
    st.builds(lambda n: f"[{n}]", st.text(st.characters(blacklist_characters="\r\n]"), min_size=1)),
    st.builds(lambda n: f"   [{n}]", st.text("ab ]'", min_size=1)),
)


@settings(max_examples=400, deadline=None)
@given(lines=st.lists(LINE, max_size=12), newline=st.sampled_from(["\n", "\r\n", "\r"]))
def test_the_cheap_reader_finds_the_headers_configparser_finds(
    lines: list[str], newline: str
) -> None:
    text = "[first]\n" + newline.join(lines)
    try:
        expected = list(parse_ini(text, "f"))
    except ConfigError:
        # A file configparser rejects: the cheap reader hands it over.
        assert section_headers(text) is None
        return
    found = section_headers(text)
    assert found is not None
    assert list(dict.fromkeys(found)) == expected


def test_names_equal_the_full_readers_for_every_test_layout(aws: AwsEnv) -> None:
    from test_adversarial_profile import SECTION

    layouts = [
        (SEED_CONFIG, SEED_CREDENTIALS),
        (STANDARD_CONFIG, STANDARD_CREDENTIALS),
        (f"[{SECTION}]\nregion = x\n" + SEED_CONFIG, SEED_CREDENTIALS + "\n[DEFAULT]\na = b\n"),
    ]
    for config, credentials in layouts:
        aws.write(config, credentials)
        result = aws.run("list", "--names")
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == full_names(config, credentials)


def test_list_names_loads_no_heavy_module(aws: AwsEnv) -> None:
    aws.seed()
    probe = (
        "import sys; sys.argv = ['awsenv', 'list', '--names']\n"
        "from awsenv.__main__ import main\n"
        "assert main() == 0\n"
        "heavy = {'argparse', 'configparser', 'jinja2', 'botocore'} & set(sys.modules)\n"
        "sys.stderr.write(repr(sorted(heavy)))\n"
    )
    result = aws.command([sys.executable, "-c", probe])
    assert result.returncode == 0, result.stderr
    assert result.stderr == "[]"
    assert result.stdout.splitlines() == ["default", "dev", "mfa", "other", "prod"]


def names_memo(aws: AwsEnv) -> Path:
    (memo,) = (aws.cache / "exports").iterdir()
    return memo


def test_repeat_names_come_from_their_memo_while_the_files_are_the_same_bytes(
    aws: AwsEnv,
) -> None:
    """The completers call `list --names` at every Tab: a repeat reads the
    memo the first call left, unless either file differs by a single byte,
    even at the same size with its old mtime put back."""
    aws.seed()
    assert aws.run("list", "--names").stdout.splitlines() == [
        "default",
        "dev",
        "mfa",
        "other",
        "prod",
    ]
    memo = names_memo(aws)
    head, rest = memo.read_text().split("\n", 1)
    when, stamp, _text = rest.split("\n", 2)
    memo.write_text(f"{head}\n{when}\n{stamp}\nfrom-the-memo\n")
    assert aws.run("list", "--names").stdout == "from-the-memo\n"  # served, not reread

    config = aws.home / ".aws" / "config"
    before = config.stat()
    text = config.read_text()
    assert "[profile prod]" in text
    config.write_text(text.replace("[profile prod]", "[profile prox]"))
    os.utime(config, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert config.stat().st_size == before.st_size
    result = aws.run("list", "--names")
    assert result.stdout.splitlines() == ["default", "dev", "mfa", "other", "prox"]

    credentials = aws.home / ".aws" / "credentials"
    credentials.write_text(credentials.read_text() + "\n[extra]\n")
    assert "extra" in aws.run("list", "--names").stdout.splitlines()
    credentials.unlink()
    assert "extra" not in aws.run("list", "--names").stdout.splitlines()
    credentials.symlink_to(aws.home / "nowhere")  # absent before, unreadable now
    result = aws.run("list", "--names")
    assert (result.returncode, result.stdout) == (3, "")  # the full reader's error
    assert "which does not exist" in result.stderr


def test_a_file_that_turns_unreadable_before_the_memo_is_written_voids_it(aws: AwsEnv) -> None:
    """Read absent, a dangling link by the time the memo is written: the memo
    says what the text was read from, and is not served over the link."""
    from awsenv import fastpath, profile_names

    aws.seed()
    credentials = aws.home / ".aws" / "credentials"
    credentials.unlink()
    files = profile_names.read_files(aws.environ)
    assert files is not None and files[1] is None
    credentials.symlink_to(aws.home / "nowhere")  # between the read and the write
    with fastpath.recording(aws.environ, "", fastpath.LISTING, "list") as memo:
        memo.printed("planted\n", files=files)
    assert len(list((aws.cache / "exports").iterdir())) == 1  # the memo was written
    result = aws.run("list", "--names")
    assert (result.returncode, result.stdout) == (3, "")
    assert "which does not exist" in result.stderr


def test_names_memo_imports_nothing_heavy_and_is_not_trusted_when_others_can_write(
    aws: AwsEnv,
) -> None:
    aws.seed()
    probe = (
        "import sys; sys.argv = ['awsenv', 'list', '--names']\n"
        "from awsenv.__main__ import main\n"
        "assert main() == 0\n"
        "loaded = {'awsenv.profile_names', 'awsenv.ini_lines', 'pathlib'} & set(sys.modules)\n"
        "sys.stderr.write(repr(sorted(loaded)))\n"
    )
    first = aws.command([sys.executable, "-c", probe])
    assert first.stderr == "['awsenv.ini_lines', 'awsenv.profile_names', 'pathlib']"
    repeat = aws.command([sys.executable, "-c", probe])
    assert repeat.returncode == 0, repeat.stderr
    assert repeat.stderr == "[]"  # the memo, not the files' headers
    assert repeat.stdout == first.stdout
    memo = names_memo(aws)
    memo.write_text(memo.read_text().replace("\nprod\n", "\nplanted\n"))
    memo.chmod(0o666)
    result = aws.run("list", "--names")
    assert "planted" not in result.stdout
    assert "prod" in result.stdout.splitlines()


def test_a_file_the_cheap_reader_cannot_judge_gets_the_full_readers_error(aws: AwsEnv) -> None:
    aws.write(SEED_CONFIG + "\nnot a key value line\n", SEED_CREDENTIALS)
    result = aws.run("list", "--names")
    assert result.returncode == 3
    assert result.stdout == ""
    assert "is not `key = value`" in result.stderr


def test_list_json_shows_the_session_after_an_export_without_calling_sts(aws: AwsEnv) -> None:
    aws.seed()
    before = aws.run("list", "--json")
    rows = {r["name"]: r for r in json.loads(before.stdout)["profiles"]}
    assert set(rows["dev"]) == FIELDS
    assert rows["dev"]["kind"] == "role"
    assert rows["dev"]["chain"] == ["mfa", "default"]
    assert rows["dev"]["region"] == "eu-central-1"
    assert rows["dev"]["credentials"] == "none"
    assert rows["dev"]["needs_mfa"] is True
    assert rows["default"]["kind"] == "long-term"
    assert rows["mfa"]["kind"] == "mfa-session"
    assert aws.run("dev", "--mfa-code", CODE, "--shell", "bash").returncode == 0
    calls = sum(aws.sts.calls.values())
    after = aws.run("list", "--json")
    assert sum(aws.sts.calls.values()) == calls  # never an STS call
    rows = {r["name"]: r for r in json.loads(after.stdout)["profiles"]}
    assert rows["dev"]["credentials"] == "valid"
    assert rows["dev"]["needs_mfa"] is False
    assert 55 <= rows["dev"]["minutes_left"] <= 60
    assert rows["prod"]["needs_mfa"] is False  # the MFA session is shared
    assert DEFAULT_SECRET not in after.stdout + after.stderr


def test_list_piped_is_tab_separated_with_one_row_per_profile(aws: AwsEnv) -> None:
    aws.seed()
    result = aws.run("list")
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert lines[0][:3] == ["PROFILE", "KIND", "SOURCE"]
    assert [line[0] for line in lines[1:]] == ["default", "dev", "mfa", "other", "prod"]
    assert lines[2][1:6] == ["role", "mfa > default", "eu-central-1", "none cached", "needs code"]


def test_unusable_and_unaddressable_profiles_are_marked_with_a_word(aws: AwsEnv) -> None:
    aws.write(
        SEED_CONFIG + "[profile loop]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = loop2\n"
        "[profile loop2]\nrole_arn = arn:aws:iam::1:role/y\nsource_profile = loop\n",
        SEED_CREDENTIALS + "\n[DEFAULT]\naws_access_key_id = AKIAX\naws_secret_access_key = s\n",
    )
    rows = {r["name"]: r for r in json.loads(aws.run("list", "--json").stdout)["profiles"]}
    assert rows["loop"]["problem"] == "cycle"
    assert rows["DEFAULT"]["problem"] == "unaddressable"
    assert rows["dev"]["problem"] is None


def test_list_on_a_terminal_is_an_aligned_table(aws: AwsEnv) -> None:
    import pexpect

    aws.seed()
    child = pexpect.spawn(AWSENV, ["list"], env=aws.environ, encoding="utf-8", timeout=30)
    child.expect(pexpect.EOF)
    lines = child.before.splitlines()
    assert lines[0].split() == [
        "PROFILE",
        "KIND",
        "SOURCE",
        "REGION",
        "CREDENTIALS",
        "MFA",
        "PROBLEM",
    ]
    assert "\t" not in child.before
    assert lines[1].index("long-term") == lines[0].index("KIND")


def test_list_names_costs_are_measured_by_the_benchmark() -> None:
    # The ratio itself is measured, not asserted: benchmarks/completion.py.
    script = subprocess.run(
        [sys.executable, "benchmarks/completion.py", "--runs", "1"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert script.returncode == 0, script.stderr
    assert "awsenv list --names" in script.stdout
