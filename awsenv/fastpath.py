"""The fast path: a repeat call served straight from its memo.

A cached `awsenv dev` should cost little more than starting Python. After an
export of credentials that expire, the full path leaves a memo per (profile,
shell): the text it printed, the moment it must be renewed (the expiry of the
credentials or of a source that tools reading the files depend on, less the
refresh margin), and a fingerprint of everything else the text depends on:
awsenv's code, templates and settings, the sections of the profile's chain in
the AWS files, and the chain's own cache entries. awsenv's code is every file
of the package, subpackages included (but __pycache__). `init SHELL` and `unset`
leave one too, whose text depends on the program alone, and `list --names`
one that depends on the program and both AWS files, whole. When a later call asks
for exactly that and all of it still holds, the memo is printed before
argparse, configparser, botocore or jinja2 are imported. Anything else falls
through to the full path, which is always right.

Long-term keys are never memoised: the memo would be one more copy of them on
disk, and a vault behind credential_process must be asked every time.
"""

from __future__ import annotations

import os
import sys
import time

from awsenv import __version__, ownership, paths
from awsenv.commandline import NAMES, OUTPUT, read
from awsenv.sections import Sections
from awsenv.settings import REFRESH_MARGIN
from awsenv.shell import SHELLS, parent_shell, template_dir

# Annotations only (typing and collections.abc cost more to import than the
# whole fast path): mypy sees them, the interpreter never imports them.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from awsenv.core.obtain import Outcome

# 5: the `awsenv` field covers every file of the package, not its top level only.
_FORMAT = "awsenv-memo 5"
# The memo of `awsenv process PROFILE` (credential_process JSON) sits beside
# the shells' under this name; a memo's "shell" is its output format.
PROCESS = "process"
# The memo of `awsenv list --names` (the completers' source), likewise: its
# text depends on the program and on the AWS files as a whole, since any line
# may add or remove a profile.
LISTING = "names"
# The scope of such a memo: the whole files, not the sections of a chain.
WHOLE = "*"
# getpass.getuser()'s sources of the login name, in its order: the default
# role session name, and so part of the role's cache key.
LOGIN_SOURCES = ("LOGNAME", "USER", "LNAME", "USERNAME")


def _memo_name(command: str, subject: str, shell: str) -> str | None:
    """`command` is "" for an export of the profile `subject`; a profile name is
    never empty, so the two kinds of memo cannot share a name."""
    name = f"{command}\0{subject}\0{shell}".encode().hex()
    # No hashing here (hashlib is slow to import): long names skip the memo.
    return name if len(name) <= 200 else None


def _crc(data: bytes) -> str:
    import zlib  # built in, and cheap

    return f"{len(data)}:{zlib.crc32(data)}"


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
        return "absent"
    return f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"


def _newest(root: str) -> str:
    """The newest mtime of the files under `root`, at any depth, and how many
    there are (a deleted file lowers the count), __pycache__ aside: derived
    from the sources, and made by the first run that imports a module, so a
    folder's own mtime, which that changes, is not counted either."""
    newest, count, folders = 0, 0, [root]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.name == "__pycache__":
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(entry.path)
                        continue
                    newest = max(newest, entry.stat(follow_symlinks=False).st_mtime_ns)
                    count += 1
                except OSError:
                    continue  # an editor's lock file, a file removed meanwhile
    return f"{newest}:{count}"


def _code() -> str:
    return f"{__version__}:{_newest(os.path.dirname(os.path.abspath(__file__)))}"


def _templates() -> str:
    # The whole directory: a shell's template imports the shared posix.j2.
    try:
        return _newest(template_dir())
    except OSError:
        return "absent"


def _file_part(path: str, data: bytes | None, profiles: frozenset[str], *, config: bool) -> str:
    """`path|whole|sections`: the whole file's checksum, and that of the
    sections `profiles` depend on (sections.py)."""
    if data is None:
        return f"{path}|absent|absent"
    return f"{path}|{_crc(data)}|{Sections(data, config=config).digest(profiles)}"


def _file_holds(stored: str, path: str, profiles: frozenset[str], *, config: bool) -> bool:
    """Does the file at `path` still give what the memo's text was built from?
    Either it is byte for byte the file that was read, or the sections the
    profiles depend on are, and configparser still reads the others."""
    was_path, whole, digest = stored.rsplit("|", 2)
    if was_path != path:
        return False
    data = _read(path)
    if data is None:
        return whole == "absent"
    if whole == _crc(data):
        return True
    sections = Sections(data, config=config)
    return (
        not sections.exact_only
        and str(sections.digest(profiles)) == digest
        and sections.others_readable(profiles)
    )


