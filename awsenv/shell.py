"""The supported shells: one table, one alias table, and detection.

Nothing here knows shell syntax; that lives in the templates under shells/.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from awsenv import quoting
from awsenv.errors import UsageError


@dataclass(frozen=True)
class Shell:
    name: str
    template: str
    quote: Callable[[str], str]


SHELLS: dict[str, Shell] = {
    s.name: s
    for s in (
        Shell("bash", "bash.sh.j2", quoting.posix),
        Shell("zsh", "zsh.zsh.j2", quoting.posix),
        Shell("sh", "sh.sh.j2", quoting.posix),
        Shell("fish", "fish.fish.j2", quoting.fish),
        Shell("pwsh", "pwsh.ps1.j2", quoting.pwsh),
    )
}

ALIASES = {
    "dash": "sh",
    "ash": "sh",
    "posix": "sh",
    "powershell": "pwsh",
}


def supported() -> str:
    return ", ".join(SHELLS)


def lookup(name: str) -> Shell:
    """Resolve a name or path (`-bash`, `/usr/bin/zsh`, `C:\\...\\pwsh.exe`) to a Shell."""
    base = re.split(r"[\\/]", name.strip())[-1].lower()
    base = base.lstrip("-")  # login shells show up as "-bash"
    if base.endswith(".exe"):
        base = base[: -len(".exe")]
    key = ALIASES.get(base, base)
    if key not in SHELLS:
        raise UsageError(f"unsupported shell {name!r}; supported: {supported()}")
    return SHELLS[key]


def detect() -> Shell:
    """The shell awsenv was called from, through shellingham."""
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
