"""The templates as jinja2 compiled them (awsenv/render/compiled.py, run by
template_runtime.py without importing jinja2) render exactly what jinja2
renders from shells/*.j2, over the whole option matrix."""

from __future__ import annotations

import itertools
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_quoting import CORPUS_VALUES

from awsenv.commandline import ANYWHERE, PASSTHROUGH, completion
from awsenv.core.exports import MANAGED, Exports
from awsenv.errors import UsageError
from awsenv.render import compiled as shells_compiled
from awsenv.render import runtime as template_runtime
from awsenv.render.templates import FILTERS, render_exports, render_macro, template_dir
from awsenv.shell import SHELLS

REPO = Path(__file__).resolve().parent.parent
ALL = sorted(SHELLS)


def both(render, *args, **kwargs) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    return _outcome(render, *args, compiled=True, **kwargs), _outcome(
        render, *args, compiled=False, **kwargs
    )


def _outcome(render, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
    """The text, or the refusal (tcsh refuses a line break in a value): the
    compiled form must refuse alike."""
    try:
        return str(render(*args, **kwargs))
    except UsageError as error:
        return f"refused: {error}"


def test_the_compiled_templates_are_those_of_the_current_sources() -> None:
    """Edit a template, then run scripts/compile_templates.py: this says when
    the second step was forgotten."""
    assert template_runtime.sources_checksum(str(template_dir())) == shells_compiled.CHECKSUM
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import compile_templates
    finally:
        sys.path.remove(str(REPO / "scripts"))
    on_disk = (REPO / "awsenv" / "render" / "compiled.py").read_text(encoding="utf-8")
    assert compile_templates.generate() == on_disk


@pytest.mark.parametrize("shell", ALL)
def test_the_compiled_form_is_what_renders(shell: str) -> None:
    template = template_runtime.load(
        str(template_dir()), SHELLS[shell].template, SHELLS[shell].quote, FILTERS
    )
    assert isinstance(template, template_runtime.Template)


# Every subset size of the names, in both orders, with and without a profile.
EXPORT_MATRIX = [
    Exports(set=tuple((name, value) for name in names), unset=tuple(unset), profile=profile)
    for names, unset, value, profile in itertools.product(
        [(), MANAGED[:1], MANAGED[:3], MANAGED],
        [(), MANAGED[-1:], MANAGED],
        ["plain", "it's", "back\\slash\\", "\u2018curly\u2019", "a\nb"],
        ["dev", "my 'dev'"],
    )
]


@pytest.mark.parametrize("shell", ALL)
def test_exports_render_alike_over_the_option_matrix(shell: str) -> None:
    for exports in EXPORT_MATRIX:
        compiled, jinja = both(render_exports, SHELLS[shell], exports)
        assert compiled == jinja, exports


@pytest.mark.parametrize("shell", ALL)
@pytest.mark.parametrize("value", CORPUS_VALUES[:40])
def test_nasty_values_render_alike(shell: str, value: str) -> None:
    exports = Exports(set=(("AWS_REGION", value),), unset=(), profile=value)
    assert (
        both(render_exports, SHELLS[shell], exports)[0]
        == both(render_exports, SHELLS[shell], exports)[1]
    )
    assert (
        both(render_macro, SHELLS[shell], "usage", profile=value)[0]
        == both(render_macro, SHELLS[shell], "usage", profile=value)[1]
    )


@given(st.text(alphabet=st.characters(blacklist_characters="\0"), max_size=30))
@settings(max_examples=200)
def test_random_values_render_alike(value: str) -> None:
    for shell in SHELLS.values():
        exports = Exports(set=(("AWS_REGION", value),), unset=MANAGED[:2], profile=value)
        compiled, jinja = both(render_exports, shell, exports)
        assert compiled == jinja


# What the completers offer: awsenv's own, and a small odd one.
SMALL_COMPLETION = {
    "subcommands": ["init", "it's"],
    "options": [("", ["--shell"]), ("init", [])],
    "profile_argument": ["it's"],
    "actions": [("it's", ["a b", "c"], ["c"])],
    "shells": ["bash", "it's"],
    "init_shells": ["it's"],
    "shell_argument": ["init"],
    "shell_options": ["--shell"],
    "summaries": [("init", "it's")],
    "descriptions": {" --shell": "it's", " --help": "", "init --help": ""},
}

INIT_OPTIONS = [
    (list(PASSTHROUGH), list(ANYWHERE)),
    (list(reversed(PASSTHROUGH)), list(ANYWHERE[:1])),
    (["init"], ["--help"]),
    (["init", "unset", "list", "process", "exec"], ["-h", "--help", "--version"]),
]


@pytest.mark.parametrize("shell", [s for s in ALL if s != "sh"])
@pytest.mark.parametrize(("passthrough", "anywhere"), INIT_OPTIONS)
def test_init_renders_alike_over_the_option_matrix(
    shell: str, passthrough: list[str], anywhere: list[str]
) -> None:
    for options in (completion(), SMALL_COMPLETION):
        compiled, jinja = both(
            render_macro,
            SHELLS[shell],
            "init",
            passthrough=passthrough,
            anywhere=anywhere,
            completion=options,
        )
        assert compiled == jinja


def test_sh_has_no_init_either_way() -> None:
    from awsenv.errors import UsageError

    for compiled in (True, False):
        with pytest.raises(UsageError, match="not available for sh"):
            render_macro(
                SHELLS["sh"],
                "init",
                compiled=compiled,
                passthrough=[],
                anywhere=[],
                completion=SMALL_COMPLETION,
            )


def test_an_edited_template_is_rendered_by_jinja2(tmp_path: Path) -> None:
    copy = tmp_path / "shells"
    shutil.copytree(template_dir(), copy)
    posix = copy / "posix.j2"
    posix.write_text(posix.read_text() + "\n{# edited #}\n")
    assert template_runtime.load(str(copy), "bash.sh.j2", str, FILTERS) is None


def test_rendering_imports_no_jinja2() -> None:
    probe = (
        "import sys\n"
        "from awsenv.render.templates import render_exports, render_macro\n"
        "from awsenv.core.exports import Exports\n"
        "from awsenv.shell import SHELLS\n"
        "for shell in SHELLS.values():\n"
        "    render_exports(shell, Exports.clear())\n"
        "from awsenv.commandline import completion\n"
        "for name in ('bash', 'zsh', 'fish', 'pwsh'):\n"
        "    render_macro(SHELLS[name], 'init', passthrough=['init'], anywhere=['-h'],\n"
        "                 completion=completion())\n"
        "assert 'jinja2' not in sys.modules, 'jinja2 was imported'\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