def _whole_part(path: str, data: bytes | None, *, now: bool) -> str:
    """`path|checksum`, or `path|absent` for a file the text was read without.
    Of a file there `now` that cannot be read (a dangling link, no
    permission), `path|unreadable`, which no memo holds: that is the full
    reader's error to tell. A memo records what the text was read from
    (profile_names made sure an absent file was absent), not what is there
    by the time it is written."""
    if data is None:
        return f"{path}|{'unreadable' if now and os.path.lexists(path) else 'absent'}"
    return f"{path}|{_crc(data)}"


def _entries_part(root: str, entries: Sequence[str]) -> str:
    return ",".join(f"{entry}:{_stat(os.path.join(root, 'creds', entry))}" for entry in entries)


class Fingerprint:
    """Everything besides time that the printed text depends on, by name.
    Stored as `name=value` fields; a memo is served only while every one of
    them holds."""

    # The program that prints the text, for every memo.
    PROGRAM = ("awsenv", "shell", "template")
    # awsenv's settings that an export depends on (not `init` or `unset`).
    SETTINGS = ("margin", "login")
    # The profiles of the export's chain: only their sections are inputs.
    SCOPE = ("profiles",)
    # The AWS files: a memo is written only when they hold what the run read
    # (and, in the credentials file, what it wrote); see Recording.
    FILES = ("config", "credentials")
    # The export's own cache entries, changed by its own refresh, another
    # terminal's --refresh of the same chain, or a cache cleared to log out.
    CACHE = ("cache",)
    __slots__ = (*PROGRAM, *SETTINGS, *SCOPE, *FILES, *CACHE)

    def __init__(self, environ: Mapping[str, str], shell: str) -> None:
        """The PROGRAM fields; the others stay empty until `describe` (an
        export) or `describe_whole` (a listing) fills them: a memo of `init` or
        `unset` depends on the program alone."""
        self.awsenv = _code()
        self.shell = shell
        self.template = _templates()
        self.margin = self.login = ""
        self.profiles = self.config = self.credentials = self.cache = ""

    def describe(
        self,
        environ: Mapping[str, str],
        profiles: Sequence[str],
        files: tuple[bytes | None, bytes | None],
        entries: Sequence[str],
    ) -> None:
        """Fill in the export's inputs: the settings, the sections of
        `profiles` in `files` (the contents of config and credentials) and the
        cache `entries`."""
        self.margin, self.login = _settings(environ)
        config, credentials = _file_paths(environ)
        scope = frozenset(profiles)
        self.profiles = "\0".join(sorted(scope)).encode().hex()
        self.config = _file_part(config, files[0], scope, config=True)
        self.credentials = _file_part(credentials, files[1], scope, config=False)
        self.cache = _entries_part(paths.cache_path(environ), sorted(entries))

    def describe_whole(
        self, environ: Mapping[str, str], files: tuple[bytes | None, bytes | None]
    ) -> None:
        """Fill in a listing's inputs: the AWS files, byte for byte."""
        config, credentials = _file_paths(environ)
        self.profiles = WHOLE
        self.config = _whole_part(config, files[0], now=False)
        self.credentials = _whole_part(credentials, files[1], now=False)

    def fields(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.__slots__}

    def stamp(self) -> str | None:
        """One line of tab-separated `name=value` fields; None when a value
        cannot be stored in one (a tab or newline in a path)."""
        values = self.fields()
        if any(("\t" in value or "\n" in value) for value in values.values()):
            return None
        return "\t".join(f"{name}={value}" for name, value in values.items())

    def holds(self, stamp: str, environ: Mapping[str, str]) -> bool:
        """Does the memo stamped `stamp` still describe this call? This
        Fingerprint carries the PROGRAM fields now; the stamp names the rest."""
        stored = dict(field.split("=", 1) for field in stamp.split("\t"))
        if list(stored) != list(self.__slots__):
            return False
        if any(stored[name] != getattr(self, name) for name in self.PROGRAM):
            return False
        if not stored["profiles"]:  # a memo of the program's output alone
            return not any(stored[name] for name in self.__slots__[len(self.PROGRAM) :])
        if stored["profiles"] == WHOLE:  # a listing: the files exactly as they were
            config, credentials = _file_paths(environ)
            return (stored["config"], stored["credentials"]) == (
                _whole_part(config, _read(config), now=True),
                _whole_part(credentials, _read(credentials), now=True),
            )
        if (stored["margin"], stored["login"]) != _settings(environ):
            return False
        scope = frozenset(bytes.fromhex(stored["profiles"]).decode().split("\0"))
        config, credentials = _file_paths(environ)
        if not _file_holds(stored["config"], config, scope, config=True):
            return False
        if not _file_holds(stored["credentials"], credentials, scope, config=False):
            return False
        entries = [entry.split(":", 1)[0] for entry in stored["cache"].split(",") if entry]
        return stored["cache"] == _entries_part(paths.cache_path(environ), entries)


