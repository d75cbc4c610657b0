"""Opening the console's sign-in URL in a browser without putting it on a
command line, where any user on the machine could read it (/proc/PID/cmdline,
`ps`): the sign-in token in it signs the browser in.

The browser is given a file:// page instead, which sends it on to the URL. The
page is 0600 in a 0700 directory of awsenv's cache, so only its owner can read
it; it is removed a minute later, and any left over (a killed awsenv, Windows)
by the next `awsenv console`.
"""

from __future__ import annotations

import html
import json
import os
import secrets
import stat
import sys
import time
import webbrowser
from pathlib import Path

from awsenv.errors import UsageError
from awsenv.store.atomic import PRIVATE_FILE, ensure_private_dir

# Long enough for a browser to start and read the page; the sign-in token in
# it is good for 15 minutes, so a page is no use to anyone for long anyway.
PAGE_LIFETIME = 60.0  # seconds
_PREFIX, _SUFFIX = "signin-", ".html"


def open_url(url: str, cache_root: Path) -> None:
    """Open `url` in the browser through a private redirect page."""
    directory = cache_root / "signin"
    try:
        ensure_private_dir(directory, root=cache_root)
        remove_old_pages(directory)
        page = write_page(directory, url)
    except OSError as exc:  # ownership.Untrusted included: it names the path
        where = getattr(exc, "path", None) or exc.filename or directory
        why = getattr(exc, "why", None) or exc.strerror
        raise UsageError(
            f"cannot keep the sign-in page private in {where} ({why}); use --print to get the URL"
        ) from None
    if not _open_quietly(page.as_uri()):
        page.unlink(missing_ok=True)
        raise UsageError("no browser could be opened; use --print to get the URL")
    remove_later(page, PAGE_LIFETIME)


def open_plain(url: str) -> bool:
    """Open a URL that is no secret (an IAM Identity Center verification page)
    in the browser; False when none could be opened."""
    try:
        return _open_quietly(url)
    except (OSError, webbrowser.Error):  # a browser that fails is one not opened
        return False


def write_page(directory: Path, url: str) -> Path:
    """A new 0600 page in `directory` that sends the browser on to `url`."""
    shown = html.escape(url, quote=True)
    # In a script element only `</` could end it early: `<` never reaches one.
    target = json.dumps(url).replace("<", "\\u003c")
    text = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f'<meta http-equiv="refresh" content="0;url={shown}">\n'
        "<title>awsenv: signing in to the AWS console</title></head>\n"
        f"<body><script>location.replace({target});</script>\n"
        f'<p><a href="{shown}">Continue to the AWS console</a></p></body></html>\n'
    )
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    page = directory / f"{_PREFIX}{secrets.token_hex(8)}{_SUFFIX}"
    fd = os.open(page, flags, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as handle:
        if hasattr(os, "fchmod"):
            os.fchmod(handle.fileno(), PRIVATE_FILE)  # whatever the umask
        handle.write(text.encode("utf-8"))
    return page


def remove_old_pages(directory: Path, *, now: float | None = None) -> None:
    """Remove this user's pages older than PAGE_LIFETIME: what a killed
    awsenv, or one on Windows (which has no remover), left behind."""
    now = time.time() if now is None else now
    for entry in directory.iterdir():
        if not (entry.name.startswith(_PREFIX) and entry.name.endswith(_SUFFIX)):
            continue
        try:
            info = entry.lstat()
            if stat.S_ISREG(info.st_mode) and now - info.st_mtime > PAGE_LIFETIME:
                entry.unlink()
        except OSError:
            continue


def remove_later(page: Path, seconds: float) -> None:
    """Remove `page` after `seconds`, from a detached process, so that awsenv
    itself returns at once. POSIX only: elsewhere the next run removes it."""
    if not hasattr(os, "fork"):
        return
    if os.fork() != 0:
        return
    # The child: off the terminal's session, holding none of the caller's
    # descriptors (a reader waiting for EOF of awsenv's output must get it).
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        time.sleep(seconds)
        page.unlink(missing_ok=True)
    finally:
        os._exit(0)


def _open_quietly(url: str) -> bool:
    """webbrowser.open, with the browser's own stdout ("Opening in existing
    browser session.") on stderr: awsenv's stdout is for what callers parse,
    and a closed one would fail a browser that writes to it."""
    if sys.stdout is not None:
        sys.stdout.flush()
        saved: int | None = os.dup(1)
    elif _is_open(1):
        return webbrowser.open(url)  # fd 1 is a file of awsenv's own now: leave it
    else:
        saved = None
    try:
        os.dup2(2, 1)
        return webbrowser.open(url)
    finally:
        if saved is None:
            os.close(1)
        else:
            os.dup2(saved, 1)
            os.close(saved)


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True
