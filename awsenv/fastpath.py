"""The fast path: a repeat export served straight from its memo.

A cached `awsenv dev` should cost little more than starting Python. After an
export of credentials that expire, the full path leaves a memo per (profile,
shell): the text it printed, the moment it must be renewed (the expiry of the
credentials or of a source that tools reading the files depend on, less the
refresh margin), and a fingerprint of everything else the text depends on: the
AWS files' contents, awsenv's code, templates and settings, and its cache. When
a later call asks for exactly that and all of it still matches, the memo is
printed before argparse, configparser, botocore or jinja2 are imported.
Anything else falls through to the full path, which is always right.

Long-term keys are never memoised: the memo would be one more copy of them on
disk, and a vault behind credential_process must be asked every time.
"""

from __future__ import annotations

import os
import sys
import time

from awsenv import __version__, paths
from awsenv.shell import SHELLS, parent_shell

# Annotations only (typing and collections.abc cost more to import than the
# whole fast path): mypy sees them, the interpreter never imports them.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

_FORMAT = "awsenv-memo 2"
# Fingerprint parts that the full path's own writes may change (the [mfa]
# section, the cache); every other part must be as it was when the run began.
_WRITTEN_BY_AWSENV = (4, 5)


def memo_path(environ: Mapping[str, str], profile: str, shell: str) -> str | None:
    name = f"{profile}\0{shell}".encode().hex()
    if len(name) > 200:  # no hashing here (hashlib is slow to import): long names skip the memo
        return None
    return os.path.join(paths.cache_path(environ), "exports", name)


def _content(path: str) -> str:
    import zlib  # built in, and cheap

    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return f"{path}:absent"
    # Contents, not mtimes: an edit within one mtime tick must still count.
    return f"{path}:{len(data)}:{zlib.crc32(data)}"


def _stat(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return f"{path}:absent"
    return f"{path}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"


def fingerprint(environ: Mapping[str, str], shell: str) -> list[str]:
    """Everything besides time that the printed text depends on."""
    package = os.path.dirname(os.path.abspath(__file__))
    code = 0
    for entry in os.listdir(package):
        try:
            code = max(code, os.stat(os.path.join(package, entry)).st_mtime_ns)
        except OSError:
            continue  # an editor's lock file, a dangling link
    return [
        f"{__version__}:{shell}:{code}",
        environ.get("AWSENV_REFRESH_MARGIN", ""),
        _stat(SHELLS[shell].template_path),
        _content(os.path.abspath(paths.config_path(environ))),
        _content(os.path.abspath(paths.credentials_path(environ))),
        # Another terminal's --refresh, or a cache cleared to log out.
        _stat(os.path.join(paths.cache_path(environ), "creds")),
    ]


def remember(
    environ: Mapping[str, str],
    profile: str,
    shell: str,
    text: str,
    renew_at: float | None,
    before: list[str],
) -> None:
    """Called by the full path after an export was printed. `before` is the
    fingerprint taken when the run began: if the files changed under the run
    (other than by awsenv itself), what it printed may not match them."""
    if renew_at is None:
        return
    try:
        path = memo_path(environ, profile, shell)
        after = fingerprint(environ, shell)
        changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
        if path is None or any(i not in _WRITTEN_BY_AWSENV for i in changed):
            return
        stamp = "\t".join(after)
        if "\n" in stamp:
            return
        from pathlib import Path

        from awsenv.atomic import ensure_private_dir, write_atomic

        body = f"{_FORMAT}\n{int(renew_at)}\n{stamp}\n{text}"
        exports = Path(path).parent
        ensure_private_dir(exports, root=exports.parent)
        write_atomic(Path(path), body.encode("utf-8"))
    except (OSError, ValueError, KeyError):
        pass  # only a speed-up: it must never fail an export


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


def _trusted(handle: object, directory: str) -> bool:
    # The memo is evaluated by a shell: only a file of our own that nobody
    # else can write, in a directory nobody else can write, is fit for that.
    if not hasattr(os, "getuid"):
        return True  # Windows: the profile directory's ACLs protect it
    for st in (os.fstat(handle.fileno()), os.stat(directory)):  # type: ignore[attr-defined]
        if st.st_uid != os.getuid() or st.st_mode & 0o022:
            return False
    return True


def serve(argv: Sequence[str], environ: Mapping[str, str] = os.environ) -> int | None:
    """Print the memo for this call if it is still exactly right and return the
    exit status; None when the full path must answer."""
    try:
        request = _request(argv)
        if request is None or sys.stdout is None or sys.stdout.isatty():
            return None
        profile, shell = request
        if shell is None:
            shell = parent_shell()
        if shell not in SHELLS:
            return None
        path = memo_path(environ, profile, shell)
        if path is None:
            return None
        with open(path, encoding="utf-8", newline="") as handle:
            if not _trusted(handle, os.path.dirname(path)):
                return None
            head, when, stamp, text = handle.read().split("\n", 3)
        if head != _FORMAT or not text or time.time() >= int(when):
            return None
        if stamp != "\t".join(fingerprint(environ, shell)):
            return None
    except (OSError, ValueError, KeyError, UnicodeDecodeError):
        return None
    from awsenv.output import EXIT_BROKEN_PIPE, OutputError, write_stdout

    try:
        write_stdout(text)
    except BrokenPipeError:  # the reader went away: quietly, as the full path
        return EXIT_BROKEN_PIPE
    except OutputError as exc:  # one line, as the full path
        from awsenv.console import Console

        Console().say(str(exc))
        return exc.exit_code
    return 0
