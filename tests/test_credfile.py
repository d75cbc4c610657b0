"""The credentials-file editor, pinned byte for byte.

Every expected text here is written out by hand: only `[mfa]` may change, and it
changes the way a person editing the file would change it.
"""

from __future__ import annotations

import configparser
import io
import os
import re
import stat
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from awsenv.aws.credentials import Credentials
from awsenv.config.section_editor import (
    exposure_warning,
    session_section,
    update_section,
    write_section,
)
from awsenv.errors import ConfigError
from awsenv.store.atomic import TEMP_PATTERN, remove_stale_temps

NEW = {
    "aws_access_key_id": "ASIANEW",
    "aws_secret_access_key": "newSecret",
    "aws_session_token": "newToken",
}


def temp_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def parse(text: str) -> configparser.RawConfigParser:
    """Read `text` the way awsenv's reader does: configparser, universal newlines."""
    parser = configparser.RawConfigParser(strict=False)
    parser.read_file(io.StringIO(text, newline=None))
    return parser


# --- replacing keys ----------------------------------------------------------


def test_replaced_keys_keep_their_own_spacing() -> None:
    text = (
        "[mfa]\n"
        "aws_access_key_id=ASIAOLD\n"
        "aws_secret_access_key   =   oldSecret\n"
        "aws_session_token\t=\toldToken\n"
    )
    assert update_section(text, "mfa", NEW) == (
        "[mfa]\n"
        "aws_access_key_id=ASIANEW\n"
        "aws_secret_access_key   =   newSecret\n"
        "aws_session_token\t=\tnewToken\n"
    )


def test_empty_value_is_filled_in_the_style_of_its_line() -> None:
    text = "[mfa]\naws_access_key_id=\naws_secret_access_key =\naws_session_token = \n"
    assert update_section(text, "mfa", NEW) == (
        "[mfa]\n"
        "aws_access_key_id=ASIANEW\n"
        "aws_secret_access_key = newSecret\n"
        "aws_session_token = newToken\n"
    )


def test_value_containing_delimiters_is_replaced_whole() -> None:
    text = "[mfa]\naws_session_token = abc=def:ghi==\n"
    assert update_section(text, "mfa", {"aws_session_token": "xyz=="}) == (
        "[mfa]\naws_session_token = xyz==\n"
    )


def test_colon_delimited_key_is_replaced_in_place() -> None:
    # configparser (and so botocore) accepts `key: value` as well as `key = value`.
    text = "[mfa]\naws_access_key_id = ASIAOLD\naws_secret_access_key: oldSecret\n"
    assert update_section(text, "mfa", NEW) == (
        "[mfa]\n"
        "aws_access_key_id = ASIANEW\n"
        "aws_secret_access_key: newSecret\n"
        "aws_session_token = newToken\n"
    )


def test_key_spelled_in_capitals_is_replaced_not_duplicated() -> None:
    # configparser lower-cases keys, so these are the same keys; a second copy
    # would make botocore's strict parser refuse the whole file.
    text = "[mfa]\nAWS_ACCESS_KEY_ID = ASIAOLD\nAws_Secret_Access_Key = oldSecret\n"
    assert update_section(text, "mfa", NEW) == (
        "[mfa]\n"
        "AWS_ACCESS_KEY_ID = ASIANEW\n"
        "Aws_Secret_Access_Key = newSecret\n"
        "aws_session_token = newToken\n"
    )


def test_indented_keys_are_keys() -> None:
    text = "[mfa]\n  aws_access_key_id = ASIAOLD\n  region = eu-west-1\n"
    assert update_section(text, "mfa", NEW) == (
        "[mfa]\n"
        "  aws_access_key_id = ASIANEW\n"
        "  region = eu-west-1\n"
        "  aws_secret_access_key = newSecret\n"
        "  aws_session_token = newToken\n"
    )


def test_new_keys_never_swallow_an_indented_header_below() -> None:
    # configparser reads `  [team]` as a header after a header or an equally
    # indented key, but as a continuation line below a key at column 0.
    text = "[mfa]\n  [team]\n  key = kept\n"
    assert update_section(text, "mfa", {"aws_access_key_id": "ASIANEW"}) == (
        "[mfa]\n  aws_access_key_id = ASIANEW\n  [team]\n  key = kept\n"
    )
    text = "[mfa]\n  region = x\n  [team]\n"
    assert update_section(text, "mfa", {"aws_access_key_id": "ASIANEW"}) == (
        "[mfa]\n  region = x\n  aws_access_key_id = ASIANEW\n  [team]\n"
    )


def test_indented_header_is_a_header_where_configparser_says_so() -> None:
    text = "[default]\nk = v\n\n  [mfa]\n  aws_access_key_id = ASIAOLD\n"
    assert parse(text).sections() == ["default"]  # a continuation of k
    assert update_section(text, "mfa", {"aws_access_key_id": "ASIANEW"}).endswith(
        "  aws_access_key_id = ASIAOLD\n\n[mfa]\naws_access_key_id = ASIANEW\n"
    )
    text = "[default]\n  [mfa]\n  aws_access_key_id = ASIAOLD\n"
    assert parse(text).sections() == ["default", "mfa"]
    assert update_section(text, "mfa", {"aws_access_key_id": "ASIANEW"}) == (
        "[default]\n  [mfa]\n  aws_access_key_id = ASIANEW\n"
    )


def test_duplicate_keys_in_the_section_are_all_updated() -> None:
    # configparser (strict=False) lets the last one win, so every copy must change.
    text = "[mfa]\naws_access_key_id = ASIAOLD1\nregion = eu-west-1\naws_access_key_id=ASIAOLD2\n"
    assert update_section(text, "mfa", {"aws_access_key_id": "ASIANEW"}) == (
        "[mfa]\naws_access_key_id = ASIANEW\nregion = eu-west-1\naws_access_key_id=ASIANEW\n"
    )


