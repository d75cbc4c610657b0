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

from awsenv import __version__, ownership, paths
from awsenv.commands import NAMES
from awsenv.shell import SHELLS, parent_shell

# Annotations only (typing and collections.abc cost more to import than the
# whole fast path): mypy sees them, the interpreter never imports them.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from awsenv.core import Outcome
    from awsenv.profiles import AwsFiles

_FORMAT = "awsenv-memo 3"
# The memo of `awsenv process PROFILE` (credential_process JSON) sits beside
# the shells' under this name; a memo's "shell" is its output format.
PROCESS = "process"
# getpass.getuser()'s sources of the login name, in its order: the default
# role session name, and so part of the role's cache key.
LOGIN_SOURCES = ("LOGNAME", "USER", "LNAME", "USERNAME")


def _memo_name(profile: str, shell: str) -> str | None:
    name = f"{profile}\0{shell}".encode().hex()
    # No hashing here (hashlib is slow to import): long names skip the memo.
    return name if len(name) <= 200 else None


def _content(path: str, data: bytes | None) -> str:
    import zlib  # built in, and cheap

    if data is None:
        return f"{path}:absent"
    # Contents, not mtimes: an edit within one mtime tick must still count.
    return f"{path}:{len(data)}:{zlib.crc32(data)}"


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _stat(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return f"{path}:absent"
    return f"{path}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"


def _code() -> str:
    package = os.path.dirname(os.path.abspath(__file__))
    newest = 0
    for entry in os.listdir(package):
        try:
            newest = max(newest, os.stat(os.path.join(package, entry)).st_mtime_ns)
        except OSError:
            continue  # an editor's lock file, a dangling link
    return f"{__version__}:{newest}"


class Fingerprint:
    """Everything besides time that the printed text depends on, by name.
    Stored as `name=value` fields; a memo is served only while every one of
    them is as it was."""

    # Inputs that only awsenv's own code and settings decide.
    PROGRAM = ("awsenv", "shell", "template", "margin", "login")
    # The AWS files: a memo is written only when they hold what the run read
    # (and, in the credentials file, what it wrote); see Recording.
    FILES = ("config", "credentials")
    # Changed by the run's own writes, or another terminal's --refresh, or a
    # cache cleared to log out.
    CACHE = ("cache",)
    __slots__ = (*PROGRAM, *FILES, *CACHE)

    def __init__(
        self,
        environ: Mapping[str, str],
        shell: str,
        files: tuple[bytes | None, bytes | None] | None = None,
    ) -> None:
        """`files`: the contents of (config, credentials) to describe; read now
        when not given."""
        config, credentials = _file_paths(environ)
        if files is None:
            files = (_read(config), _read(credentials))
        self.awsenv = _code()
        self.shell = shell
        self.template = _stat(SHELLS[shell].template_path) if shell in SHELLS else shell
        self.margin = environ.get("AWSENV_REFRESH_MARGIN", "")
        self.login = "\x1f".join(environ.get(name, "") for name in LOGIN_SOURCES)
        self.config = _content(config, files[0])
        self.credentials = _content(credentials, files[1])
        self.cache = _stat(os.path.join(paths.cache_path(environ), "creds"))

    def fields(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.__slots__}

    def stamp(self) -> str | None:
        """One line of tab-separated `name=value` fields; None when a value
        cannot be stored in one (a tab or newline in a path)."""
        values = self.fields()
        if any(("\t" in value or "\n" in value) for value in values.values()):
            return None
        return "\t".join(f"{name}={value}" for name, value in values.items())


def _file_paths(environ: Mapping[str, str]) -> tuple[str, str]:
    return (
        os.path.abspath(paths.config_path(environ)),
        os.path.abspath(paths.credentials_path(environ)),
    )


class Recording:
    """The full path's side of the memo protocol, around one export:

        with fastpath.recording(environ, profile, shell) as memo:
            outcome = obtain(...)
            ...print the text...
            memo.printed(text, outcome)

    The memo is written when the block ends without an exception, and only if
    it describes exactly what the text was built from: the program is the one
    that started, the config file holds the bytes the run read, and the
    credentials file the bytes it read with the run's own section writes
    applied. Anything else (a user's edit during the MFA prompt) leaves no
    memo, and the next call takes the full path."""

    def __init__(self, environ: Mapping[str, str], profile: str, shell: str) -> None:
        self.environ = environ
        self.profile = profile
        self.shell = shell
        # Only its PROGRAM fields are compared: the files are checked byte for
        # byte against what the run read, so they are not read here.
        self._before = Fingerprint(environ, shell, files=(None, None))
        self._printed: tuple[str, Outcome] | None = None

    def __enter__(self) -> Recording:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None or self._printed is None:
            return
        try:
            self._remember(*self._printed)
        except (OSError, ValueError, KeyError):
            return  # only a speed-up: it must never fail an export

    def printed(self, text: str, outcome: Outcome) -> None:
        self._printed = (text, outcome)

    def _remember(self, text: str, outcome: Outcome) -> None:
        name = _memo_name(self.profile, self.shell)
        if outcome.renew_at is None or outcome.files is None or name is None:
            return  # long-term keys, or nothing to name it by
        files = _as_read(self.environ, outcome.files, outcome.sections_written)
        if files is None:
            return
        after = Fingerprint(self.environ, self.shell, files=files)
        if any(getattr(after, f) != getattr(self._before, f) for f in Fingerprint.PROGRAM):
            return
        stamp = after.stamp()
        if stamp is None:
            return
        from pathlib import Path

        from awsenv.atomic import ensure_private_dir, write_atomic

        root = Path(paths.cache_path(self.environ))
        body = f"{_FORMAT}\n{int(outcome.renew_at.timestamp())}\n{stamp}\n{text}"
        ensure_private_dir(root / "exports", root=root)
        write_atomic(root / "exports" / name, body.encode("utf-8"))


def recording(environ: Mapping[str, str], profile: str, shell: str) -> Recording:
    """Wrap the full path's export of `profile` for `shell`; see Recording."""
    return Recording(environ, profile, shell)


def _as_read(
    environ: Mapping[str, str],
    read: AwsFiles,
    written: Sequence[tuple[str, Mapping[str, str]]],
) -> tuple[bytes | None, bytes | None] | None:
    """The AWS files' contents now, when they are exactly what the run read
    (`read`), but for the credentials file's sections it wrote (`written`);
    else None."""
    from awsenv.credfile import update_section
    from awsenv.errors import ConfigError

    config_path, credentials_path = _file_paths(environ)
    config, credentials = _read(config_path), _read(credentials_path)
    if config != read.config_bytes:
        return None
    expected = read.credentials_bytes
    if written:
        try:
            text = (expected or b"").decode("utf-8")
            for section, values in written:
                text = update_section(text, section, values)
        except (UnicodeDecodeError, ConfigError):
            return None
        expected = text.encode("utf-8")
    if credentials != expected:
        return None
    return config, credentials


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
    if not profile or profile in NAMES:
        return None
    return profile, shell


def _process_request(argv: Sequence[str]) -> tuple[str, str] | None:
    """(profile, PROCESS) when argv is just `process PROFILE`."""
    if len(argv) == 2 and argv[0] == PROCESS and argv[1] and not argv[1].startswith("-"):
        return argv[1], PROCESS
    return None


def serve(argv: Sequence[str], environ: Mapping[str, str] = os.environ) -> int | None:
    """Print the memo for this call if it is still exactly right and return the
    exit status; None when the full path must answer."""
    try:
        request = _process_request(argv) or _request(argv)
        if request is None or sys.stdout is None or sys.stdout.isatty():
            return None
        profile, shell = request
        if shell is None:
            shell = parent_shell()
        if shell not in SHELLS and shell != PROCESS:
            return None
        name = _memo_name(profile, shell)
        if name is None:
            return None
        # The memo is evaluated by a shell: only a file of our own, in
        # directories of our own, that nobody else can write, is fit for that.
        fd = ownership.open_private(paths.cache_path(environ), ("exports", name))
        with open(fd, encoding="utf-8", newline="") as handle:
            head, when, stamp, text = handle.read().split("\n", 3)
        if head != _FORMAT or not text or time.time() >= int(when):
            return None
        if stamp != Fingerprint(environ, shell).stamp():
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
