"""Quoting, per shell: every value comes back byte for byte, and nothing in it runs.

Rendered output is evaluated in the real shells in strict mode (tests/realshells.py)
and read back through NUL-separated printf. PowerShell cannot be installed on
these machines, so its output is checked by the tree-sitter grammar and by a
decoder that follows PowerShell's own single-quote rules (tests/pwsh_grammar.py);
where pwsh exists (GitHub's runners), it is run for real too.
"""

from __future__ import annotations

import os
import re
import shutil
import string
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import require
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pwsh_grammar import (
    SINGLE_QUOTES,
    decode_single_quoted,
    decode_value,
    parse_errors,
    read_exports,
    string_literals,
)
from realshells import COMMANDS, evaluate
from shell_lint import DATA_EXCLUSIONS

from awsenv import quoting
from awsenv.core.exports import Exports
from awsenv.errors import UsageError
from awsenv.render.templates import render_exports
from awsenv.shell import Shell, lookup

REAL_SHELLS = ("bash", "zsh", "sh", "fish", "elvish")
BINARY = {name: COMMANDS[name][0] for name in REAL_SHELLS}  # sh runs as dash

CURLY_QUOTES = "\u2019 \u2018 \u201a \u201b"
TOKEN_4K = ((string.ascii_letters + string.digits + "+/") * 70)[:4092] + "//=="

CORPUS: tuple[tuple[str, str], ...] = (
    ("trailing backslash", "abc\\"),
    ("lone backslash", "\\"),
    ("backslash quote", "\\'"),
    ("double backslash", "\\\\"),
    ("command substitution", "$(id)"),
    ("backticks", "`id`"),
    ("history", "!!"),
    ("history words", "!$ !-1 !id"),
    ("variable", "$HOME"),
    ("braced variable", "${x}"),
    ("unset variable under -u", "${AWSENV_NEVER_DEFINED} $AWSENV_NEVER_DEFINED"),
    ("arithmetic", "$((1+1))"),
    ("single quote", "'"),
    ("two single quotes", "''"),
    ("posix escaped quote", "'\\''"),
    ("fish escaped quote", "\\'x\\'"),
    ("double quote", '"'),
    ("curly quotes", CURLY_QUOTES),
    ("curly quotes adjacent", "\u2019\u2018\u201a\u201b'\u2019'"),
    ("semicolon", ";"),
    ("pipe", "|"),
    ("ampersand", "&"),
    ("and-and", "a && b || c"),
    ("glob star", "*"),
    ("glob class", "?[a]*"),
    ("tilde", "~"),
    ("tilde path", "~/x ~root"),
    ("hash", "#"),
    ("hash mid-word", "x #not a comment"),
    ("newline", "a\nb"),
    ("trailing newline", "end\n"),
    ("leading newline", "\nstart"),
    ("carriage return", "a\rb"),
    ("crlf", "a\r\nb"),
    ("trailing crlf", "end\r\n"),
    ("tab", "a\tb"),
    ("leading dash", "-e"),
    ("leading dash option", "-n -x --help"),
    ("double dash", "--"),
    ("printf format", "%s%n%d%%"),
    ("emoji", "\U0001f511\u2601\ufe0f\U0001f469\u200d\U0001f4bb"),
    ("rtl", "\u0645\u0631\u062d\u0628\u0627 \u05e2\u05d1\u05e8\u05d9\u05ea \u202eabc\u202c"),
    ("combining marks", "e\u0301 a\u0308\u0323 \u0915\u094d\u0937"),
    ("4 KB token", TOKEN_4K),
    ("empty", ""),
    ("only spaces", "   "),
    ("padded", " x "),
    ("powershell subexpression", "$(Get-Date) $env:PATH @(1) `n"),
    ("fish command substitution", "(id)"),
    ("fish brace expansion", "{a,b}"),
    ("equals", "a=b=c"),
    ("unicode line breaks", "a\u2028b\u2029c\x85d\x0be\x0cf"),
    ("control characters", "\x01\x07\x1b[31m\x7f"),
    ("private use and noncharacters", "\uf600\uf6ff\ufdd0\ufffe\U0010ffff"),
)
CORPUS_IDS = [name for name, _ in CORPUS]
CORPUS_VALUES = [value for _, value in CORPUS]