def test_repeated_section_is_updated_in_every_occurrence() -> None:
    # configparser (strict=False) merges a repeated section; the later copy wins.
    text = (
        "[mfa]\n"
        "aws_access_key_id = ASIAOLD1\n"
        "\n"
        "[default]\n"
        "aws_access_key_id = AKIAKEEP\n"
        "\n"
        "[mfa]\n"
        "aws_access_key_id = ASIAOLD2\n"
        "aws_session_token = oldToken\n"
    )
    assert update_section(text, "mfa", NEW) == (
        "[mfa]\n"
        "aws_access_key_id = ASIANEW\n"
        "aws_secret_access_key = newSecret\n"
        "\n"
        "[default]\n"
        "aws_access_key_id = AKIAKEEP\n"
        "\n"
        "[mfa]\n"
        "aws_access_key_id = ASIANEW\n"
        "aws_session_token = newToken\n"
    )


def test_other_keys_and_comments_inside_the_section_are_kept() -> None:
    text = (
        "[mfa]\n"
        "# written by awsenv\n"
        "aws_access_key_id = ASIAOLD\n"
        "; keep this one\n"
        "region = eu-west-1\n"
        "  # an indented comment\n"
        "aws_session_token = oldToken\n"
    )
    assert update_section(text, "mfa", NEW) == (
        "[mfa]\n"
        "# written by awsenv\n"
        "aws_access_key_id = ASIANEW\n"
        "; keep this one\n"
        "region = eu-west-1\n"
        "  # an indented comment\n"
        "aws_session_token = newToken\n"
        "aws_secret_access_key = newSecret\n"
    )


# --- continuation lines ------------------------------------------------------


def test_continuation_lines_of_a_replaced_key_are_dropped_and_of_other_keys_kept() -> None:
    text = (
        "[mfa]\n"
        "aws_session_token = oldToken\n"
        "  part2\n"
        "\tpart3\n"
        "note = first line\n"
        "  second line\n"
        "aws_access_key_id = ASIAOLD\n"
        "    old continuation\n"
        "\n"
        "[other]\n"
        "x = 1\n"
        "  kept\n"
    )
    assert update_section(text, "mfa", NEW) == (
        "[mfa]\n"
        "aws_session_token = newToken\n"
        "note = first line\n"
        "  second line\n"
        "aws_access_key_id = ASIANEW\n"
        "aws_secret_access_key = newSecret\n"
        "\n"
        "[other]\n"
        "x = 1\n"
        "  kept\n"
    )


def test_continuation_after_a_blank_line_still_belongs_to_the_replaced_key() -> None:
    # configparser keeps empty lines inside values, so `  tail` continues the token.
    text = "[mfa]\naws_session_token = oldToken\n\n  tail\n# note\n"
    assert update_section(text, "mfa", {"aws_session_token": "newToken"}) == (
        "[mfa]\naws_session_token = newToken\n\n# note\n"
    )


def test_new_keys_go_after_the_continuation_lines_of_the_last_key() -> None:
    text = "[mfa]\nnote = first line\n  second line\n\n[other]\n"
    assert update_section(text, "mfa", {"aws_access_key_id": "ASIANEW"}) == (
        "[mfa]\nnote = first line\n  second line\naws_access_key_id = ASIANEW\n\n[other]\n"
    )


def test_indented_header_inside_a_value_is_not_a_section() -> None:
    # Indented under a key, `[mfa]` is a continuation line of that key's value.
    text = "[other]\nnote = see\n  [mfa]\n  aws_access_key_id = ASIAOLD\n"
    assert update_section(text, "mfa", {"aws_access_key_id": "ASIANEW"}) == (
        "[other]\n"
        "note = see\n"
        "  [mfa]\n"
        "  aws_access_key_id = ASIAOLD\n"
        "\n"
        "[mfa]\n"
        "aws_access_key_id = ASIANEW\n"
    )


# --- where new keys go -------------------------------------------------------


def test_new_keys_go_after_the_last_key_not_after_trailing_comments() -> None:
    text = (
        "[mfa]\n"
        "aws_access_key_id = ASIAOLD\n"
        "\n"
        "# Production keys below -- do not touch\n"
        "\n"
        "[prod]\n"
        "aws_access_key_id = AKIAPROD\n"
    )
    assert update_section(text, "mfa", NEW) == (
        "[mfa]\n"
        "aws_access_key_id = ASIANEW\n"
        "aws_secret_access_key = newSecret\n"
        "aws_session_token = newToken\n"
        "\n"
        "# Production keys below -- do not touch\n"
        "\n"
        "[prod]\n"
        "aws_access_key_id = AKIAPROD\n"
    )


def test_new_keys_go_right_after_the_header_of_a_section_without_keys() -> None:
    text = "[mfa]\n# nothing here yet\n\n[prod]\nregion = us-east-1\n"
    assert update_section(text, "mfa", {"aws_access_key_id": "ASIANEW"}) == (
        "[mfa]\naws_access_key_id = ASIANEW\n# nothing here yet\n\n[prod]\nregion = us-east-1\n"
    )


def test_new_key_after_a_last_line_without_newline() -> None:
    text = "[mfa]\naws_access_key_id = ASIAOLD"
    assert update_section(text, "mfa", NEW) == (
        "[mfa]\n"
        "aws_access_key_id = ASIANEW\n"
        "aws_secret_access_key = newSecret\n"
        "aws_session_token = newToken\n"
    )


