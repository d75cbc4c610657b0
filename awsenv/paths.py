"""Where awsenv reads and writes: the two AWS files and its own cache directory.

Plain strings first (os.path), so that the fast path can find its memo
without importing pathlib; the Path forms are for everything else.
"""

from __future__ import annotations

import os
import sys

# Annotations only (and typing/collections.abc cost more to import than the
# whole fast path): mypy sees them, the interpreter never imports them.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path


def home(environ: Mapping[str, str]) -> str:
    # The home botocore uses (os.path.expanduser): USERPROFILE on Windows, even
    # under MSYS2 or Cygwin, where HOME points elsewhere.
    home = environ.get("USERPROFILE") if sys.platform == "win32" else environ.get("HOME")
    return home or os.path.expanduser("~")


def _expand(value: str, environ: Mapping[str, str]) -> str:
    # botocore expands `~` in these variables, so a user may rely on it.
    if value == "~" or value.startswith(("~/", "~\\")):
        return os.path.join(home(environ), value[2:])
    return value


def config_path(environ: Mapping[str, str] = os.environ) -> str:
    value = environ.get("AWS_CONFIG_FILE")
    return _expand(value, environ) if value else os.path.join(home(environ), ".aws", "config")


def credentials_path(environ: Mapping[str, str] = os.environ) -> str:
    value = environ.get("AWS_SHARED_CREDENTIALS_FILE")
    if value:
        return _expand(value, environ)
    return os.path.join(home(environ), ".aws", "credentials")


def cache_path(environ: Mapping[str, str] = os.environ) -> str:
    if sys.platform == "win32":
        base = environ.get("LOCALAPPDATA") or os.path.join(home(environ), "AppData", "Local")
        return os.path.join(base, "awsenv")
    xdg = environ.get("XDG_CACHE_HOME")
    # The XDG spec says a relative value is invalid and must be ignored.
    if xdg and os.path.isabs(xdg):
        return os.path.join(xdg, "awsenv")
    return os.path.join(home(environ), ".cache", "awsenv")


def config_file(environ: Mapping[str, str] = os.environ) -> Path:
    from pathlib import Path

    return Path(config_path(environ))


def credentials_file(environ: Mapping[str, str] = os.environ) -> Path:
    from pathlib import Path

    return Path(credentials_path(environ))


def cache_dir(environ: Mapping[str, str] = os.environ) -> Path:
    from pathlib import Path

    return Path(cache_path(environ))
