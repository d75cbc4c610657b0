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


def readme_layers() -> list[tuple[str, str]]:
    """(package, may import) from the README's "How it is built" table."""
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = text.split("## How it is built\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `awsenv/")]
    return [(row.split("|")[1].strip(), row.split("|")[3].strip()) for row in rows]


def test_the_readme_table_is_the_tree_and_the_contracts() -> None:
    from pathlib import Path

    import tomllib

    root = Path(__file__).resolve().parent.parent
    contracts = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in contracts["contracts"] if c["id"] == "layers")["layers"]
    rows = readme_layers()
    # One row per layer, in the contract's order, top first.
    named = [cell.split("`")[1].removeprefix("awsenv/").removesuffix("/") for cell, _ in rows]
    wanted = ["__main__.py", *(layer.removeprefix("awsenv.") for layer in layers[2:])]
    assert named == wanted
    packages = {m.name for m in pkgutil.iter_modules(awsenv.__path__) if m.ispkg}
    assert set(named[1:]) == packages
    # Each package may import exactly the packages below it.
    for index, (_cell, may) in enumerate(rows[1:], start=1):
        below = named[index + 1 :]
        listed = [word.strip("`") for word in may.split(", ") if word.startswith("`")]
        assert listed == below, (named[index], listed, below)


def test_the_readme_names_every_top_level_module() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| top level |"))
    top = {m.name for m in pkgutil.iter_modules(awsenv.__path__) if not m.ispkg}
    top -= {"__main__", "cli"}  # the entry, its own row
    assert {name for name in top if f"`{name}.py`" not in row} == set()
