"""The package's structure: every module imports on its own in a fresh
interpreter (no module loads only thanks to another's earlier import, which is
how a hidden import cycle shows)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import awsenv

MODULES = sorted(m.name for m in pkgutil.walk_packages(awsenv.__path__, "awsenv."))


def test_the_package_has_its_layers() -> None:
    packages = {m.name for m in pkgutil.iter_modules(awsenv.__path__) if m.ispkg}
    assert packages == {"aws", "commands", "config", "core", "render", "store"}


def test_every_module_imports_alone() -> None:
    # One interpreter per module, all at once: a module that only imports after
    # another (a cycle broken by luck) fails here.
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-c", f"import {name}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in MODULES
        if name != "awsenv.__main__"
    }
    failed = {name: proc.communicate()[1][-400:] for name, proc in procs.items()}
    failed = {name: err for name, err in failed.items() if procs[name].returncode != 0}
    assert failed == {}
    assert len(procs) > 40
