"""The fast path: a repeat export served straight from its memo.

A cached `awsenv dev` should cost little more than starting Python. After
every export the full path leaves a memo per (profile, shell): the text it
printed, the moment it must be renewed (the credentials' expiry, or that of a
session profile under them, less the refresh margin), and a fingerprint of
everything else the text depends on: the AWS files, awsenv's own code and
templates, and the settings. When a later call asks for exactly that and all
of it still matches, the memo is printed before argparse, configparser,
botocore or jinja2 are imported. Anything else falls through to the full path,
which is always right; the memo only ever repeats what it printed.
"""

from __future__ import annotations

import os
import sys
import time

from awsenv import __version__, paths

# Annotations only (and typing/collections.abc cost more to import than the
# whole fast path): mypy sees them, the interpreter never imports them.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

_FORMAT = "awsenv-memo 1"
_NEVER = "-"
# The calling shell as its process name shows it; anything else is left to
# shellingham on the full path.
_SHELL_NAMES = {
    "bash": "bash",
    "zsh": "zsh",
    "sh": "sh",
    "dash": "sh",
    "fish": "fish",
    "pwsh": "pwsh",
}


def memo_path(environ: Mapping[str, str], profile: str, shell: str) -> str | None:
    name = f"{profile}\0{shell}".encode().hex()
    if len(name) > 200:  # no hashing here (hashlib is slow to import): long names skip the memo
        return None
    return os.path.join(paths.cache_path(environ), "exports", name)


def fingerprint(environ: Mapping[str, str], shell: str, template_path: str) -> str:
    """Everything besides time that the printed text depends on."""
    package = os.path.dirname(os.path.abspath(__file__))
    code = max(
        (os.stat(os.path.join(package, f)).st_mtime_ns for f in os.listdir(package)),
        default=0,
    )
    parts = [__version__, shell, str(code), environ.get("AWSENV_REFRESH_MARGIN", "")]
    for relative in (paths.config_path(environ), paths.credentials_path(environ), template_path):
        path = os.path.abspath(relative)
        try:
            st = os.stat(path)
            parts.append(f"{path}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append(f"{path}:absent")
    return "\t".join(parts)


def remember(
    environ: Mapping[str, str],
    profile: str,
    shell: str,
    template_path: str,
    text: str,
    renew_at: float | None,
) -> None:
    """Called by the full path after an export has been printed."""
    path = memo_path(environ, profile, shell)
    if path is None or "\n" in fingerprint(environ, shell, template_path):
        return
    from pathlib import Path

    from awsenv.atomic import ensure_private_dir, write_atomic

    when = _NEVER if renew_at is None else str(int(renew_at))
    body = f"{_FORMAT}\n{when}\n{fingerprint(environ, shell, template_path)}\n{text}"
    try:
        ensure_private_dir(Path(path).parent.parent)
        ensure_private_dir(Path(path).parent)
        write_atomic(Path(path), body.encode("utf-8"))
    except OSError:
        pass  # only a speed-up: a read-only cache must not fail the export


def _request(argv: Sequence[str]) -> tuple[str, str | None] | None:
    """(profile, shell or None) when argv is just `PROFILE [--shell SHELL]`."""
    profile = shell = None
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--shell" and args:
            shell = args.pop(0)
        elif arg.startswith("--shell="):
            shell = arg[len("--shell=") :]
        elif arg.startswith("-") or profile is not None:
            return None
        else:
            profile = arg
    if not profile or profile in ("init", "unset"):
        return None
    return profile, shell


def _parent_shell() -> str | None:
    try:
        with open(f"/proc/{os.getppid()}/comm", encoding="utf-8") as handle:
            return _SHELL_NAMES.get(handle.read().strip())
    except OSError:
        return None


def serve(argv: Sequence[str], environ: Mapping[str, str] = os.environ) -> bool:
    """Print the memo for this call if it is still exactly right; else False."""
    try:
        request = _request(argv)
        if request is None or sys.stdout.isatty():
            return False
        profile, shell = request
        shell = shell if shell in _SHELL_NAMES.values() else None if shell else _parent_shell()
        if shell is None:
            return False
        from awsenv.shell import SHELLS

        path = memo_path(environ, profile, shell)
        if path is None:
            return False
        with open(path, encoding="utf-8", newline="") as handle:
            head, when, stamp, text = handle.read().split("\n", 3)
        if head != _FORMAT or not text:
            return False
        if when != _NEVER and time.time() >= int(when):
            return False
        if stamp != fingerprint(environ, shell, SHELLS[shell].template_path):
            return False
    except (OSError, ValueError, KeyError, UnicodeDecodeError):
        return False
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.flush()
    return True
