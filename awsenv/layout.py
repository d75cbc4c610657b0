"""The layout `awsenv setup` writes, as edits of the two AWS files.

Each section is set with credfile.update_section, the in-place editor: only
awsenv's own sections change, and every other byte of both files (comments,
other sections, spacing, line endings) stays. The plan is pure data: the
command shows it as a diff before anything is written.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from awsenv.credfile import update_section
from awsenv.plan import SESSION_DEFAULT
from awsenv.profiles import LEGACY_SESSION_SOURCE, SESSION_SOURCE


@dataclass(frozen=True)
class Role:
    name: str
    arn: str
    region: str | None = None


@dataclass(frozen=True)
class Layout:
    source: str  # the long-term key profile
    mfa_serial: str
    session: str = "mfa"
    duration: int = SESSION_DEFAULT
    roles: tuple[Role, ...] = ()
    process: bool = False  # also NAME-process profiles for tools without a shell
    new_keys: tuple[str, str] | None = field(default=None, repr=False)  # secrets


def config_section(name: str) -> str:
    return "default" if name == "default" else f"profile {name}"


def edit(layout: Layout, config: str, credentials: str) -> tuple[str, str]:
    """The two files' new texts."""
    if layout.new_keys is not None:
        key_id, secret = layout.new_keys
        credentials = update_section(
            credentials,
            layout.source,
            {"aws_access_key_id": key_id, "aws_secret_access_key": secret},
        )
    # The session profile names its keys in awsenv's own key, and an earlier
    # setup's `source_profile` goes: the Go SDK refuses it without role_arn.
    config = update_section(
        config,
        config_section(layout.session),
        {
            SESSION_SOURCE: layout.source,
            "mfa_serial": layout.mfa_serial,
            "duration_seconds": str(layout.duration),
        },
        remove=(LEGACY_SESSION_SOURCE,),
    )
    for role in layout.roles:
        values = {"role_arn": role.arn, "source_profile": layout.session}
        if role.region:
            values["region"] = role.region
        config = update_section(config, config_section(role.name), values)
        if layout.process:
            config = update_section(
                config,
                config_section(f"{role.name}-process"),
                {"credential_process": f"awsenv process {role.name}"},
            )
    return config, credentials


def diff(path: Path, before: str, after: str, secrets: tuple[str, ...] = ()) -> str:
    """A unified diff of one file, with any secret masked."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=str(path),
        tofile=str(path),
    )
    text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "*" * 8)
    return text


RC_FILES = {
    "bash": ".bashrc",
    "zsh": ".zshrc",
    "fish": ".config/fish/config.fish",
}


def rc_line(shell: str) -> str:
    """The exact line that loads the integration (each template's `install`)."""
    from awsenv.render import render_macro
    from awsenv.shell import SHELLS

    return render_macro(SHELLS[shell], "install").strip()


def with_rc_line(text: str, line: str) -> str | None:
    """The rc file with the init line added, or None when it already has it."""
    if any(existing.strip() == line for existing in text.splitlines()):
        return None
    separator = "" if not text or text.endswith("\n") else "\n"
    return f"{text}{separator}{line}\n"
