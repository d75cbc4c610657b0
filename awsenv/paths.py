"""Where awsenv reads and writes: the two AWS files and its own cache directory."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path


def _home(environ: Mapping[str, str]) -> Path:
    # The home botocore uses (os.path.expanduser): USERPROFILE on Windows, even
    # under MSYS2 or Cygwin, where HOME points elsewhere.
    home = environ.get("USERPROFILE") if sys.platform == "win32" else environ.get("HOME")
    return Path(home) if home else Path.home()


def _expand(value: str, environ: Mapping[str, str]) -> Path:
    # botocore expands `~` in these variables, so a user may rely on it.
    if value == "~" or value.startswith(("~/", "~\\")):
        return _home(environ) / value[2:]
    return Path(value)


def config_file(environ: Mapping[str, str] = os.environ) -> Path:
    value = environ.get("AWS_CONFIG_FILE")
    return _expand(value, environ) if value else _home(environ) / ".aws" / "config"


def credentials_file(environ: Mapping[str, str] = os.environ) -> Path:
    value = environ.get("AWS_SHARED_CREDENTIALS_FILE")
    return _expand(value, environ) if value else _home(environ) / ".aws" / "credentials"


def cache_dir(environ: Mapping[str, str] = os.environ) -> Path:
    if sys.platform == "win32":
        base = environ.get("LOCALAPPDATA")
        return Path(base) / "awsenv" if base else _home(environ) / "AppData" / "Local" / "awsenv"
    xdg = environ.get("XDG_CACHE_HOME")
    # The XDG spec says a relative value is invalid and must be ignored.
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "awsenv"
    return _home(environ) / ".cache" / "awsenv"