PRESET = {"AWSENV_GONE": "set before the export"}
UNSET = ("AWSENV_GONE", "AWSENV_NEVER_SET")


def canary_values(canary: Path) -> list[str]:
    """Values that create `canary` if any part of them is ever run as code."""
    c = str(canary)
    return [
        f"$(touch {c})",
        f"`touch {c}`",
        f"'; touch {c}; '",
        f"'\\''; touch {c}; '",
        f'"; touch {c}; "',
        f'"$(touch {c})"',
        f"(touch {c})",
        f"\ntouch {c}\n",
        "x\\",  # POSIX quoting fed to fish escapes the closing quote, then...
        f"; touch {c}; #",  # ...this value's opening quote closes it and touch runs
        f"\\'; touch {c}; #",
        f"\u2019; touch {c}; \u2019",
    ]


def names_for(values: list[str]) -> list[str]:
    return [f"AWSENV_T{i}" for i in range(len(values))]


def exports_for(values: list[str]) -> Exports:
    return Exports(set=tuple(zip(names_for(values), values, strict=True)), unset=UNSET, profile="p")


def render(shell: str | Shell, values: list[str]) -> str:
    return render_exports(lookup(shell) if isinstance(shell, str) else shell, exports_for(values))


def mismatches(expected: dict[str, str], actual: dict[str, str]) -> list[str]:
    wrong = []
    for name in sorted(expected.keys() | actual.keys()):
        want, got = expected.get(name), actual.get(name)
        if want != got:
            wrong.append(f"{name}: expected {want!r:.120}, got {got!r:.120}")
    return wrong


def check_in_real_shell(shell: str, values: list[str], tmp: Path) -> None:
    """Render `values` plus canaries, evaluate in `shell` strictly, read back."""
    canary = tmp / "CANARY"
    values = [*values, *canary_values(canary)]
    code = render(shell, values)
    result = evaluate(shell, code, [*names_for(values), *UNSET], tmp, preset=PRESET)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert not canary.exists(), "a value was run as code"
    wrong = mismatches(dict(zip(names_for(values), values, strict=True)), result.variables)
    assert not wrong, "\n".join(wrong)


