"""Moving a profile's long-term keys into the OS keyring, and out again.

`awsenv keys add` puts the keys into the keyring first, then points the
profile's credential_process at `awsenv keys process NAME` in the config file,
and only then takes the keys out of the credentials file: whatever step fails,
the keys are still somewhere that works. The files are edited in place (every
other byte stays) under the lock every awsenv writer takes, each only if it
still holds what was read.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from awsenv import paths
from awsenv.aws.credentials import Credentials
from awsenv.config.profiles import AwsFiles, Kind
from awsenv.config.section_editor import update_profile, update_section
from awsenv.core.staging import replace_files
from awsenv.errors import AwsenvError, ConfigError
from awsenv.store import keyring_keys
from awsenv.store.cache import Cache
from awsenv.store.locks import Locks, lock_timeout

KEY_NAMES = ("aws_access_key_id", "aws_secret_access_key")


@dataclass(frozen=True)
class Found:
    """What `keys add` starts from: the keys in the credentials file (None:
    none there, to be asked for)."""

    profile: str
    keys: Credentials | None


def find(files: AwsFiles, name: str) -> Found:
    """The keys of `name` that `keys add` would move; refuses what is no
    long-term key profile."""
    if name not in files.config and name not in files.credentials:
        return Found(name, None)
    profile = files.profile(name)
    # Keys still in the file beside the keyring's credential_process: a move
    # cut short, which this one ends.
    if profile.keyring_name == name and not profile.has_keys:
        raise ConfigError(f"the keys of profile {name!r} are already in the OS keyring")
    in_config = [key for key in KEY_NAMES if profile.config.get(key)]
    if in_config:
        raise ConfigError(
            f"profile {name!r} has {in_config[0]} in {files.config_path}; move its keys to "
            f"[{name}] of {files.credentials_path} first (awsenv keys add reads them there)"
        )
    if profile.get("aws_session_token"):
        raise ConfigError(f"profile {name!r} holds temporary keys; only long-term keys go there")
    try:
        kind = profile.kind
    except ConfigError:
        kind = None
    if kind not in (Kind.LONG_TERM, None) and profile.keyring_name != name:
        raise ConfigError(
            f"profile {name!r} is a {kind.value if kind else 'profile'} profile, not long-term "
            "keys; give the profile that holds the access key"
        )
    if profile.has_keys:
        return Found(
            name,
            Credentials(
                profile.get("aws_access_key_id") or "", profile.get("aws_secret_access_key") or ""
            ),
        )
    return Found(name, None)


def awsenv_command() -> str:
    """This awsenv by absolute path, as credential_process will run it: SDKs
    start it from any directory, with any PATH."""
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else ""
    if Path(argv0).name.lower() in ("awsenv", "awsenv.exe"):
        return str(Path(argv0).absolute())
    import shutil

    found = shutil.which("awsenv")
    if found is None:
        raise ConfigError("cannot find awsenv's own path for credential_process; put it on PATH")
    return str(Path(found).absolute())


def process_line(command: str, name: str) -> str:
    """The credential_process value: quoted for shlex (botocore) and `sh -c`
    (the Go SDK, Ruby, JavaScript) alike."""
    return f"{shlex.quote(command)} keys process {shlex.quote(name)}"


def add(files: AwsFiles, found: Found, keys: Credentials, command: str) -> None:
    """Store the keys, point the profile at them, take them out of the file."""
    keyring_keys.store(found.profile, keys)
    config_text = _text(files.config_bytes)
    config = update_profile(
        config_text, found.profile, {"credential_process": process_line(command, found.profile)}
    )
    credentials_text = _text(files.credentials_bytes)
    credentials = credentials_text
    if found.keys is not None:
        credentials = update_section(credentials_text, found.profile, {}, remove=KEY_NAMES)
    _write(files, config, credentials)
    _carry_sessions(files, found.profile, process_line(command, found.profile))


def _carry_sessions(files: AwsFiles, name: str, line: str) -> None:
    """The MFA sessions cached over these keys, under the keyring's name for
    them too: the next export needs no new code for having moved the keys."""
    from dataclasses import replace

    from awsenv.config.profiles import Profile
    from awsenv.core.plan import LongTermKeys, MfaSession, build_plan, walk

    profile = files.profile(name) if name in files.names else Profile(name, {}, {})
    moved = LongTermKeys(Profile(name, {**profile.config, "credential_process": line}, {}))
    cache = Cache(paths.cache_dir(os.environ))
    for other in files.names:
        try:
            chain = walk(build_plan(files, other).top)
        except AwsenvError:
            continue
        for node in chain:
            if isinstance(node, MfaSession) and node.source.profile.name == name:
                session = cache.load(node.cache_key)
                if session is not None:
                    key = replace(node, source=moved).cache_key
                    cache.store(key, session, cache.skews.get(node.cache_key))


def remove(files: AwsFiles, name: str) -> bool:
    """Delete the keys from the keyring and the profile's credential_process
    that reads them; False when the keyring held none."""
    held = keyring_keys.delete(name)
    config_text = _text(files.config_bytes)
    profile = files.config.get(name)
    if profile is not None and files.profile(name).keyring_name == name:
        config = update_profile(config_text, name, {}, remove=("credential_process",))
        _write(files, config, _text(files.credentials_bytes))
    return held


def _text(raw: bytes | None) -> str:
    return raw.decode("utf-8") if raw else ""


def _write(files: AwsFiles, config: str, credentials: str) -> None:
    """Both files, under their locks, each only while it holds what was read."""
    cache = Cache(paths.cache_dir(os.environ))
    changed = (
        "{} changed while awsenv worked; the keys are in the OS keyring: run the command again"
    )
    locks_dir = cache.root / "locks" if cache.usable else None
    with Locks(locks_dir, timeout=lock_timeout(os.environ)) as locks:
        replace_files(files, config, credentials, changed, locks)
