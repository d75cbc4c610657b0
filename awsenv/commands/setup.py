"""`awsenv setup`: write the layout awsenv (and pulumi, terraform) need, asking
on a terminal or taking flags: a long-term profile, its MFA device, a session
profile and roles over it. Shows a unified diff and asks before writing;
`--yes` skips the question, `--dry-run` only shows it."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from awsenv.cli import Parser, check_stdout, write
from awsenv.config.profiles import Profile
from awsenv.core.setup_edits import Layout, Role
from awsenv.errors import ConfigError, UsageError
from awsenv.stderr import Console


def parser() -> Parser:
    parser = Parser(prog="awsenv setup", description="Write the MFA session and role profiles.")
    parser.add_argument("--source", metavar="PROFILE", help="the long-term key profile")
    parser.add_argument("--mfa-serial", metavar="ARN", help="else found with iam list-mfa-devices")
    parser.add_argument("--session", metavar="NAME", help="the MFA session profile (mfa)")
    parser.add_argument("--duration", type=int, metavar="SECONDS", help="session length (28800)")
    parser.add_argument(
        "--role", action="append", default=[], metavar="NAME=ARN", help="a role profile (repeat)"
    )
    parser.add_argument("--region", metavar="REGION", help="the roles' region")
    parser.add_argument(
        "--process", action="store_true", help="also NAME-process credential_process profiles"
    )
    parser.add_argument(
        "--rc", action="store_true", help="add the init line to the shell's rc file"
    )
    parser.add_argument("--shell", metavar="SHELL", help="the shell whose rc file to use")
    parser.add_argument("--yes", action="store_true", help="write without asking")
    parser.add_argument("--dry-run", action="store_true", help="show the diff, write nothing")
    return parser


def run(argv: Sequence[str], console: Console) -> int:
    args = parser().parse_args(argv)
    check_stdout()  # before an IAM lookup or a question: the diff goes there
    from awsenv.core import setup_edits as edits
    from awsenv.core.obtain import load_files

    interactive = sys.stdin is not None and sys.stdin.isatty() and not args.yes
    ask = _Asker(console) if interactive else None
    files = load_files(os.environ)
    layout = _layout(args, files, ask)
    edits.check(layout)
    if layout.new_keys:
        console.redact.add(layout.new_keys[1])
    config_before = _text(files.config_bytes)
    credentials_before = _text(files.credentials_bytes)
    config_after, credentials_after = edits.edit(layout, config_before, credentials_before)
    secrets = (layout.new_keys[1],) if layout.new_keys else ()
    shown = edits.diff(files.config_path, config_before, config_after)
    shown += edits.diff(files.credentials_path, credentials_before, credentials_after, secrets)
    if shown and not args.dry_run:
        # A file awsenv will not replace is said before the question, not after.
        from awsenv.config.section_editor import check_replaceable

        for path, before, after in (
            (files.config_path, config_before, config_after),
            (files.credentials_path, credentials_before, credentials_after),
        ):
            if before != after:
                check_replaceable(path)
    # The diff is what `setup` produces: stdout, so it can be saved or reviewed.
    write(shown or "the files already hold this layout\n")
    if shown and not args.dry_run:
        if args.yes or (ask and ask.yes("write these changes?")):
            _write_both(files, (config_after, credentials_after), console)
            console.say("written")
        else:
            console.say("nothing was written")
            return 0
    _offer_rc(args, ask, console)
    role = layout.roles[0].name if layout.roles else layout.session
    console.say("next: awsenv list")
    console.say(f"      awsenv explain {role}")
    console.say(f"      awsenv {role}")
    return 0


def _layout(args: object, files: object, ask: _Asker | None) -> Layout:
    from awsenv.config.profiles import AwsFiles
    from awsenv.core.plan import SESSION_DEFAULT

    assert isinstance(files, AwsFiles)
    a = args  # argparse's Namespace
    # Flags are checked before anything is asked or looked up.
    roles = [_role(text, getattr(a, "region", None)) for text in getattr(a, "role", [])]
    existing = _existing_session(files, getattr(a, "session", None))
    if existing is not None and ask:
        ask.console.say(f"updating session profile {existing.name}")
    source, new_keys = _source(a, files, ask, existing)
    serial = getattr(a, "mfa_serial", None) or (existing and existing.get("mfa_serial"))
    if not serial:
        serial = _device(files, source, new_keys, ask)
    session = (
        getattr(a, "session", None)
        or (existing and existing.name)
        or (ask.line("session profile name", "mfa") if ask else "mfa")
    )
    while ask and not getattr(a, "role", []):
        text = ask.line("role profile as NAME=ARN (empty: done)", "")
        if not text:
            break
        region = ask.line("its region (empty: none)", "") or None
        roles.append(_role(text, region))
    duration = getattr(a, "duration", None) or _duration_of(existing) or SESSION_DEFAULT
    process = bool(getattr(a, "process", False)) or bool(
        ask and roles and ask.yes("also add NAME-process profiles for tools without a shell?")
    )
    return Layout(source, serial, session, duration, tuple(roles), process, new_keys)


def _existing_session(files: object, named: str | None) -> Profile | None:
    """The session profile this setup updates: the one named, else `mfa`, else
    the only one in the files. Its keys, device and duration are the defaults,
    so running setup again (to add a role, or to move an earlier setup's
    session profile into the form every SDK reads) asks nothing it knows."""
    from awsenv.config.profiles import AwsFiles, Kind

    assert isinstance(files, AwsFiles)
    sessions = [n for n in files.names if _kind(files, n) is Kind.MFA_SESSION]
    if named is None:
        named = "mfa" if "mfa" in sessions or len(sessions) != 1 else sessions[0]
    return files.profile(named) if named in sessions else None


def _duration_of(profile: Profile | None) -> int | None:
    raw = profile.get("duration_seconds") if profile else None
    return int(raw) if raw and raw.isdigit() else None


def _source(
    a: object, files: object, ask: _Asker | None, existing: Profile | None
) -> tuple[str, tuple[str, str] | None]:
    """The long-term key profile, and new keys when the person typed them."""
    from awsenv.config.profiles import AwsFiles, Kind

    assert isinstance(files, AwsFiles)
    long_term = [n for n in files.names if _kind(files, n) is Kind.LONG_TERM]
    source = getattr(a, "source", None) or (existing and existing.session_source)
    new_keys = None
    if source is None and ask:
        source = ask.choose("long-term key profile", [*long_term, "(new keys)"])
        if source == "(new keys)":
            source = ask.line("name for the new key profile", "default")
            new_keys = (ask.line("access key ID"), ask.secret("secret access key"))
    source = source or ("default" if "default" in long_term else None)
    if source is None:
        raise UsageError("no long-term key profile: pass --source PROFILE")
    if new_keys is None and source not in long_term:
        raise ConfigError(f"profile {source!r} holds no long-term keys; pass --source PROFILE")
    return source, new_keys


def _device(
    files: object, source: str, new_keys: tuple[str, str] | None, ask: _Asker | None
) -> str:
    """The MFA device: looked up with IAM, then chosen or typed."""
    from awsenv.errors import AwsenvError

    try:
        found = _find_devices(files, source, new_keys)
    except AwsenvError as exc:
        if not ask:
            raise
        ask.console.say(f"could not list the MFA devices: {exc}")
        found = []
    if ask:
        return ask.choose("MFA device", found) if found else ask.line("MFA device ARN")
    if len(found) == 1:
        return found[0]
    raise UsageError(f"{len(found)} MFA devices found for {source!r}; pass --mfa-serial ARN")


def _kind(files: object, name: str) -> object:
    from awsenv.errors import AwsenvError

    try:
        return files.profile(name).kind  # type: ignore[attr-defined]
    except AwsenvError:
        return None


def _role(text: str, region: str | None) -> Role:
    name, _, arn = text.partition("=")
    if not name or not arn.startswith("arn:"):
        raise UsageError("a role is NAME=ARN, with an arn:aws:iam::ACCOUNT:role/NAME")
    return Role(name.strip(), arn.strip(), region)


def _find_devices(files: object, source: str, new_keys: tuple[str, str] | None) -> list[str]:
    from awsenv.aws import sts
    from awsenv.aws.credentials import Credentials
    from awsenv.config.profiles import AwsFiles

    assert isinstance(files, AwsFiles)
    if new_keys:
        creds = Credentials(*new_keys)
    else:
        profile = files.profile(source)
        creds = Credentials(
            profile.get("aws_access_key_id") or "", profile.get("aws_secret_access_key") or ""
        )
    return sts.mfa_devices(creds, files.profile(source).get("region") if not new_keys else None)


def _text(raw: bytes | None) -> str:
    return raw.decode("utf-8") if raw else ""


def _write_both(files: object, after: tuple[str, str], console: Console) -> None:
    """Write both AWS files under the lock every awsenv writer takes, and only
    if each still holds what the diff was made from: an awsenv refreshing a
    session, or an editor, may have changed one while the question waited."""
    from awsenv import paths
    from awsenv.config.profiles import AwsFiles
    from awsenv.config.section_editor import check_unchanged, replace_if_unchanged
    from awsenv.core.obtain import run_locks
    from awsenv.store.cache import Cache
    from awsenv.store.locks import file_lock_name, lock_timeout

    assert isinstance(files, AwsFiles)
    cache = Cache(paths.cache_dir(os.environ))
    targets = (
        (files.config_path, files.config_bytes, after[0]),
        (files.credentials_path, files.credentials_bytes, after[1]),
    )
    changed = "{} changed since the diff was shown; nothing was written: run awsenv setup again"
    with run_locks(cache, lock_timeout(os.environ), console.say) as locks:
        for path, _read, _new in targets:
            locks.hold(file_lock_name(path), f"writing {path}")
        for path, read, _new in targets:
            check_unchanged(path, read, changed.format(path))
        for path, read, new in targets:
            if _text(read) != new:
                replace_if_unchanged(path, read, new.encode("utf-8"), changed.format(path))


def _offer_rc(args: object, ask: _Asker | None, console: Console) -> None:
    from awsenv import paths
    from awsenv.cli import shell_named
    from awsenv.core import setup_edits as edits

    try:
        shell = shell_named(getattr(args, "shell", None)).name
    except UsageError:
        return
    if shell not in edits.RC_FILES:
        return
    rc = Path(paths.home(os.environ), edits.RC_FILES[shell])
    line = edits.rc_line(shell)
    try:
        raw: bytes | None = rc.read_bytes()
        text = raw.decode("utf-8") if raw is not None else ""
    except FileNotFoundError:
        raw, text = None, ""
    except (OSError, UnicodeDecodeError):
        console.say(f"cannot read {rc}; add this line to it yourself: {line}")
        return
    updated = edits.with_rc_line(text, line)
    if updated is None:
        console.say(f"{rc} already loads awsenv")
        return
    console.say(f"to load awsenv in {shell}, add this line to {rc}: {line}")
    if getattr(args, "dry_run", False):
        return
    if getattr(args, "rc", False) or (ask and ask.yes(f"add it to {rc}?")):
        _write_rc(rc, raw, updated)
        console.say(f"added to {rc}; open a new shell or run: {line}")


def _write_rc(rc: Path, read: bytes | None, updated: str) -> None:
    """Add the line with the care the AWS files get: never through a dangling
    symlink (no directories made for it), never over a read-only or hard-linked
    file, and only if the file still holds what was read before the question."""
    from awsenv.config.section_editor import replace_if_unchanged

    if rc.is_symlink() and not rc.exists():
        raise ConfigError(
            f"{rc} is a symlink to {rc.readlink()}, which does not exist; nothing was added"
        )
    changed = f"{rc} changed while awsenv asked; nothing was added: run setup again"
    replace_if_unchanged(rc, read, updated.encode("utf-8"), changed)


class _Asker:
    """Questions on the terminal: prompts on stderr, answers from stdin."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def line(self, question: str, default: str | None = None) -> str:
        shown = f" [{default}]" if default else ""
        sys.stderr.write(f"{question}{shown}: ")
        sys.stderr.flush()
        answer = sys.stdin.readline()
        if not answer:
            raise UsageError("setup was cut short: no answer")
        return answer.strip() or (default or "")

    def secret(self, question: str) -> str:
        import getpass

        value = getpass.getpass(f"{question} (not shown): ", stream=sys.stderr).strip()
        self.console.redact.add(value)
        return value

    def yes(self, question: str) -> bool:
        return self.line(f"{question} [y/N]").lower() in ("y", "yes")

    def choose(self, question: str, options: list[str]) -> str:
        for number, option in enumerate(options, 1):
            sys.stderr.write(f"  {number}) {option}\n")
        answer = self.line(f"{question} (number)", "1")
        try:
            return options[int(answer) - 1]
        except (ValueError, IndexError):
            raise UsageError(f"no such choice: {answer}") from None