@pytest.fixture(scope="module", params=REAL_SHELLS)
def real_shell(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    require(BINARY[name])
    return name


# --- the corpus in the real shells -------------------------------------------------


def test_corpus_round_trips_in_real_shell(real_shell: str, tmp_path: Path) -> None:
    check_in_real_shell(real_shell, CORPUS_VALUES, tmp_path)


@pytest.mark.parametrize("value", CORPUS_VALUES, ids=CORPUS_IDS)
def test_each_corpus_value_alone_round_trips(real_shell: str, value: str, tmp_path: Path) -> None:
    """One value per shell process, so a failure names the value that broke."""
    check_in_real_shell(real_shell, [value], tmp_path)


def test_canary_fires_when_a_wrong_quoter_lets_code_run(real_shell: str, tmp_path: Path) -> None:
    """The harness itself can fail: a broken quoter runs a canary payload."""
    template = lookup(real_shell).template
    if real_shell == "fish":
        broken = Shell("fish", template, quoting.posix)  # the cashapp/hermit bug
        values = ["x\\", f"; touch {tmp_path / 'CANARY'}; #"]
    elif real_shell == "elvish":
        broken = Shell("elvish", template, lambda value: f"'{value}'")  # no '' doubling
        values = [f"'; touch {tmp_path / 'CANARY'}; '"]
    else:
        broken = Shell(real_shell, template, lambda value: f'"{value}"')
        values = [f"$(touch {tmp_path / 'CANARY'})"]
    evaluate(real_shell, render(broken, values), names_for(values), tmp_path)
    assert (tmp_path / "CANARY").exists()


# --- random values in the real shells ----------------------------------------------

NASTY_CHARS = "'\"$`\\;\n\r\t !#%&*()-={}|~" + "\u2018\u2019\u201a\u201b"
NASTY_CHUNKS = (
    "\r\n",
    "'\\''",
    "\\'",
    "''",
    "\\",
    "$(",
    "${",
    "`",
    "%s",
    "--",
    "-e",
    "\u2019\u2019",
    "\\\n",
    "'\u2019",
)
any_char = st.characters(codec="utf-8", exclude_characters="\x00")  # no NUL, no surrogates
biased_char = st.one_of(st.sampled_from(NASTY_CHARS), any_char)
value_strategy = st.one_of(
    st.text(biased_char, max_size=30),
    st.lists(
        st.one_of(st.sampled_from(NASTY_CHUNKS), st.text(biased_char, max_size=3)), max_size=10
    ).map("".join),
    st.text(any_char, max_size=60),
)
batch_strategy = st.lists(value_strategy, min_size=1, max_size=60)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=batch_strategy)
def test_random_values_round_trip_in_real_shell(real_shell: str, values: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        check_in_real_shell(real_shell, values, Path(tmp))


# --- NUL ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "quote", [quoting.posix, quoting.fish, quoting.pwsh, quoting.elvish, quoting.tcsh]
)
@pytest.mark.parametrize("value", ["\x00", "a\x00b", "abc\x00"])
def test_quoting_rejects_nul(quote: Callable[[str], str], value: str) -> None:
    with pytest.raises(UsageError):
        quote(value)


@pytest.mark.parametrize("shell", ["bash", "zsh", "sh", "fish", "pwsh", "elvish", "tcsh"])
def test_rendering_rejects_nul(shell: str) -> None:
    with pytest.raises(UsageError):
        render(shell, ["fine", "not\x00fine"])


# --- exact output ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quote", "value", "expected"),
    [
        (quoting.posix, "abc", "'abc'"),
        (quoting.posix, "it's", "'it'\\''s'"),
        (quoting.posix, "a\\", "'a\\'"),
        (quoting.posix, "", "''"),
        (quoting.posix, "\u2019", "'\u2019'"),
        (quoting.fish, "it's", "'it\\'s'"),
        (quoting.fish, "a\\", "'a\\\\'"),
        (quoting.fish, "\\'", "'\\\\\\''"),
        (quoting.fish, "", "''"),
        (quoting.pwsh, "abc", "'abc'"),
        (quoting.pwsh, "it's", "'it''s'"),
        (quoting.pwsh, "\u2019", "('' + [char]0x2019)"),
        (
            quoting.pwsh,
            "'\u2018\u2019\u201a\u201b",
            "('''' + [char]0x2018 + [char]0x2019 + [char]0x201A + [char]0x201B)",
        ),
        (quoting.pwsh, "a\r\nb", "('a' + [char]0x000D + [char]0x000A + 'b')"),
        (quoting.pwsh, "\U0001f600", "('' + [char]0xD83D + [char]0xDE00)"),
        (quoting.pwsh, '$env:X `n "\\', "'$env:X `n \"\\'"),
        (quoting.pwsh, "", "''"),
        (quoting.elvish, "it's", "'it''s'"),
        (quoting.elvish, "a\\", "'a\\'"),
        (quoting.elvish, "$x `id` \n", "'$x `id` \n'"),
        (quoting.elvish, "", "''"),
        (quoting.tcsh, "abc", "'abc'"),
        (quoting.tcsh, "it's", "'it'\\''s'"),
        (quoting.tcsh, "a\\", "'a'\\\\"),
        (quoting.tcsh, "!!", "\\!\\!"),
        (quoting.tcsh, "$x `id`", "'$x `id`'"),
        (quoting.tcsh, "", "''"),
    ],
)
def test_quoting_table(quote: Callable[[str], str], value: str, expected: str) -> None:
    assert quote(value) == expected


