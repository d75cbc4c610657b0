"""Who an IAM Identity Center login is shown to: the person at this terminal,
or at this machine's browser. Nobody is there under a hook or a script with no
terminal and no browser, and then no login is started."""

from __future__ import annotations

import os
import sys

from awsenv.stderr import Console


def has_terminal() -> bool:
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return False
    os.close(fd)
    return True


def has_browser() -> bool:
    """A browser that opens where a person sees it: BROWSER names one, a
    desktop session is there, or the system has its own opener."""
    if sys.platform in ("darwin", "win32"):
        return True
    return any(os.environ.get(v) for v in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY"))


class PersonHere:
    def __init__(self, console: Console, *, asked: bool = False) -> None:
        self.console = console
        # `awsenv login` itself: the person asked for it, so it goes ahead.
        self.asked = asked

    def present(self) -> bool:
        return self.asked or has_terminal() or has_browser()

    def show(self, url: str, code: str) -> None:
        self.console.tell(f"to sign in, open {url} and check that it shows the code {code}")

    def open(self, url: str) -> bool:
        if not has_browser():
            return False
        from awsenv.core.browser import open_plain

        return open_plain(url)
