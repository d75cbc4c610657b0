"""The supported shells: one table, one alias table, and detection.

Nothing here knows shell syntax; that lives in the templates under shells/.
Cheap to import (no dataclasses, no re): the fast path uses it.
"""

from __future__ import annotations

import os

from awsenv import quoting
from awsenv.errors import UsageError

# Annotations only (and typing/collections.abc cost more to import than the
# whole fast path): mypy sees them, the interpreter never imports them.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable


def template_dir() -> str:
    here = os.path.dirname(os.path.abspath(__file__))
    packaged = os.path.join(here, "shells")  # inside a wheel
    # ... else a source checkout, where shells/ sits beside the package.
    return packaged if os.path.isdir(packaged) else os.path.join(os.path.dirname(here), "shells")


class Shell:
    __slots__ = ("name", "quote", "template")

    def __init__(self, name: str, template: str, quote: Callable[[str], str]) -> None:
        self.name = name
        self.template = template
        self.quote = quote

    def __repr__(self) -> str:
        return f"Shell({self.name!r})"


SHELLS: dict[str, Shell] = {
    s.name: s
    for s in (
        Shell("bash", "bash.sh.j2", quoting.posix),
        Shell("zsh", "zsh.zsh.j2", quoting.posix),
        Shell("sh", "sh.sh.j2", quoting.posix),
        Shell("fish", "fish.fish.j2", quoting.fish),
        Shell("pwsh", "pwsh.ps1.j2", quoting.pwsh),
        Shell("elvish", "elvish.elv.j2", quoting.elvish),
        Shell("tcsh", "tcsh.csh.j2", quoting.tcsh),
        Shell("nu", "nu.nu.j2", quoting.nu),
        Shell("xonsh", "xonsh.xsh.j2", quoting.xonsh),
    )
}

ALIASES = {
    "dash": "sh",
    "ash": "sh",
    "posix": "sh",
    "powershell": "pwsh",
    "csh": "tcsh",  # Debian's csh is tcsh through alternatives
    "nushell": "nu",
}


def supported() -> str:
    return ", ".join(SHELLS)


def lookup(name: str) -> Shell:
    """Resolve a name or path (`-bash`, `/usr/bin/zsh`, `C:\\...\\pwsh.exe`) to a Shell."""
    base = name.strip().replace("\\", "/").rsplit("/", 1)[-1].lower()
    base = base.lstrip("-")  # login shells show up as "-bash"
    if base.endswith(".exe"):
        base = base[: -len(".exe")]
    key = ALIASES.get(base, base)
    if key not in SHELLS:
        raise UsageError(f"unsupported shell {name!r}; supported: {supported()}")
    return SHELLS[key]


def parent_shell() -> str | None:
    """The parent process, when it is a shell awsenv knows by name (Linux)."""
    try:
        with open(f"/proc/{os.getppid()}/comm", encoding="utf-8") as handle:
            name = handle.read().strip()
    except OSError:
        return None
    if name.startswith("python"):
        name = _python_shell(os.getppid()) or name
    key = ALIASES.get(name, name)
    return key if key in SHELLS else None


def _python_shell(pid: int) -> str | None:
    """xonsh is a Python program: started by its own script, /proc names it
    (`xonsh`), but as `python3 -m xonsh` or `python3 /usr/bin/xonsh` the
    process is python's, and its command line tells."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            argv = handle.read().decode("utf-8", "replace").split("\0")
    except OSError:
        return None
    for index, arg in enumerate(argv[1:3], start=1):
        if arg == "-m" and index + 1 < len(argv):
            return argv[index + 1]
        if not arg.startswith("-"):
            return arg.rsplit("/", 1)[-1]
    return None


def detect() -> Shell:
    """The shell awsenv was called from: its parent when that is a shell (the
    fast path asks the same question, so both paths agree), else shellingham."""
    parent = parent_shell()
    if parent:
        return SHELLS[parent]
    import shellingham

    try:
        name, _path = shellingham.detect_shell()
    except (shellingham.ShellDetectionFailure, RuntimeError, OSError):
        raise UsageError(
            f"cannot tell which shell this is; pass --shell with one of: {supported()}"
        ) from None
    try:
        return lookup(name)
    except UsageError:
        raise UsageError(
            f"awsenv was called from {name!r}, which it does not support; "
            f"pass --shell with one of: {supported()}"
        ) from None