# --- checking shell code without running it ----------------------------------------


# Notes about literal data, which the quoting keeps literal on purpose (the
# one list, with reasons, is in shell_lint.py).
SHELLCHECK_DATA_WARNINGS = ",".join(DATA_EXCLUSIONS)


def shellcheck(dialect: str, code: str, *extra: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["shellcheck", "-s", dialect, "-S", "warning", *extra, "-"],
        input=code.encode("utf-8"),
        capture_output=True,
        timeout=60,
        check=False,
    )


def fish_no_execute(code: str) -> subprocess.CompletedProcess[bytes]:
    # On stdin: with -c, fish 3.6 exits 0 even on a syntax error.
    return subprocess.run(
        ["fish", "--no-config", "--no-execute"],
        input=code.encode("utf-8"),
        capture_output=True,
        timeout=60,
        check=False,
    )


# shellcheck has no zsh dialect; the zsh template's exports are POSIX syntax,
# so they are checked as bash (zsh -n checks them as zsh below).
@pytest.mark.parametrize(("shell", "dialect"), [("bash", "bash"), ("sh", "sh"), ("zsh", "bash")])
def test_rendered_output_passes_shellcheck(shell: str, dialect: str, tmp_path: Path) -> None:
    require("shellcheck")
    code = render(shell, [*CORPUS_VALUES, *canary_values(tmp_path / "CANARY")])
    proc = shellcheck(dialect, code, "--exclude", SHELLCHECK_DATA_WARNINGS)
    assert proc.returncode == 0, proc.stdout.decode("utf-8", "replace")


def test_shellcheck_check_can_fail() -> None:
    require("shellcheck")
    exclude = ("--exclude", SHELLCHECK_DATA_WARNINGS)
    assert shellcheck("sh", "export A='unterminated\n", *exclude).returncode != 0
    assert shellcheck("sh", "export A=$(id)\n", *exclude).returncode != 0  # SC2046, SC2155
    assert shellcheck("bash", "export A=$b\n", *exclude).returncode != 0  # SC2154


@pytest.mark.parametrize("shell", ["bash", "zsh", "sh"])
def test_rendered_output_passes_shell_n(shell: str, tmp_path: Path) -> None:
    require(BINARY[shell])
    code = render(shell, [*CORPUS_VALUES, *canary_values(tmp_path / "CANARY")])
    argv = [*COMMANDS[shell], "-n"]
    ok = subprocess.run(argv, input=code.encode(), capture_output=True, timeout=60, check=False)
    assert (ok.returncode, ok.stderr) == (0, b"")
    bad = subprocess.run(argv, input=b"export A='x\n", capture_output=True, timeout=60, check=False)
    assert bad.returncode != 0


def test_rendered_fish_passes_fish_no_execute(tmp_path: Path) -> None:
    require("fish")
    code = render("fish", [*CORPUS_VALUES, *canary_values(tmp_path / "CANARY")])
    proc = fish_no_execute(code)
    assert (proc.returncode, proc.stderr) == (0, b"")


@pytest.mark.parametrize(
    "broken",
    [
        "set -gx A 'unterminated\n",
        "if set -q A; set -e A\n",  # no `end`
        "set -gx A 'x' )\n",
    ],
)
def test_fish_no_execute_check_can_fail(broken: str) -> None:
    require("fish")
    assert fish_no_execute(broken).returncode != 0


# --- PowerShell, without PowerShell ------------------------------------------------


def pwsh_pieces(value: str) -> list[str]:
    """The string literals awsenv's quoter should produce for one value, by the
    rule in its docstring: printable ASCII runs become '...' literals (quote
    characters doubled); anything else is a [char] piece, which is no string
    literal, after a leading '' when the value starts with one."""
    runs = re.split(r"[^ -~]+", value)
    if len(runs) == 1:
        return [pwsh_single(value)]
    pieces = [pwsh_single(run) for run in runs if run]
    if not runs[0]:
        pieces.insert(0, "''")
    return pieces


