"""`awsenv setup`: write the layout awsenv (and pulumi, terraform) need, asking
on a terminal or taking flags: a long-term profile, its MFA device, a session
profile and roles over it. Shows a unified diff and asks before writing;
`--yes` skips the question, `--dry-run` only shows it."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from awsenv.commands.shared import Parser, check_stdout, write
from awsenv.errors import ConfigError, UsageError
from awsenv.stderr import Console

TYPE_CHECKING = False
if TYPE_CHECKING:
    from awsenv.commands.setup_wizard import Asker, SetupRequest
    from awsenv.config.profiles import AwsFiles


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
    parser.add_argument(
        "--sso-start-url", metavar="URL", help="IAM Identity Center: the portal's start URL"
    )
    parser.add_argument("--sso-region", metavar="REGION", help="IAM Identity Center's region")
    parser.add_argument("--sso-account", metavar="ACCOUNT", help="the account id of the role")
    parser.add_argument(
        "--sso-role",
        metavar="[NAME=]ROLE",
        help="the permission set (profile NAME, else ROLE-ACCOUNT)",
    )
    parser.add_argument("--yes", action="store_true", help="write without asking")
    parser.add_argument("--dry-run", action="store_true", help="show the diff, write nothing")
    return parser


def run(argv: Sequence[str], console: Console) -> int:
    args = parser().parse_args(argv)
    check_stdout()  # before an IAM lookup or a question: the diff goes there
    from awsenv.commands.setup_wizard import Asker, from_args, layout_for
    from awsenv.core import setup_edits as edits
    from awsenv.core.obtain import load_files

    request = from_args(args)
    interactive = sys.stdin is not None and sys.stdin.isatty() and not request.yes
    ask = Asker(console) if interactive else None
    files = load_files(os.environ)
    if any((args.sso_start_url, args.sso_region, args.sso_account, args.sso_role)):
        return _sso(args, files, ask, console)
    layout = layout_for(request, files, ask, this_awsenv())
    edits.check(layout)
    if layout.new_keys:
        console.redact.add(layout.new_keys[1])
    config_before = _text(files.config_bytes)
    credentials_before = _text(files.credentials_bytes)
    config_after, credentials_after = edits.edit(layout, config_before, credentials_before)
    secrets = (layout.new_keys[1],) if layout.new_keys else ()
    shown = edits.diff(files.config_path, config_before, config_after)
    shown += edits.diff(files.credentials_path, credentials_before, credentials_after, secrets)
    if shown and not request.dry_run:
        # A file awsenv will not replace is said before the question, not after.
        from awsenv.config.section_editor import check_replaceable

        for path, before, after in (
            (files.config_path, config_before, config_after),
            (files.credentials_path, credentials_before, credentials_after),
        ):
            if before != after:
                check_replaceable(path)
    if not _confirmed(files, shown, (config_after, credentials_after), request, ask, console):
        return 0
    _offer_rc(request, ask, console)
    role = layout.roles[0].name if layout.roles else layout.session
    console.say("next: awsenv list")
    console.say(f"      awsenv explain {role}")
    console.say(f"      awsenv {role}")
    return 0


def this_awsenv() -> tuple[str, ...]:
    """The words that run the awsenv running now, by absolute path, for a
    `-process` profile. Not through symlinks: ~/.local/bin/awsenv (pipx) or
    /opt/homebrew/bin/awsenv stays right across upgrades, where the file it
    points to moves."""
    import shutil

    started = sys.argv[0] if sys.argv else ""
    if Path(started).name.lower() in ("awsenv", "awsenv.exe") and Path(started).is_file():
        return (str(Path(started).absolute()),)
    if Path(started).name == "__main__.py":  # python -m awsenv
        return (str(Path(sys.executable).absolute()), "-m", "awsenv")
    found = shutil.which("awsenv")
    return (str(Path(found).absolute()),) if found else ("awsenv",)


def _confirmed(
    files: AwsFiles,
    shown: str,
    after: tuple[str, str],
    request: SetupRequest,
    ask: Asker | None,
    console: Console,
) -> bool:
    """Show the diff, ask, write; False when the person said no."""
    # The diff is what `setup` produces: stdout, so it can be saved or reviewed.
    write(shown or "the files already hold this layout\n")
    if shown and not request.dry_run:
        if request.yes or (ask and ask.yes("write these changes?")):
            _write_both(files, after, console)
            console.say("written")
        else:
            console.say("nothing was written")
            return False
    return True


def _sso(args: argparse.Namespace, files: AwsFiles, ask: Asker | None, console: Console) -> int:
    """An IAM Identity Center profile: `[sso-session ...]` and the profile over it."""
    from awsenv.commands.setup_wizard import from_args, sso_layout
    from awsenv.config.section_editor import check_replaceable
    from awsenv.core import setup_edits as edits

    layout = sso_layout(args, ask)
    edits.check_sso(layout)
    before = _text(files.config_bytes)
    after = edits.edit_sso(layout, before)
    shown = edits.diff(files.config_path, before, after)
    request = from_args(args)
    if shown and not request.dry_run:
        check_replaceable(files.config_path)
    if not _confirmed(files, shown, (after, _text(files.credentials_bytes)), request, ask, console):
        return 0
    _offer_rc(request, ask, console)
    console.say(f"next: awsenv login {layout.profile}")
    console.say(f"      awsenv {layout.profile}")
    return 0


def _text(raw: bytes | None) -> str:
    return raw.decode("utf-8") if raw else ""


def _write_both(files: AwsFiles, after: tuple[str, str], console: Console) -> None:
    """Write both AWS files, only if each still holds what the diff was made
    from (the question may have waited while another writer changed one)."""
    from awsenv import paths
    from awsenv.core.obtain import run_locks
    from awsenv.core.staging import replace_files
    from awsenv.store.cache import Cache
    from awsenv.store.locks import lock_timeout

    cache = Cache(paths.cache_dir(os.environ))
    changed = "{} changed since the diff was shown; nothing was written: run awsenv setup again"
    with run_locks(cache, lock_timeout(os.environ), console.say) as locks:
        replace_files(files, after[0], after[1], changed, locks)


def _offer_rc(request: SetupRequest, ask: Asker | None, console: Console) -> None:
    from awsenv import paths
    from awsenv.commands.shared import shell_named
    from awsenv.core import setup_edits as edits

    try:
        shell = shell_named(request.shell).name
    except UsageError:
        return
    if shell not in edits.RC_FILES:
        return
    rc = Path(paths.home(os.environ), edits.RC_FILES[shell])
    line = rc_line(shell)
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
    if request.dry_run:
        return
    if request.rc or (ask and ask.yes(f"add it to {rc}?")):
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


def rc_line(shell: str) -> str:
    """The exact line that loads the integration (each template's `install`)."""
    from awsenv.render.templates import render_macro
    from awsenv.shell import SHELLS

    return render_macro(SHELLS[shell], "install").strip()
