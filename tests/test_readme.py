"""The README as a newcomer reads it: the order of the first hour, and the
claims of its short sections held to the program."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import CODE, AwsEnv

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def section(title: str) -> str:
    """The text under a `## ` or `### ` heading that starts with `title`, up to
    the next heading of any level."""
    body = re.sub(r"(?ms)^```.*?^```", lambda m: m.group(0).replace("#", "\0"), README)
    match = re.search(rf"(?ms)^#+ {re.escape(title)}.*?\n(.*?)(?=^#+ |\Z)", body)
    assert match is not None, title
    return match.group(1).replace("\0", "#")


def test_the_first_hour_comes_first_then_the_reference() -> None:
    headings = re.findall(r"(?m)^## (.+)$", re.sub(r"(?ms)^```.*?^```", "", README))
    wanted = [
        "Try it, no AWS account needed",
        "Install",
        "Write your profiles: `awsenv setup`",
        "Set up your shell (once)",
        "Daily use",
        "Profile layouts",
        "Reference",
    ]
    positions = [headings.index(h) for h in wanted]
    assert positions == sorted(positions), headings


def test_install_names_pipx_ensurepath_and_setup_its_duration() -> None:
    assert "pipx ensurepath" in section("Install")
    setup = section("Write your profiles")
    assert "awsenv setup" in setup and "--duration" in setup
    assert "minutes" in section("Development") and "./scripts/test.sh" in section("Development")


def test_the_mfa_column_of_list_is_explained_in_the_words_list_prints(aws: AwsEnv) -> None:
    aws.seed()
    rows = [line.split("\t") for line in aws.run("list").stdout.splitlines()]
    column = rows[0].index("MFA")
    cells = {row[0]: row[column] for row in rows[1:]}
    assert (cells["dev"], cells["default"]) == ("needs code", "-")
    text = " ".join(section("`awsenv list`").split())
    assert (
        "The MFA column says `needs code` when the next `awsenv PROFILE` asks for an MFA code"
        in text
    )
    assert "`-` when it does not" in text


def test_awsenv_profile_is_exported_also_when_aws_profile_is_withheld(aws: AwsEnv) -> None:
    """The prompt segments read AWSENV_PROFILE: it is in every export, the
    standard layout's (which leaves AWS_PROFILE out) included."""
    prompt = section("A prompt segment")
    assert "AWSENV_PROFILE" in prompt and "env_var.AWSENV_PROFILE" in prompt
    aws.standard()
    code = aws.run("dev", "--shell", "bash", "--mfa-code", CODE).stdout
    assert "export AWSENV_PROFILE=dev" in code.replace("'", "")
    assert "export AWS_PROFILE=" not in code
    aws.seed()
    code = aws.run("dev", "--shell", "bash", "--mfa-code", CODE).stdout
    assert "export AWSENV_PROFILE=dev" in code.replace("'", "")
    assert "AWSENV_PROFILE" in aws.run("unset", "--shell", "bash").stdout