def pwsh_single(text: str) -> str:
    for quote in "'\u2018\u2019\u201a\u201b":
        text = text.replace(quote, quote * 2)
    return f"'{text}'"


def check_pwsh_output(values: list[str]) -> None:
    code = render("pwsh", values)
    assert code.endswith("\n")
    assert code.count("\n") == 1, "PowerShell output must be exactly one line"
    assert "\r" not in code, "a CR splits the line for Invoke-Expression (cmd)"
    # The console's code page decodes it on Windows: printable ASCII only.
    assert re.fullmatch(r"[ -~]*\n", code), "non-ASCII in PowerShell output"
    assert parse_errors(code) == []
    # tree-sitter delimits the strings exactly where awsenv's quoter put them...
    assert string_literals(code) == [piece for v in values for piece in pwsh_pieces(v)]
    # ...and PowerShell's own quote rules (curly quotes included) read each back.
    assigned, removed = read_exports(code)
    wrong = mismatches(dict(zip(names_for(values), values, strict=True)), dict(assigned))
    assert not wrong, "\n".join(wrong)
    assert [name for name, _ in assigned] == names_for(values)
    assert removed == list(UNSET)


def test_pwsh_corpus_is_one_line_parses_and_decodes_exactly(tmp_path: Path) -> None:
    check_pwsh_output([*CORPUS_VALUES, *canary_values(tmp_path / "CANARY")])


@pytest.mark.parametrize("value", CORPUS_VALUES, ids=CORPUS_IDS)
def test_pwsh_each_corpus_value(value: str) -> None:
    check_pwsh_output([value])


@settings(max_examples=200, deadline=None)
@given(values=batch_strategy)
def test_pwsh_random_values_parse_and_decode_exactly(values: list[str]) -> None:
    check_pwsh_output(values)


@settings(max_examples=200, deadline=None)
@given(value=value_strategy)
def test_pwsh_literal_decodes_back(value: str) -> None:
    assert decode_value(quoting.pwsh(value)) == value


def test_pwsh_rendered_exact_line() -> None:
    exports = Exports(set=(("A", "it's"), ("B", "\u2019")), unset=("C",), profile="p")
    assert render_exports(lookup("pwsh"), exports) == (
        "$env:A = 'it''s'; $env:B = ('' + [char]0x2019); "
        "Remove-Item -LiteralPath env:C -ErrorAction SilentlyContinue;\n"
    )


@pytest.mark.parametrize(
    "broken",
    [
        "$env:A = 'unterminated;",
        "$env:A = 'it's';",
        "$env:A = 'a' 'b';",
        "$env:A = 'a' +;",
        "$env:A = (;",
        "$env:A = 'x'; $env:B = 'y",
        "Remove-Item -LiteralPath env:X -ErrorAction SilentlyContinue; }",
    ],
)
def test_pwsh_grammar_check_can_fail(broken: str) -> None:
    assert parse_errors(broken) != []


def test_pwsh_decoder_knows_the_curly_quote_rule_the_grammar_does_not() -> None:
    # An ASCII-only quoter: fine for tree-sitter, broken in real PowerShell.
    ascii_only = Shell("pwsh", "pwsh.ps1.j2", lambda value: "'" + value.replace("'", "''") + "'")
    code = render(ascii_only, ["\u2019; Remove-Item -Recurse ~; \u2019"])
    assert parse_errors(code) == []
    with pytest.raises(ValueError, match="unexpected text"):
        read_exports(code)
    with pytest.raises(ValueError, match="ends the string"):
        decode_single_quoted("'a\u2019b'")


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ("''", ""),
        ("'it''s'", "it's"),
        ("'a\u2019\u2019b'", "a\u2019b"),
        ("\u2018x\u2019", "x"),  # any of the five opens and closes
        ("'\u2018\u2019'", "\u2019"),  # a pair of any two: the second is taken
        ("'$x `n \\'", "$x `n \\"),
    ],
)
def test_pwsh_decoder_table(literal: str, value: str) -> None:
    assert decode_single_quoted(literal) == value