def test_replaced_last_line_without_newline_stays_without_newline() -> None:
    text = "[default]\nregion = x\n\n[mfa]\naws_access_key_id = ASIAOLD"
    assert update_section(text, "mfa", {"aws_access_key_id": "ASIANEW"}) == (
        "[default]\nregion = x\n\n[mfa]\naws_access_key_id = ASIANEW"
    )


def test_header_at_end_of_file_without_newline_gets_its_keys() -> None:
    assert update_section("[default]\nregion = x\n\n[mfa]", "mfa", {"aws_access_key_id": "A"}) == (
        "[default]\nregion = x\n\n[mfa]\naws_access_key_id = A\n"
    )


# --- appending a new section -------------------------------------------------


def test_new_section_is_appended_after_one_blank_line() -> None:
    text = "# my keys\n[default]\naws_access_key_id = AKIAKEEP\n"
    assert update_section(text, "mfa", NEW) == (
        "# my keys\n"
        "[default]\n"
        "aws_access_key_id = AKIAKEEP\n"
        "\n"
        "[mfa]\n"
        "aws_access_key_id = ASIANEW\n"
        "aws_secret_access_key = newSecret\n"
        "aws_session_token = newToken\n"
    )


def test_new_section_after_a_file_without_trailing_newline() -> None:
    text = "[default]\naws_access_key_id = AKIAKEEP"
    assert update_section(text, "mfa", {"aws_access_key_id": "ASIANEW"}) == (
        "[default]\naws_access_key_id = AKIAKEEP\n\n[mfa]\naws_access_key_id = ASIANEW\n"
    )


def test_new_section_after_a_file_ending_in_blank_lines_keeps_them() -> None:
    text = "[default]\nregion = x\n\n\n"
    assert update_section(text, "mfa", {"aws_access_key_id": "A"}) == (
        "[default]\nregion = x\n\n\n\n[mfa]\naws_access_key_id = A\n"
    )


def test_new_section_in_empty_text_has_no_leading_blank_line() -> None:
    assert update_section("", "mfa", NEW) == (
        "[mfa]\n"
        "aws_access_key_id = ASIANEW\n"
        "aws_secret_access_key = newSecret\n"
        "aws_session_token = newToken\n"
    )


def test_write_section_creates_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    write_section(path, "mfa", NEW)
    assert path.read_bytes() == (
        b"[mfa]\n"
        b"aws_access_key_id = ASIANEW\n"
        b"aws_secret_access_key = newSecret\n"
        b"aws_session_token = newToken\n"
    )


def test_write_section_fills_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_bytes(b"")
    write_section(path, "mfa", {"aws_access_key_id": "A"})
    assert path.read_bytes() == b"[mfa]\naws_access_key_id = A\n"


# --- which section is [mfa] --------------------------------------------------


def test_similarly_named_sections_are_not_the_section() -> None:
    # configparser (and so botocore) reads `[ mfa ]` as the profile " mfa ".
    text = (
        "[mfa2]\n"
        "aws_access_key_id = AKIA2\n"
        "[ mfa ]\n"
        "aws_access_key_id = AKIASPACED\n"
        "[profile mfa]\n"
        "region = x\n"
        "[MFA]\n"
        "aws_access_key_id = AKIACAPS\n"
    )
    assert update_section(text, "mfa", {"aws_access_key_id": "ASIANEW"}) == (
        "[mfa2]\n"
        "aws_access_key_id = AKIA2\n"
        "[ mfa ]\n"
        "aws_access_key_id = AKIASPACED\n"
        "[profile mfa]\n"
        "region = x\n"
        "[MFA]\n"
        "aws_access_key_id = AKIACAPS\n"
        "\n"
        "[mfa]\n"
        "aws_access_key_id = ASIANEW\n"
    )


def test_section_with_spaces_in_its_name_is_found_by_that_name() -> None:
    text = "[mfa]\naws_access_key_id = A\n[ mfa ]\naws_access_key_id = B\n"
    assert update_section(text, " mfa ", {"aws_access_key_id": "C"}) == (
        "[mfa]\naws_access_key_id = A\n[ mfa ]\naws_access_key_id = C\n"
    )


def test_header_with_a_trailing_comment_is_the_section() -> None:
    text = "[mfa] ; refreshed by awsenv\naws_access_key_id = ASIAOLD\n[mfa2]\nx = 1\n"
    assert update_section(text, "mfa", {"aws_access_key_id": "ASIANEW"}) == (
        "[mfa] ; refreshed by awsenv\naws_access_key_id = ASIANEW\n[mfa2]\nx = 1\n"
    )


def test_commented_out_section_is_not_the_section() -> None:
    text = (
        "[default]\n"
        "aws_access_key_id = AKIAKEEP\n"
        "\n"
        "#[mfa]\n"
        "#aws_access_key_id = ASIAOLD\n"
        ";[mfa]\n"
        "  # [mfa]\n"
    )
    assert update_section(text, "mfa", {"aws_access_key_id": "ASIANEW"}) == (
        "[default]\n"
        "aws_access_key_id = AKIAKEEP\n"
        "\n"
        "#[mfa]\n"
        "#aws_access_key_id = ASIAOLD\n"
        ";[mfa]\n"
        "  # [mfa]\n"
        "\n"
        "[mfa]\n"
        "aws_access_key_id = ASIANEW\n"
    )


def test_keys_of_the_next_section_are_not_touched() -> None:
    text = "[mfa]\nregion = x\n[prod]\naws_access_key_id = AKIAPROD\n"
    assert update_section(text, "mfa", {"aws_access_key_id": "ASIANEW"}) == (
        "[mfa]\nregion = x\naws_access_key_id = ASIANEW\n[prod]\naws_access_key_id = AKIAPROD\n"
    )


# --- line endings and text ---------------------------------------------------


