"""Turn an Exports (or init options) into shell code through the shell's template.

Quoting is not left to the templates: every `{{ value }}` passes through the
shell's quote function via jinja2's `finalize`, except `Word`s, which are
trusted names checked here, and `Code`, a shared macro's output that was
quoted when it was rendered. A template cannot forget to quote.

jinja2 costs several times a bare interpreter start: a repeat export never
gets here, the fast path (fastpath.py) prints its memo instead, and the full
path runs the templates as jinja2 compiled them, without importing it
(template_runtime.py), unless they were edited since.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from awsenv.core.exports import MANAGED, Exports
from awsenv.errors import UsageError
from awsenv.shell import SHELLS, Shell
from awsenv.shell import template_dir as shell_template_dir

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Word(str):
    """A trusted token (a variable name) that templates emit without quoting."""

    __slots__ = ()

    def __new__(cls, value: str) -> Word:
        if not _NAME.fullmatch(value):
            raise ValueError(f"not a shell variable name: {value!r}")
        return super().__new__(cls, value)


class Code(str):
    """The output of another template's macro, already rendered and quoted:
    `{{ posix.wrapper(...) | code }}` emits it as it is. Only for that."""

    __slots__ = ()


def template_dir() -> Path:
    return Path(shell_template_dir())


def jinja_environment(finalize: Any) -> Any:
    """The jinja2 Environment of every template: for rendering here, and for
    compiling them (scripts/compile_templates.py), so both read them alike."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir()),
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # LF on every platform, even from a CRLF checkout of the templates.
        newline_sequence="\n",
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - shell code, quoted by finalize, not HTML
    )
    env.filters.update(FILTERS)
    env.globals.update(GLOBALS)
    return env


FILTERS = {"code": Code}
# What every template may read besides its macro's arguments: `managed`, each
# variable awsenv sets or removes, for a wrapper that does the removing itself
# (nushell's: its export is a record of what to set, and cannot unset).
GLOBALS = {"managed": [Word(name) for name in MANAGED]}


@cache
def _template(shell: Shell, compiled: bool = True) -> Any:
    def finalize(value: object) -> str:
        if isinstance(value, Word | Code):
            return str(value)
        if value is None:
            return ""
        return shell.quote(str(value))

    if compiled:
        # jinja2's own compiled code, run without importing jinja2: several
        # interpreter starts saved on every first call (template_runtime.py).
        from awsenv.render import runtime as template_runtime

        template = template_runtime.load(
            str(template_dir()), shell.template, finalize, FILTERS, GLOBALS
        )
        if template is not None:
            return template
    return jinja_environment(finalize).get_template(shell.template)


def _finish(text: str) -> str:
    # Only the template's own blank edges are trimmed: the text always starts
    # and ends outside a quoted value, so no value is touched.
    text = text.strip(" \n")
    return text + "\n" if text else ""


def _context(exports: Exports) -> dict[str, Any]:
    return {
        "set": [(Word(name), value) for name, value in exports.set],
        "unset": [Word(name) for name in exports.unset],
        "profile": exports.profile,
    }


def render_exports(shell: Shell, exports: Exports, *, compiled: bool = True) -> str:
    """`compiled=False`: with jinja2 itself (the tests compare both)."""
    return _finish(_template(shell, compiled).module.exports(_context(exports)))


def render_macro(shell: Shell, macro: str, *, compiled: bool = True, **options: Any) -> str:
    """Render another section of the shell's template (init, for one)."""
    section = getattr(_template(shell, compiled).module, macro, None)
    if section is None:
        have = ", ".join(shells_with(macro))
        raise UsageError(f"{macro} is not available for {shell.name}; it is for: {have}")
    return _finish(section(**options))


def shells_with(macro: str) -> list[str]:
    """The shells whose template has `macro` (init: those with an integration)."""
    return [s.name for s in SHELLS.values() if hasattr(_template(s).module, macro)]