@pytest.mark.parametrize("literal", ["'", "'abc", "'a''", "'a'b'", "x'a'", "'a\u201ab'"])
def test_pwsh_decoder_rejects(literal: str) -> None:
    with pytest.raises(ValueError):
        decode_single_quoted(literal)


def test_single_quote_set_matches_awsenv() -> None:
    assert frozenset(quoting._PWSH_QUOTES) == SINGLE_QUOTES


# --- PowerShell, for real (GitHub runners) -----------------------------------------

_PWSH_DUMP = r"""
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$utf8 = [System.Text.UTF8Encoding]::new($false)
[Console]::OutputEncoding = $utf8
$OutputEncoding = $utf8
$code = $env:AWSENV_TEST_CODE
$printer = $env:AWSENV_TEST_PRINTER
$python = $env:AWSENV_TEST_PYTHON
switch ($env:AWSENV_TEST_STYLE) {
  'call' { Invoke-Expression (& $python $printer $code) }
  'pipe' { & $python $printer $code | Out-String | Invoke-Expression }
  'raw' { Invoke-Expression (Get-Content -Raw -Encoding utf8 -LiteralPath $code) }
}
foreach ($name in $env:AWSENV_TEST_NAMES.Split(' ')) {
  $value = [Environment]::GetEnvironmentVariable($name)
  if ($null -ne $value) { [Console]::Out.Write("$name=$value`0") }
}
"""


def require_pwsh() -> str:
    found = shutil.which("pwsh")
    if found:
        return found
    if os.environ.get("AWSENV_REQUIRE_PWSH") == "1":
        pytest.fail("pwsh is required (AWSENV_REQUIRE_PWSH=1) but is not installed")
    pytest.skip("pwsh is not installed")


@pytest.mark.parametrize("style", ["call", "pipe", "raw"])
def test_corpus_round_trips_in_real_pwsh(style: str, tmp_path: Path) -> None:
    """`Invoke-Expression (awsenv ...)`, `awsenv ... | Out-String | Invoke-Expression`
    and `Invoke-Expression (Get-Content -Raw f)`, under Set-StrictMode -Version Latest."""
    pwsh = require_pwsh()
    values = [*CORPUS_VALUES, *canary_values(tmp_path / "CANARY")]
    code_file = tmp_path / "code.ps1"
    code_file.write_bytes(render("pwsh", values).encode("utf-8"))
    printer = tmp_path / "printer.py"
    printer.write_text(
        "import sys\nsys.stdout.buffer.write(open(sys.argv[1], 'rb').read())\n", encoding="utf-8"
    )
    script = tmp_path / "dump.ps1"
    script.write_text(_PWSH_DUMP, encoding="utf-8")
    names = [*names_for(values), *UNSET]
    env = {
        **os.environ,
        **PRESET,
        "AWSENV_TEST_CODE": str(code_file),
        "AWSENV_TEST_PRINTER": str(printer),
        "AWSENV_TEST_PYTHON": sys.executable,
        "AWSENV_TEST_STYLE": style,
        "AWSENV_TEST_NAMES": " ".join(names),
    }
    proc = subprocess.run(
        [pwsh, "-NoLogo", "-NoProfile", "-NonInteractive", "-File", str(script)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        check=False,
    )
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, stderr
    assert stderr == ""
    assert not (tmp_path / "CANARY").exists()
    got = {}
    for item in proc.stdout.decode("utf-8").split("\0"):
        if item:
            name, _, value = item.partition("=")
            got[name] = value
    expected = dict(zip(names_for(values), values, strict=True))
    # PowerShell before 7.5 removes a variable assigned '' instead of setting it empty.
    for name, value in expected.items():
        if value == "" and name not in got:
            got[name] = ""
    wrong = mismatches(expected, got)
    assert not wrong, "\n".join(wrong)