def test_crlf_file_stays_crlf_everywhere() -> None:
    text = (
        "# keys\r\n"
        "[default]\r\n"
        "aws_access_key_id = AKIAKEEP\r\n"
        "\r\n"
        "[mfa]\r\n"
        "aws_access_key_id = ASIAOLD\r\n"
        "\r\n"
        "[prod]\r\n"
        "region = x\r\n"
    )
    assert update_section(text, "mfa", NEW) == (
        "# keys\r\n"
        "[default]\r\n"
        "aws_access_key_id = AKIAKEEP\r\n"
        "\r\n"
        "[mfa]\r\n"
        "aws_access_key_id = ASIANEW\r\n"
        "aws_secret_access_key = newSecret\r\n"
        "aws_session_token = newToken\r\n"
        "\r\n"
        "[prod]\r\n"
        "region = x\r\n"
    )


def test_crlf_file_gets_a_crlf_new_section() -> None:
    text = "[default]\r\naws_access_key_id = AKIAKEEP"
    assert update_section(text, "mfa", {"aws_access_key_id": "A", "aws_session_token": "T"}) == (
        "[default]\r\n"
        "aws_access_key_id = AKIAKEEP\r\n"
        "\r\n"
        "[mfa]\r\n"
        "aws_access_key_id = A\r\n"
        "aws_session_token = T\r\n"
    )


def test_unicode_in_other_sections_survives(tmp_path: Path) -> None:
    text = (
        "# Schlüssel für Zoë — ключи 🔑\n"
        "[default]\n"
        "note = café ☕ 日本語\n"
        "\n"
        "[mfa]\n"
        "aws_access_key_id = ASIAOLD\n"
    )
    path = tmp_path / "credentials"
    path.write_bytes(text.encode("utf-8"))
    write_section(path, "mfa", {"aws_access_key_id": "ASIANEW"})
    assert (
        path.read_bytes()
        == (
            "# Schlüssel für Zoë — ключи 🔑\n"
            "[default]\n"
            "note = café ☕ 日本語\n"
            "\n"
            "[mfa]\n"
            "aws_access_key_id = ASIANEW\n"
        ).encode()
    )


def test_unicode_line_separators_are_not_line_breaks() -> None:
    # Files are read with universal newlines: only \n, \r\n and \r end a line.
    # U+2028, U+0085 and form feed are ordinary characters inside a value.
    text = (
        "[mfa]\n"
        "note = a\u2028aws_access_key_id = ASIAFAKE\x85[other]\x0cz\n"
        "aws_access_key_id = ASIAOLD\n"
    )
    assert update_section(text, "mfa", {"aws_access_key_id": "ASIANEW"}) == (
        "[mfa]\n"
        "note = a\u2028aws_access_key_id = ASIAFAKE\x85[other]\x0cz\n"
        "aws_access_key_id = ASIANEW\n"
    )


# --- idempotence -------------------------------------------------------------


def test_writing_the_same_values_twice_gives_identical_text() -> None:
    text = "[default]\nregion = x\n\n[mfa]\naws_access_key_id=ASIAOLD\n# end\n"
    once = update_section(text, "mfa", NEW)
    assert once == (
        "[default]\n"
        "region = x\n"
        "\n"
        "[mfa]\n"
        "aws_access_key_id=ASIANEW\n"
        "aws_secret_access_key = newSecret\n"
        "aws_session_token = newToken\n"
        "# end\n"
    )
    assert update_section(once, "mfa", NEW) == once


def test_write_section_leaves_an_unchanged_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_bytes(b"[mfa]\naws_access_key_id = ASIANEW")  # no trailing newline either
    os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    before = path.stat()
    write_section(path, "mfa", {"aws_access_key_id": "ASIANEW"})
    after = path.stat()
    assert path.read_bytes() == b"[mfa]\naws_access_key_id = ASIANEW"
    assert after.st_ino == before.st_ino
    assert after.st_mtime_ns == before.st_mtime_ns == 1_000_000_000_000_000_000
    assert temp_files(tmp_path) == []


