"""awsenv's settings live in one table (awsenv/settings.py): every AWSENV_*
name in the code is in it or named as not a setting, README lists exactly its
rows with their defaults and bounds, and each bounded one refuses a bad value
in one line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from awsenv import settings
from awsenv.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent
NAME = re.compile(r"AWSENV_[A-Z_]+")
ROW = re.compile(r"^\| `(AWSENV_[A-Z_]+)` \| (.*) \| (.*) \|$", re.MULTILINE)
BOUNDED = [setting for setting in settings.SETTINGS if setting.bounds]


def _sources() -> list[Path]:
    package = sorted((ROOT / "awsenv").rglob("*.py"))
    return [*package, *sorted((ROOT / "shells").glob("*.j2"))]


def test_every_awsenv_variable_in_the_code_is_in_the_table() -> None:
    known = {s.name for s in settings.SETTINGS} | {*settings.SET_BY_AWSENV, *settings.MARKERS}
    found = {name for path in _sources() for name in NAME.findall(path.read_text())}
    assert found - known == set()
    assert found >= {s.name for s in settings.SETTINGS if s.read_by != "prompt hook"}


def test_readme_lists_every_setting_with_its_default_and_bounds() -> None:
    rows = ROW.findall((ROOT / "README.md").read_text())
    expected = [
        (s.name, f"{s.meaning} ({s.bounds})" if s.bounds else s.meaning, s.shown)
        for s in settings.SETTINGS
    ]
    assert rows == expected


@pytest.mark.parametrize("template", ["bash.sh.j2", "zsh.zsh.j2", "fish.fish.j2", "pwsh.ps1.j2"])
def test_prompt_hooks_default_is_the_tables(template: str) -> None:
    text = (ROOT / "shells" / template).read_text()
    default = settings.WARN_MINUTES.shown
    assert (
        f"AWSENV_WARN_MINUTES:-{default}}}" in text
        or f"set -l minutes {default}" in text
        or f"[int]$env:AWSENV_WARN_MINUTES }} else {{ {default} }}" in text
    )


@pytest.mark.parametrize("setting", BOUNDED, ids=lambda s: s.name)
@pytest.mark.parametrize("value", ["soon", "-1", "1e9", "nan"])
def test_out_of_range_is_one_usage_line(setting: settings.Setting, value: str) -> None:
    with pytest.raises(UsageError) as raised:
        setting.number({setting.name: value})
    message = str(raised.value)
    assert message == f"{setting.name} must be {setting.kind} from {setting.bounds}"
    assert "\n" not in message


@pytest.mark.parametrize("setting", BOUNDED, ids=lambda s: s.name)
def test_unset_or_empty_is_the_default_and_the_bounds_are_inclusive(
    setting: settings.Setting,
) -> None:
    assert setting.number({}) == setting.default
    assert setting.number({setting.name: ""}) == setting.default
    assert setting.low is not None and setting.high is not None
    assert setting.number({setting.name: f"{setting.low:g}"}) == setting.low
    assert setting.number({setting.name: f"{setting.high:g}"}) == setting.high


def test_settings_imports_nothing_heavy() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, awsenv.settings; "
        "print(','.join(m for m in ('typing', 're', 'dataclasses', 'enum') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
