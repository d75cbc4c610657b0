"""The README's direnv recipe, for real: direnv's own bash hook, an `.envrc`
of one line, the MFA prompt on the terminal, and the export undone on leaving."""

from __future__ import annotations

import re
from pathlib import Path

import pexpect
from conftest import CODE, MFA_SERIAL, AwsEnv, require

README = Path(__file__).resolve().parent.parent / "README.md"
READY = "READY> "


def recipe() -> str:
    """The `.envrc` line as the README gives it."""
    section = README.read_text().split("### direnv", 1)[1].split("\n#", 1)[0]
    blocks = re.findall(r"(?ms)^```sh\n(.*?)^```", section)
    assert len(blocks) == 1, blocks
    return blocks[0]


def test_the_readme_envrc_exports_the_profile_in_its_directory_only(aws: AwsEnv) -> None:
    require("direnv")
    aws.seed()
    project = aws.root / "project"
    project.mkdir()
    (project / ".envrc").write_text(recipe())
    env = {**aws.environ, "TERM": "xterm", "PS1": READY, "DIRENV_LOG_FORMAT": ""}
    bash = pexpect.spawn(
        "bash",
        ["--norc", "--noprofile", "-i"],
        env=env,
        cwd=str(aws.root),
        encoding="utf-8",
        timeout=60,
    )
    try:
        bash.sendline('eval "$(direnv hook bash)"')
        bash.sendline(f"direnv allow {project}")
        bash.sendline("echo LOAD''ED")
        bash.expect_exact("LOADED")
        bash.sendline(f"cd {project}")
        bash.expect_exact(f"MFA code for {MFA_SERIAL}: ")
        bash.sendline(CODE)
        bash.sendline('echo "in:$AWSENV_PROFILE:$AWS_PROFILE:${AWS_ACCESS_KEY_ID:0:4}"')
        bash.expect(r"in:(\w*):(\w*):(\w*)\r\n")
        assert bash.match.groups() == ("dev", "dev", "ASIA")
        bash.sendline("cd ..")
        bash.sendline('echo "out:$AWSENV_PROFILE:$AWS_PROFILE:$AWS_ACCESS_KEY_ID"')
        bash.expect(r"out:(\w*):(\w*):(\w*)\r\n")
        assert bash.match.groups() == ("", "", "")
        # Back in: the cached role serves it, no second code.
        bash.sendline(f"cd {project}")
        bash.sendline('echo "again:$AWSENV_PROFILE"')
        bash.expect(r"again:(\w*)\r\n")
        assert bash.match.group(1) == "dev"
        assert "MFA code" not in (bash.before or "")
        assert aws.sts.calls.get("GetSessionToken") == 1
        bash.sendline("exit")
        bash.expect(pexpect.EOF)
    finally:
        bash.close(force=True)
