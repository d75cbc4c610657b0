"""sections.py, the fast path's reading of which sections a memo depends on,
against configparser and shlex, the full path's readers."""

from __future__ import annotations

import configparser
import io
import shlex

from hypothesis import given, settings
from hypothesis import strategies as st

from awsenv.sections import Sections, config_profile_name

CHAIN = frozenset({"dev", "mfa", "default"})
BASE = b"""# keys
[default]
region = eu-west-1

[profile mfa]
source_profile = default

[profile dev]
role_arn = arn:aws:iam::123456789012:role/dev
source_profile = mfa

[profile prod]
role_arn = arn:aws:iam::123456789012:role/prod
"""


def botocore_name(section: str) -> str | None:
    """botocore.configloader.build_profile_map's rule, with shlex every time."""
    if section == "default":
        return section
    if not section.startswith("profile"):
        return None
    try:
        parts = shlex.split(section)
    except ValueError:
        return None
    return parts[1] if len(parts) == 2 else None


@given(st.text(alphabet=st.sampled_from(list("profile dv'\"\\\t\u00a0x_-")), max_size=20))
@settings(max_examples=500)
def test_profile_names_are_botocores_without_shlex_for_plain_headers(header: str) -> None:
    assert config_profile_name(header) == botocore_name(header)
    assert config_profile_name("profile" + header) == botocore_name("profile" + header)


def reads(data: bytes) -> bool:
    parser = configparser.RawConfigParser(strict=False, default_section="\0none")
    try:
        parser.read_file(io.StringIO(data.decode(), newline=None))
    except configparser.Error:
        return False
    return True


LINES = [
    "[profile prod]",
    "[profile qa]",
    "key = value",
    "key: value",
    "  continued",
    "\tx = 1",
    "no delimiter here",
    " = empty name",
    "# comment",
    "; comment",
    "",
    "  ",
    "  [indented]",
    "[open",
]


@given(st.lists(st.sampled_from(LINES), max_size=8), st.sampled_from(["\n", "\r\n", "\r"]))
@settings(max_examples=1000)
def test_what_it_calls_readable_configparser_reads(lines: list[str], newline: str) -> None:
    data = BASE + newline.join(lines).encode()
    sections = Sections(data, config=True)
    if not sections.exact_only and sections.others_readable(CHAIN):
        assert reads(data), data


def test_digest_covers_the_chain_and_nothing_else() -> None:
    before = Sections(BASE, config=True).digest(CHAIN)
    elsewhere = BASE.replace(b"role/prod", b"role/prod2") + b"\n[profile qa]\nx = 1\n"
    assert Sections(elsewhere, config=True).digest(CHAIN) == before
    for own in (b"role/dev", b"source_profile = default", b"eu-west-1", b"# keys"):
        changed = BASE.replace(own, own + b"x")
        assert Sections(changed, config=True).digest(CHAIN) != before, own


def test_blank_lines_between_sections_belong_to_none() -> None:
    before = Sections(BASE, config=True).digest(CHAIN)
    spaced = BASE.replace(b"[profile dev]", b"\n\n[profile dev]") + b"\n\n[profile qa]\n"
    assert Sections(spaced, config=True).digest(CHAIN) == before


def test_a_header_it_cannot_name_counts_as_every_profiles() -> None:
    before = Sections(BASE, config=True).digest(CHAIN)
    for header in (b"[profile 'dev']", b'[profile "qa"]', b"[profile\\ x]"):
        grown = BASE + header + b"\nregion = x\n"
        assert Sections(grown, config=True).digest(CHAIN) != before, header


def test_an_indented_or_padded_header_leaves_only_the_whole_file() -> None:
    for odd in (b"  [profile qa]", b"[profile qa] ", b"[profile qa"):
        assert Sections(BASE + odd + b"\n", config=True).exact_only, odd


def test_credentials_sections_are_named_as_they_stand() -> None:
    data = b"[dev]\na = 1\n[profile dev]\nb = 2\n"
    names = [name for name, _ in Sections(data, config=False).parts]
    assert names == [None, "dev", "profile dev"]