def _settings(environ: Mapping[str, str]) -> tuple[str, str]:
    """(margin, login) as an export reads them."""
    login = "\x1f".join(environ.get(name, "") for name in LOGIN_SOURCES)
    return environ.get(REFRESH_MARGIN.name, ""), login


def _file_paths(environ: Mapping[str, str]) -> tuple[str, str]:
    return (
        os.path.abspath(paths.config_path(environ)),
        os.path.abspath(paths.credentials_path(environ)),
    )


class Recording:
    """The full path's side of the memo protocol, around one command:

        with fastpath.recording(environ, profile, shell) as memo:
            outcome = obtain(...)
            ...print the text...
            memo.printed(text, outcome)

    The memo is written when the block ends without an exception, and only if
    it describes exactly what the text was built from (the outcome's Inputs,
    a plain record from the core): the program is the one that started, the
    config file holds the bytes the run read, and the credentials file the
    bytes the commit left. Anything else (a user's edit during the MFA prompt) leaves no
    memo, and the next call takes the full path. Of the files, the memo then
    depends on the sections of the outcome's chain only (Fingerprint).

    `command` names a subcommand whose output depends on the program alone
    (`init`, `unset`): its memo is `memo.printed(text)`, with no outcome; or
    on the program and the AWS files (`list --names`): `memo.printed(text,
    files=...)`, with the bytes the text was read from."""

    def __init__(
        self, environ: Mapping[str, str], subject: str, shell: str, command: str = ""
    ) -> None:
        self.environ = environ
        self.name = _memo_name(command, subject, shell)
        self.shell = shell
        self._before = Fingerprint(environ, shell)
        self._printed: (
            tuple[str, Outcome | None, tuple[bytes | None, bytes | None] | None] | None
        ) = None

    def __enter__(self) -> Recording:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None or self._printed is None:
            return
        try:
            self._remember(*self._printed)
        except (OSError, ValueError, KeyError):
            return  # only a speed-up: it must never fail a command

    def printed(
        self,
        text: str,
        outcome: Outcome | None = None,
        *,
        files: tuple[bytes | None, bytes | None] | None = None,
    ) -> None:
        self._printed = (text, outcome, files)

    def _remember(
        self, text: str, outcome: Outcome | None, files: tuple[bytes | None, bytes | None] | None
    ) -> None:
        if self.name is None:
            return
        after = Fingerprint(self.environ, self.shell)
        if after.fields() != self._before.fields():
            return  # the program changed under the run
        renew_at = "never"
        if outcome is not None:
            inputs = outcome.inputs
            # The memo answers the call without --duration, whose credentials
            # are another cache entry's.
            if inputs is None or inputs.asked_duration is not None:
                return
            files = inputs.config, inputs.credentials
            if _read_both(self.environ) != files:
                return  # changed since the run read or committed them
            after.describe(self.environ, inputs.profiles, files, inputs.cache_entries)
            renew_at = str(int(inputs.renew_at.timestamp()))
        elif files is not None:
            if _read_both(self.environ) != files:
                return  # changed since the text was read from them
            after.describe_whole(self.environ, files)
        stamp = after.stamp()
        if stamp is None:
            return
        from pathlib import Path

        from awsenv.store.atomic import ensure_private_dir, write_atomic

        root = Path(paths.cache_path(self.environ))
        body = f"{_FORMAT}\n{renew_at}\n{stamp}\n{text}"
        ensure_private_dir(root / "exports", root=root)
        write_atomic(root / "exports" / self.name, body.encode("utf-8"))


def recording(environ: Mapping[str, str], subject: str, shell: str, command: str = "") -> Recording:
    """Wrap the full path's export of the profile `subject` for `shell` (or the
    run of `command`, whose `subject` is then its own words); see Recording."""
    return Recording(environ, subject, shell, command)


