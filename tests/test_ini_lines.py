"""awsenv/ini_lines.py is configparser's line rules, once: the kinds it gives
each line imply exactly the sections and options configparser reads (set up as
awsenv and botocore set it up), and it rejects exactly the files configparser
rejects."""

from __future__ import annotations

import configparser
import io
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from awsenv import ini_lines
from awsenv.ini_lines import BLANK, CONTINUATION, HEADER, OPTION, REJECTED

SENTINEL = "\0none"

# Lines that stress the rules: odd headers, headers inside values, keys with
# odd delimiters, empty keys, comments and whitespace that is not a newline.
TEXT = st.text(
    st.one_of(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
        st.sampled_from("\x0b\x0c\x1c\x85\u2028=:#;[] \t"),
    ),
    max_size=8,
)
SAMPLES = [
    "[default]", "[profile dev]", "  [indented]", "[a]b]", "[x] trailing", "[]", "[]]",
    "", " ", "# [commented]", "; [also]", "  # indented comment", "key = value",
    "k: v", "a=b:c", "a:b=c", " = empty name", "=", ": x", "  continued = [not a header]",
    "\t[tabbed]", "no delimiter", f"[{SENTINEL}]", "\x0c", "\x1c[fs]",
]  # fmt: skip
LINE = st.one_of(
    st.sampled_from(SAMPLES),
    st.builds(lambda i, t: i + t, st.sampled_from(["", " ", "  ", "\t", "    "]), TEXT),
    st.builds(lambda n: f"[{n}]", TEXT.filter(bool)),
)


def configparser_view(text: str) -> list[tuple[str, dict[str, str]]] | None:
    parser = configparser.RawConfigParser(strict=False, default_section=SENTINEL)
    try:
        parser.read_file(io.StringIO(text, newline=None))
    except configparser.Error:
        return None
    # Each section's own options: items() would mix in the defaults section's.
    return [(name, dict(parser._sections[name])) for name in parser.sections()]  # type: ignore[attr-defined]


def kinds_view(text: str) -> list[tuple[str, dict[str, str]]] | None:
    """What configparser must read, if the kinds are right."""
    lines = ini_lines.split(text)
    kinds = ini_lines.kinds(lines)
    if REJECTED.intersection(kinds):
        return None
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    key = None
    for line, kind in zip(lines, kinds, strict=True):
        stripped = line.strip()
        if kind == HEADER:
            name = ini_lines.header_name(stripped)
            assert name is not None
            current = {} if name == SENTINEL else sections.setdefault(name, {})
            key = None
        elif kind == OPTION:
            assert current is not None
            written = ini_lines.option_key(stripped)
            assert written is not None
            key = written.lower()
            current[key] = [stripped[ini_lines.delimiter(stripped) + 1 :].strip()]
        elif kind == CONTINUATION:
            assert current is not None and key is not None
            current[key].append(stripped)
        elif kind == BLANK and not stripped and current is not None and key:
            current[key].append("")
    return [
        (name, {k: "\n".join(v).rstrip() for k, v in options.items()})
        for name, options in sections.items()
    ]


@settings(max_examples=800, deadline=None)
@given(
    lines=st.lists(LINE, max_size=12),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    first=st.sampled_from(["[first]", "", "  [first]"]),
)
def test_kinds_agree_with_configparser(lines: list[str], newline: str, first: str) -> None:
    text = newline.join([first, *lines])
    assert kinds_view(text) == configparser_view(text)


@settings(max_examples=500, deadline=None)
@given(lines=st.lists(LINE, max_size=12))
def test_the_margin_shortcut_decides_as_the_general_rule(lines: list[str]) -> None:
    text = "\n".join(["[first]", *lines]) + "\n"
    lines = ini_lines.split(text)
    assert ini_lines.kinds(lines) == ini_lines.kinds(lines, shortcut=False)


@given(st.text(st.sampled_from("ab \r\n\x0c\x1c\x85\u2028")))
def test_lines_split_at_universal_newlines_and_keep_their_endings(text: str) -> None:
    lines = ini_lines.split(text)
    assert "".join(lines) == text
    assert lines == re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+", text)
    assert lines == io.StringIO(text, newline="").readlines()


def test_a_header_name_runs_to_the_last_bracket() -> None:
    assert ini_lines.header_name("[a]b]") == "a]b"
    assert ini_lines.header_name("[x] trailing") == "x"
    assert ini_lines.header_name("[]]") == "]"
    assert ini_lines.header_name("[]") is None
    assert ini_lines.header_name("x[a]") is None


def test_the_first_delimiter_ends_the_key() -> None:
    assert ini_lines.option_key("a:b=c") == "a"
    assert ini_lines.option_key("a=b:c") == "a"
    assert ini_lines.option_key("a b \t= c") == "a b"
    assert ini_lines.option_key("= c") is None
    assert ini_lines.option_key("no delimiter") is None


def test_the_reader_and_the_name_reader_import_nothing_heavy() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, awsenv.profile_names; "
        "print(','.join(m for m in ('re', 'configparser', 'typing', 'dataclasses') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
