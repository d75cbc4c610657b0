"""Long-term access keys kept in the OS keyring instead of a file.

Through the `keyring` library: the Secret Service on Linux (gnome-keyring,
KWallet, KeePassXC, over D-Bus), the Keychain on macOS, the Credential Locker on
Windows. One entry per profile (service `awsenv`, user the profile's name)
holds its key id and secret as JSON; one more entry (service `awsenv index`)
holds the list of those names, because `keyring` cannot enumerate a backend's
entries. The index is not secret, but it lives with the keys so that it never
disagrees with a file someone restored from a backup.

`keyring` is imported here, inside the functions, and only here: the fast path
and every call served from the cache never reach it (pyproject's fast-path
contract forbids it at the top level). It is the `awsenv[keyring]` extra.
"""

from __future__ import annotations

import json
from typing import Any

from awsenv.aws.credentials import Credentials
from awsenv.errors import ConfigError

SERVICE = "awsenv"
INDEX_SERVICE = "awsenv index"
INDEX_USER = "profiles"

# Backends that are no keyring at all, or that keep secrets in a plain file:
# storing long-term keys there would be the credentials file by another name.
_REFUSED_MODULES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")


def _backend() -> Any:
    """The keyring to use, or one line naming why there is none."""
    try:
        import keyring
    except ImportError:
        raise ConfigError(
            "keys in the OS keyring need the keyring library: pip install 'awsenv[keyring]'"
        ) from None
    backend = keyring.get_keyring()
    module = type(backend).__module__
    if any(module.startswith(refused) for refused in _REFUSED_MODULES):
        raise ConfigError(
            f"no OS keyring is reachable ({describe(backend)}): on Linux, the Secret Service "
            "(gnome-keyring, KWallet) on the D-Bus session bus (DBUS_SESSION_BUS_ADDRESS); "
            "nothing was written"
        )
    return backend


def describe(backend: Any) -> str:
    """The keyring's name as people know it: `SecretService Keyring`, say."""
    name = getattr(backend, "name", "") or type(backend).__name__
    return str(name)


def name() -> str:
    """The name of the keyring in use (for messages), reachable or not."""
    return describe(_backend())


def _unreachable(backend: Any, exc: Exception) -> ConfigError:
    # keyring's and SecretStorage's messages name the bus or the lock, never a
    # secret; only their first line is kept, to stay one line.
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ConfigError(
        f"the OS keyring ({describe(backend)}) cannot be reached: {reason}; nothing was written"
    )


def _get(backend: Any, service: str, user: str) -> str | None:
    try:
        value = backend.get_password(service, user)
    except Exception as exc:
        raise _unreachable(backend, exc) from None
    return value if isinstance(value, str) else None


def check_reachable() -> str:
    """Reach the keyring now (unlocked, on the bus), before anything is
    asked or written; its name."""
    backend = _backend()
    _get(backend, INDEX_SERVICE, INDEX_USER)
    return describe(backend)


def names() -> list[str]:
    """The profiles whose keys the keyring holds, by the index."""
    raw = _get(_backend(), INDEX_SERVICE, INDEX_USER)
    try:
        listed = json.loads(raw) if raw else []
    except ValueError:
        listed = []
    return sorted(n for n in listed if isinstance(n, str)) if isinstance(listed, list) else []


def load(profile: str) -> Credentials:
    """The keys the keyring holds for `profile`."""
    backend = _backend()
    raw = _get(backend, SERVICE, profile)
    if raw is None:
        raise ConfigError(
            f"the OS keyring ({describe(backend)}) holds no keys for profile {profile!r}; "
            f"run: awsenv keys add {profile}"
        )
    try:
        document = json.loads(raw)
        return Credentials(
            access_key_id=str(document["AccessKeyId"]),
            secret_access_key=str(document["SecretAccessKey"]),
        )
    except (ValueError, KeyError, TypeError):
        raise ConfigError(
            f"the OS keyring's entry for profile {profile!r} is not awsenv's; "
            f"run: awsenv keys remove {profile}, then awsenv keys add {profile}"
        ) from None


def store(profile: str, creds: Credentials) -> None:
    """Put `profile`'s keys into the keyring (replacing any), then its name
    into the index."""
    backend = _backend()
    document = {"AccessKeyId": creds.access_key_id, "SecretAccessKey": creds.secret_access_key}
    try:
        backend.set_password(SERVICE, profile, json.dumps(document))
    except Exception as exc:
        raise _unreachable(backend, exc) from None
    _set_index(backend, {*names(), profile})


def delete(profile: str) -> bool:
    """Take `profile`'s keys and its name out of the keyring; False when it
    held none."""
    backend = _backend()
    held = _get(backend, SERVICE, profile) is not None
    if held:
        try:
            backend.delete_password(SERVICE, profile)
        except Exception as exc:
            raise _unreachable(backend, exc) from None
    listed = set(names())
    if profile in listed:
        _set_index(backend, listed - {profile})
    return held


def _set_index(backend: Any, listed: set[str]) -> None:
    try:
        backend.set_password(INDEX_SERVICE, INDEX_USER, json.dumps(sorted(listed)))
    except Exception as exc:
        raise _unreachable(backend, exc) from None