def _read_both(environ: Mapping[str, str]) -> tuple[bytes | None, bytes | None]:
    """The AWS files' contents now (None: absent)."""
    config, credentials = _file_paths(environ)
    return _read(config), _read(credentials)


# The calls a memo answers, and the options each may carry: the fast path's
# own choice among the table's rows ("" is the export).
MEMOS = {"": ("--shell",), "unset": ("--shell",), "init": (), PROCESS: ()}
# ...and the one call with a flag a memo answers.
LISTING_CALL = ("list", ["--names"])


def _request(argv: Sequence[str]) -> tuple[str, str, str | None] | None:
    """(command, subject, shell or None) for the calls a memo may answer, as
    the table reads argv: `PROFILE [--shell SHELL]` ("", PROFILE, SHELL),
    `unset [--shell SHELL]` ("unset", "", SHELL), `init SHELL` ("init", "",
    SHELL), `process PROFILE` ("", PROFILE, PROCESS: an export whose output
    format is credential_process JSON) and `list --names` ("list", "", LISTING)."""
    call = read(argv)
    if call is None:
        return None
    name = call.command.name
    if (name, call.flags) == LISTING_CALL and not call.values and not call.words:
        return "list", "", LISTING
    allowed = MEMOS.get(name)
    if allowed is None or call.flags or any(key not in allowed for key in call.values):
        return None
    if name == "init":
        return "init", "", call.words[0]
    shell = call.values.get("--shell")
    if shell is not None and shell not in SHELLS:
        # Only a shell names a shell's memo: `dev --shell process` is not
        # `process dev`, whose memo sits under that name (the full path
        # refuses it as an unsupported shell).
        return None
    if name == "unset":
        return "unset", "", shell
    profile = call.words[0] if call.words else ""
    if not profile or profile in NAMES:
        return None
    return "", profile, PROCESS if name == PROCESS else shell


def serve(argv: Sequence[str], environ: Mapping[str, str] = os.environ) -> int | None:
    """Print the memo for this call if it is still exactly right and return the
    exit status; None when the full path must answer. A failure to write is
    cli.main's to say (OutputError, BrokenPipeError)."""
    try:
        found = _memo_for(argv, environ)
    except (OSError, ValueError, KeyError, UnicodeDecodeError):
        return None
    if found is None:
        return None
    text, what = found
    from awsenv.stdout import carrying, write_stdout

    carrying(OUTPUT[what])
    write_stdout(text)
    sweep_temps(environ)
    return 0


def _memo_for(argv: Sequence[str], environ: Mapping[str, str]) -> tuple[str, str] | None:
    """The text of the memo that answers this call, if it still holds, and the
    subcommand whose output it is (what a failed write names)."""
    request = _request(argv)
    if request is None or sys.stdout is None or sys.stdout.isatty():
        return None
    command, subject, shell = request
    if shell is None:
        shell = parent_shell()
    if shell not in SHELLS and shell not in (PROCESS, LISTING):
        return None
    name = _memo_name(command, subject, shell)
    if name is None:
        return None
    # The memo is evaluated by a shell: only a file of our own, in
    # directories of our own, that nobody else can write, is fit for that.
    fd = ownership.open_private(paths.cache_path(environ), ("exports", name))
    with open(fd, encoding="utf-8", newline="") as handle:
        head, when, stamp, text = handle.read().split("\n", 3)
    if head != _FORMAT or not text:
        return None
    if when != "never" and time.time() >= int(when):
        return None
    if not Fingerprint(environ, shell).holds(stamp, environ):
        return None
    return text, "process" if shell == PROCESS else command


def sweep_temps(environ: Mapping[str, str]) -> None:
    """A killed awsenv's temp files hold secrets, and a call served from its
    memo writes nothing beside them: look (one listing per directory, no
    import) and remove them only when there is one (atomic.remove_stale_temps)."""
    cache = paths.cache_path(environ)
    places = {
        _directory_of(paths.credentials_path(environ)),
        _directory_of(paths.config_path(environ)),
        os.path.join(cache, "creds"),
        os.path.join(cache, "exports"),
    }
    for directory in places:
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        if any(name.endswith(".tmp") and ".awsenv-" in name for name in names):
            from pathlib import Path

            from awsenv.store.atomic import remove_stale_temps

            remove_stale_temps(Path(directory))


def _directory_of(path: str) -> str:
    """The directory a replacement of the file at `path` is written in: that of
    its real path (a symlinked directory above it lists the same entries)."""
    return os.path.dirname(os.path.realpath(path) if os.path.islink(path) else path)