def test_second_write_section_with_same_values_does_not_rewrite(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_bytes(b"[default]\r\nregion = x\r\n")
    write_section(path, "mfa", NEW)
    first = path.stat()
    content = path.read_bytes()
    write_section(path, "mfa", NEW)
    assert path.read_bytes() == content
    assert path.stat().st_ino == first.st_ino
    assert path.stat().st_mtime_ns == first.st_mtime_ns


# --- permissions, symlinks, atomicity ----------------------------------------

# Windows has ACLs, not modes, and symlinks need a privilege there.
posix_modes = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes and symlinks")


@posix_modes
def test_new_file_is_0600_in_a_new_0700_directory(tmp_path: Path) -> None:
    path = tmp_path / "home" / ".aws" / "credentials"
    old_umask = os.umask(0o022)
    try:
        write_section(path, "mfa", {"aws_access_key_id": "A"})
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


@posix_modes
def test_new_file_is_0600_even_under_a_permissive_umask(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    old_umask = os.umask(0)
    try:
        write_section(path, "mfa", {"aws_access_key_id": "A"})
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@posix_modes
def test_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_bytes(b"[mfa]\naws_access_key_id = ASIAOLD\n")
    path.chmod(0o640)
    write_section(path, "mfa", {"aws_access_key_id": "ASIANEW"})
    assert path.read_bytes() == b"[mfa]\naws_access_key_id = ASIANEW\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


@posix_modes
def test_symlinked_file_is_written_through(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "credentials"
    target.write_bytes(b"[default]\naws_access_key_id = AKIAKEEP\n")
    target.chmod(0o600)
    aws = tmp_path / ".aws"
    aws.mkdir()
    link = aws / "credentials"
    link.symlink_to(target)

    write_section(link, "mfa", {"aws_access_key_id": "ASIANEW"})

    assert link.is_symlink()
    assert os.readlink(link) == str(target)
    assert target.read_bytes() == (
        b"[default]\naws_access_key_id = AKIAKEEP\n\n[mfa]\naws_access_key_id = ASIANEW\n"
    )
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert temp_files(aws) == []
    assert temp_files(dotfiles) == []


@posix_modes
def test_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    target = tmp_path / "dotfiles" / "credentials"
    link = tmp_path / "credentials"
    link.symlink_to(target)
    write_section(link, "mfa", {"aws_access_key_id": "A"})
    assert link.is_symlink()
    assert target.read_bytes() == b"[mfa]\naws_access_key_id = A\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@posix_modes
def test_failed_rename_leaves_the_original_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "credentials"
    original = b"# mine\n[mfa]\naws_access_key_id = ASIAOLD\n"
    path.write_bytes(original)
    path.chmod(0o640)

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(ConfigError, match="cannot write") as caught:
        write_section(path, "mfa", {"aws_access_key_id": "ASIASECRETNEW"})
    monkeypatch.undo()

    assert "ASIASECRETNEW" not in str(caught.value)
    assert path.read_bytes() == original
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert temp_files(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["credentials"]


def test_failed_rename_of_a_new_file_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "credentials"

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(ConfigError):
        write_section(path, "mfa", {"aws_access_key_id": "A"})
    monkeypatch.undo()

    assert list(tmp_path.iterdir()) == []


def test_interrupt_during_rename_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "credentials"
    path.write_bytes(b"[mfa]\naws_access_key_id = ASIAOLD\n")

    def interrupted(src: object, dst: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_section(path, "mfa", {"aws_access_key_id": "ASIANEW"})
    monkeypatch.undo()

    assert path.read_bytes() == b"[mfa]\naws_access_key_id = ASIAOLD\n"
    assert temp_files(tmp_path) == []


# --- refusals ----------------------------------------------------------------


@pytest.mark.parametrize("bad", ["SEC\nRET", "SEC\rRET", "SEC\r\nRET", "SEC\0RET", "SECRET\n"])
def test_value_spanning_lines_is_refused_and_file_untouched(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "credentials"
    original = b"[mfa]\naws_access_key_id = ASIAOLD\n"
    path.write_bytes(original)
    with pytest.raises(ConfigError) as caught:
        write_section(path, "mfa", {"aws_access_key_id": "ASIANEW", "aws_session_token": bad})
    assert "SEC" not in str(caught.value)  # secrets stay out of messages
    assert path.read_bytes() == original
    assert temp_files(tmp_path) == []


def test_value_spanning_lines_is_refused_for_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    with pytest.raises(ConfigError):
        write_section(path, "mfa", {"aws_session_token": "a\nb"})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("bad", ["mfa\n[default]", "mfa\r", "", "mfa\0"])
def test_unusable_section_name_is_refused(bad: str) -> None:
    with pytest.raises(ConfigError):
        update_section("[default]\nregion = x\n", bad, {"aws_access_key_id": "A"})


@pytest.mark.parametrize("bad", ["aws\nkey", "key=x", "key:x", ""])
def test_unusable_key_is_refused(bad: str) -> None:
    with pytest.raises(ConfigError):
        update_section("[mfa]\n", "mfa", {bad: "A"})


def test_non_utf8_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    original = b"# Schl\xfcssel (latin-1)\n[mfa]\naws_access_key_id = ASIAOLD\n"
    path.write_bytes(original)
    path.chmod(0o600)
    os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    with pytest.raises(ConfigError, match="UTF-8"):
        write_section(path, "mfa", {"aws_access_key_id": "ASIANEW"})
    assert path.read_bytes() == original
    assert path.stat().st_mtime_ns == 1_000_000_000_000_000_000
    assert temp_files(tmp_path) == []


# --- session_section ---------------------------------------------------------


def test_session_section_holds_keys_token_and_expiration() -> None:
    creds = Credentials(
        "ASIANEW", "newSecret", "newToken", datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    )
    assert session_section(creds) == {
        "aws_access_key_id": "ASIANEW",
        "aws_secret_access_key": "newSecret",
        "aws_session_token": "newToken",
        "expiration": "2030-01-02T03:04:05Z",
    }


def test_session_section_without_expiration_has_no_expiration_key() -> None:
    assert session_section(Credentials("AKIA", "secret")) == {
        "aws_access_key_id": "AKIA",
        "aws_secret_access_key": "secret",
        "aws_session_token": "",
    }


def test_empty_session_token_reads_back_as_empty() -> None:
    text = update_section("", "mfa", session_section(Credentials("AKIA", "secret")))
    assert text == (
        "[mfa]\naws_access_key_id = AKIA\naws_secret_access_key = secret\naws_session_token = \n"
    )
    assert parse(text).get("mfa", "aws_session_token") == ""


# --- property: only [mfa] changes, and it reads back as written --------------

TARGET = "mfa"
WRITTEN_KEYS = ["aws_access_key_id", "aws_secret_access_key", "aws_session_token", "expiration"]
# Characters that are not line breaks to a file opened with universal newlines,
# including the ones str.splitlines() would wrongly break on.
line_text = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
        st.sampled_from("\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029=:#;[] \t"),
    ),
    max_size=12,
)
other_names = st.sampled_from(
    ["default", "mfa2", " mfa ", "MFA", "profile mfa", "mfa ; x", "prod", "ümlaut"]
)
body_keys = st.sampled_from(
    [*WRITTEN_KEYS, "AWS_Session_Token", "region", "note", "mfa_serial", "a b"]
)
delimiters = st.sampled_from(["=", " = ", "   =   ", "\t=\t", ": ", ":", " =", "= "])
indents = st.sampled_from([" ", "  ", "\t", "    "])


@st.composite
def comment_or_blank(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["blank", "spaces", "hash", "semi", "indented"]))
    if kind == "blank":
        return ""
    if kind == "spaces":
        return draw(st.sampled_from([" ", "\t", "  \t"]))
    if kind == "indented":
        return draw(indents) + "#" + draw(line_text)
    return ("#" if kind == "hash" else ";") + draw(line_text)


@st.composite
def key_block(draw: st.DrawFn) -> list[str]:
    """A key line, then maybe continuation lines and comments/blanks among them."""
    lines = [draw(body_keys) + draw(delimiters) + draw(line_text).strip()]
    for _ in range(draw(st.integers(0, 2))):
        if draw(st.booleans()):
            lines.append(draw(comment_or_blank()))
        cont = draw(line_text.filter(lambda s: s.strip() != ""))
        lines.append(draw(indents) + cont)
    return lines


@st.composite
def section(draw: st.DrawFn, name: str) -> list[str]:
    suffix = draw(st.sampled_from(["", " ; comment", " # c", "\t"]))
    lines = [f"[{name}]{suffix}"]
    for _ in range(draw(st.integers(0, 4))):
        if draw(st.booleans()):
            lines.extend(draw(key_block()))
        else:
            lines.append(draw(comment_or_blank()))
    return lines


@st.composite
def ini_file(draw: st.DrawFn) -> str:
    """Comments and blank lines, then sections; some of them [mfa], maybe twice."""
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [draw(comment_or_blank()) for _ in range(draw(st.integers(0, 2)))]
    for _ in range(draw(st.integers(0, 5))):
        name = TARGET if draw(st.integers(0, 3)) == 0 else draw(other_names)
        lines.extend(draw(section(name)))
    if not lines:
        return ""
    last_ending = draw(st.sampled_from([newline, ""]))
    return newline.join(lines) + last_ending


def outside(text: str, section_name: str) -> str:
    """The text of every line not inside [section_name] (headers sit at column 0 here)."""
    kept = []
    inside = False
    for line in re.findall(r"[^\n]*\n|[^\n]+", text):
        if line.startswith("["):
            header = re.match(r"\[(.+)\]", line.strip())
            inside = header is not None and header.group(1) == section_name
        if not inside:
            kept.append(line)
    return "".join(kept)


written_values = st.dictionaries(
    st.sampled_from(WRITTEN_KEYS),
    line_text.map(str.strip).filter(lambda v: "\0" not in v),
    min_size=1,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ini_file(), written_values)
def test_only_the_target_section_changes_and_reads_back(text: str, values: dict[str, str]) -> None:
    before = parse(text)
    result = update_section(text, TARGET, values)
    after = parse(result)

    for key, value in values.items():
        assert after.get(TARGET, key) == value
    if before.has_section(TARGET):
        assert outside(result, TARGET) == outside(text, TARGET)
        for key, value in before.items(TARGET):
            if key not in values:
                assert after.get(TARGET, key) == value
        assert sorted(after.options(TARGET)) == sorted(set(before.options(TARGET)) | set(values))
    else:
        assert result.startswith(text)
        assert result[len(text) :].lstrip("\r\n").startswith(f"[{TARGET}]")
    for name in before.sections():
        if name != TARGET:
            assert after.items(name) == before.items(name)
    assert update_section(result, TARGET, values) == result


# --- property: configparser's view changes in exactly awsenv's section -------


def view(text: str) -> list[tuple[str, dict[str, str]]]:
    """configparser's reading of `text`, set up exactly as awsenv/config/profiles.py reads."""
    parser = configparser.RawConfigParser(strict=False, default_section="\0none")
    parser.read_file(io.StringIO(text, newline=None))
    return [(name, dict(parser.items(name))) for name in parser.sections()]


any_indent = st.sampled_from(["", "", "", " ", "  ", "\t", "    "])
any_section = st.sampled_from(["mfa", "mfa", "default", "team", "MFA", " mfa", "DEFAULT", "mfa]x"])


@st.composite
def any_line(draw: st.DrawFn) -> str:
    """Any line, anywhere, at any indent: headers may land inside values, keys
    may land outside sections; configparser decides what each one is."""
    kind = draw(st.sampled_from(["header", "key", "key", "continuation", "comment", "blank"]))
    indent = draw(any_indent)
    if kind == "header":
        return f"{indent}[{draw(any_section)}]{draw(st.sampled_from(['', ' ; c', chr(9)]))}"
    if kind == "key":
        return indent + draw(body_keys) + draw(delimiters) + draw(line_text).strip()
    if kind == "continuation":
        return draw(indents) + draw(line_text.filter(lambda s: s.strip() != ""))
    if kind == "comment":
        return indent + draw(st.sampled_from("#;")) + draw(line_text)
    return draw(st.sampled_from(["", " ", "\t"]))


@st.composite
def any_file(draw: st.DrawFn) -> str:
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [draw(comment_or_blank()) for _ in range(draw(st.integers(0, 1)))]
    lines.append(f"{draw(any_indent)}[{draw(any_section)}]")
    lines.extend(draw(st.lists(any_line(), max_size=14)))
    return newline.join(lines) + draw(st.sampled_from([newline, ""]))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_file(), written_values)
def test_configparser_sees_only_the_target_section_change(
    text: str, values: dict[str, str]
) -> None:
    try:
        before = view(text)
    except configparser.Error:
        assume(False)  # a file configparser rejects is refused before any edit
        return
    expected = dict(before)
    expected[TARGET] = {**expected.get(TARGET, {}), **{k.lower(): v for k, v in values.items()}}

    after = view(update_section(text, TARGET, values))

    assert dict(after) == expected
    new = [] if TARGET in dict(before) else [TARGET]
    assert [name for name, _ in after] == [name for name, _ in before] + new


# --- compare-and-swap: [section] changed since the run read it --------------

SESSION_READ = {
    "aws_access_key_id": "ASIAREAD",
    "aws_secret_access_key": "readSecret",
    "aws_session_token": "readToken",
    "expiration": "2030-01-01T00:00:00Z",
}
OURS = {**NEW, "expiration": "2030-01-01T12:00:00Z"}


def section_text(values: dict[str, str]) -> str:
    return "[default]\nregion = x\n\n[mfa]\n" + "".join(f"{k} = {v}\n" for k, v in values.items())


def test_section_as_the_run_read_it_is_written(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_text(section_text(SESSION_READ) + "[team]\nk = added meanwhile\n")
    assert write_section(path, "mfa", OURS, read=SESSION_READ).wrote
    assert path.read_text() == section_text(OURS) + "[team]\nk = added meanwhile\n"


@pytest.mark.parametrize("token", [{}, {"aws_session_token": ""}])
def test_section_now_holding_long_term_keys_is_refused(
    tmp_path: Path, token: dict[str, str]
) -> None:
    # An empty token is no token to botocore: those keys are used as long-term keys.
    path = tmp_path / "credentials"
    keys = {"aws_access_key_id": "AKIAUSER", "aws_secret_access_key": "userSecret"}
    text = section_text({**keys, **token})
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"\[mfa\] .* now holds long-term keys") as caught:
        write_section(path, "mfa", OURS, read=SESSION_READ)
    assert "userSecret" not in str(caught.value)
    assert path.read_text() == text
    assert temp_files(tmp_path) == []


@pytest.mark.parametrize("theirs", ["2030-01-01T12:00:00Z", "2031-01-01T00:00:00Z"])
def test_section_now_holding_a_session_lasting_as_long_is_kept(tmp_path: Path, theirs: str) -> None:
    path = tmp_path / "credentials"
    text = section_text({**SESSION_READ, "aws_session_token": "otherToken", "expiration": theirs})
    path.write_text(text)
    assert write_section(path, "mfa", OURS, read=SESSION_READ) is None
    assert path.read_text() == text


@pytest.mark.parametrize(
    "changed",
    [
        {"expiration": "2030-01-01T11:59:59Z"},  # ends before ours
        {"expiration": "2001-01-01T00:00:00Z"},  # already over
        {"expiration": "not a time"},
        {"region": "eu-west-1"},  # the session untouched, a key added by hand
    ],
)
def test_section_changed_otherwise_gets_our_session(
    tmp_path: Path, changed: dict[str, str]
) -> None:
    path = tmp_path / "credentials"
    path.write_text(section_text({**SESSION_READ, **changed}))
    assert write_section(path, "mfa", OURS, read=SESSION_READ).wrote
    assert dict(parse(path.read_text()).items("mfa")) == {**SESSION_READ, **changed, **OURS}


def test_section_gone_meanwhile_is_written_again(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_text("[default]\nregion = x\n")
    assert write_section(path, "mfa", OURS, read=SESSION_READ).wrote
    assert dict(parse(path.read_text()).items("mfa")) == OURS


# --- files awsenv will not replace -------------------------------------------


@posix_modes
def test_hard_linked_file_is_refused_with_its_link_count(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_text("[mfa]\naws_access_key_id = ASIAOLD\n")
    os.link(path, tmp_path / "backup")
    os.link(path, tmp_path / "another")
    with pytest.raises(ConfigError, match=r"has 3 hard links.*symlinks"):
        write_section(path, "mfa", NEW)
    assert path.read_text() == "[mfa]\naws_access_key_id = ASIAOLD\n"
    assert path.stat().st_nlink == 3
    assert temp_files(tmp_path) == []


@posix_modes
@pytest.mark.parametrize("mode", [0o400, 0o444, 0o040, 0o000])
def test_file_without_the_owners_write_bit_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "credentials"
    path.write_text("[mfa]\naws_access_key_id = ASIAOLD\n")
    path.chmod(mode)
    with pytest.raises(ConfigError) as caught:
        write_section(path, "mfa", NEW)
    assert str(caught.value) == (
        f"{path} is read-only; awsenv will not write it (chmod u+w to allow)"
    )
    assert stat.S_IMODE(path.stat().st_mode) == mode
    path.chmod(0o600)
    assert path.read_text() == "[mfa]\naws_access_key_id = ASIAOLD\n"


@posix_modes
def test_symlink_to_a_read_only_file_is_refused_too(tmp_path: Path) -> None:
    target = tmp_path / "real"
    target.write_text("[mfa]\n")
    target.chmod(0o400)
    link = tmp_path / "credentials"
    link.symlink_to(target)
    with pytest.raises(ConfigError, match="read-only"):
        write_section(link, "mfa", NEW)


@posix_modes
@pytest.mark.parametrize(
    ("mode", "who"),
    [(0o644, "its group and other users"), (0o640, "its group"), (0o604, "other users")],
)
def test_file_readable_by_others_gets_a_warning_naming_the_fix(
    tmp_path: Path, mode: int, who: str
) -> None:
    path = tmp_path / "credentials"
    path.write_text("")
    path.chmod(mode)
    assert exposure_warning(path) == (
        f"{path} is readable by {who} (mode {mode:04o}) and holds session keys; "
        f"run `chmod 600 {path}` to keep them yours"
    )


@posix_modes
@pytest.mark.parametrize("mode", [0o600, 0o700, 0o620, 0o602])
def test_file_no_one_else_can_read_gets_no_warning(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "credentials"
    path.write_text("")
    path.chmod(mode)
    assert exposure_warning(path) is None


# --- temp files --------------------------------------------------------------


@posix_modes
def test_temp_file_is_named_for_awsenv_created_0600_and_exclusive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "credentials"
    path.write_text("[mfa]\n")
    path.chmod(0o640)
    opened: list[tuple[str, int, int]] = []
    real_open = os.open

    def recording_open(name: str, flags: int, mode: int = 0o777, **kw: object) -> int:
        opened.append((os.fspath(name), flags, mode))
        return real_open(name, flags, mode, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", recording_open)
    write_section(path, "mfa", NEW)
    monkeypatch.undo()

    temps = [(Path(n), f, m) for n, f, m in opened if n.endswith(".tmp")]
    assert len(temps) == 1
    temp, flags, mode = temps[0]
    assert temp.parent == tmp_path
    assert re.fullmatch(rf"\.credentials\.awsenv-{os.getpid()}-[0-9a-f]{{12}}\.tmp", temp.name)
    assert TEMP_PATTERN.fullmatch(temp.name)
    assert flags & os.O_CREAT and flags & os.O_EXCL
    assert mode == 0o600
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # the target keeps its own
    assert temp_files(tmp_path) == []


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@posix_modes
def test_stale_temp_files_of_awsenv_and_only_those_are_removed(tmp_path: Path) -> None:
    dead, alive = _dead_pid(), os.getpid()
    old = time.time() - 120

    def temp(name: str, age: float | None = None) -> Path:
        path = tmp_path / name
        path.write_text("aws_secret_access_key = leftover")
        if age is not None:
            os.utime(path, (age, age))
        return path

    removed = [
        temp(f".credentials.awsenv-{dead}-0123456789ab.tmp"),  # its writer is gone
        temp(f".credentials.awsenv-{alive}-0123456789ab.tmp", age=old),  # over a minute
        temp(f".x.json.awsenv-{dead}-aaaaaaaaaaaa.tmp"),
    ]
    kept = [
        temp(f".credentials.awsenv-{alive}-0123456789ac.tmp"),  # a live writer's, young
        temp(".credentials.abc123.tmp", age=old),  # not awsenv's name
        temp(f"credentials.awsenv-{dead}-0123456789ab.tmp", age=old),  # no leading dot
        temp(f".credentials.awsenv-{dead}-0123456789ab.tmp.bak", age=old),
        temp("credentials"),
    ]
    link = tmp_path / f".y.awsenv-{dead}-bbbbbbbbbbbb.tmp"
    link.symlink_to(tmp_path / "credentials")
    kept.append(link)

    remove_stale_temps(tmp_path)

    assert [p.name for p in removed if p.exists()] == []
    assert [p.name for p in kept if not p.is_symlink() and not p.exists()] == []
    assert link.is_symlink()


@posix_modes
@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_another_users_stale_temp_file_is_left_alone(tmp_path: Path) -> None:
    theirs = tmp_path / f".credentials.awsenv-{_dead_pid()}-0123456789ab.tmp"
    theirs.write_text("")
    os.chown(theirs, 65534, 65534)
    remove_stale_temps(tmp_path, now=time.time() + 3600)
    assert theirs.exists()


@posix_modes
def test_write_section_removes_stale_temps_next_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    stale = tmp_path / f".credentials.awsenv-{_dead_pid()}-0123456789ab.tmp"
    stale.write_text("aws_secret_access_key = leftover")
    write_section(path, "mfa", NEW)
    assert temp_files(tmp_path) == []


# --- owners ------------------------------------------------------------------

as_root = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root, as under sudo -E"
)


@as_root
def test_root_keeps_owner_group_and_mode_of_a_users_file(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_text("[mfa]\naws_access_key_id = ASIAOLD\n")
    path.chmod(0o640)
    os.chown(path, 65534, 65534)
    write_section(path, "mfa", NEW)
    info = path.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (65534, 65534, 0o640)


@as_root
def test_root_creates_a_new_file_for_the_directorys_owner(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    os.chown(home, 65534, 65534)
    path = home / ".aws" / "credentials"
    write_section(path, "mfa", NEW)
    for made in (path, path.parent):
        assert (made.stat().st_uid, made.stat().st_gid) == (65534, 65534)


@as_root
def test_owner_that_cannot_be_kept_fails_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "credentials"
    path.write_text("[mfa]\naws_access_key_id = ASIAOLD\n")
    os.chown(path, 65534, 65534)

    def refused(fd: int, uid: int, gid: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "fchown", refused)
    with pytest.raises(ConfigError) as caught:
        write_section(path, "mfa", NEW)
    monkeypatch.undo()

    assert "belongs to uid 65534 gid 65534" in str(caught.value)
    assert "nothing was written" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert path.read_text() == "[mfa]\naws_access_key_id = ASIAOLD\n"
    assert temp_files(tmp_path) == []


def test_reader_and_editor_agree_on_lone_cr_line_endings(tmp_path: Path) -> None:
    # botocore opens the files with universal newlines: a lone CR ends a line.
    from awsenv.config.profiles import AwsFiles

    path = tmp_path / "credentials"
    path.write_bytes(b"[default]\raws_access_key_id = AKIAKEEP\r[mfa]\raws_access_key_id = OLD\r")
    assert AwsFiles.load(tmp_path / "config", path).credentials == {
        "default": {"aws_access_key_id": "AKIAKEEP"},
        "mfa": {"aws_access_key_id": "OLD"},
    }
    write_section(path, "mfa", {"aws_access_key_id": "ASIANEW"}, read={"aws_access_key_id": "OLD"})
    assert path.read_bytes() == (
        b"[default]\raws_access_key_id = AKIAKEEP\r[mfa]\raws_access_key_id = ASIANEW\r"
    )
