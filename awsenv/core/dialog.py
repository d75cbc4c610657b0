"""A graphical prompt for an MFA code, for a person with a display and no
terminal (an IDE, a GUI app, a launch agent running `awsenv process`).

The dialog is a program of the desktop: zenity, else kdialog, on Linux (with
DISPLAY or WAYLAND_DISPLAY set); osascript on macOS; PowerShell on Windows.
The code comes back on the dialog's stdout and is never on a command line:
not the dialog's, nor any other. The text shown travels in the environment
(MFA_DIALOG_TEXT) to osascript and PowerShell, so nothing is quoted into a
script by hand.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from awsenv.errors import UsageError

TITLE = "awsenv: MFA code"
TEXT_VARIABLE = "MFA_DIALOG_TEXT"
# seconds a dialog stays open: a person may be away, an SDK must not hang forever
TIMEOUT = 300.0

_OSASCRIPT = (
    'display dialog (system attribute "MFA_DIALOG_TEXT") default answer "" '
    f'with hidden answer with title "{TITLE}"',
    "text returned of result",
)
# A masked text box in a small form; Cancel exits 1 with nothing printed.
_POWERSHELL = f"""
Add-Type -AssemblyName System.Windows.Forms
$form = New-Object System.Windows.Forms.Form
$form.Text = '{TITLE}'; $form.TopMost = $true; $form.AutoSize = $true
$label = New-Object System.Windows.Forms.Label
$label.Text = $env:MFA_DIALOG_TEXT; $label.AutoSize = $true; $label.Top = 10; $label.Left = 10
$box = New-Object System.Windows.Forms.TextBox
$box.UseSystemPasswordChar = $true; $box.Top = 40; $box.Left = 10; $box.Width = 200
$ok = New-Object System.Windows.Forms.Button
$ok.Text = 'OK'; $ok.Top = 70; $ok.Left = 10
$ok.DialogResult = [System.Windows.Forms.DialogResult]::OK
$form.Controls.AddRange(@($label, $box, $ok)); $form.AcceptButton = $ok
if ($form.ShowDialog() -ne [System.Windows.Forms.DialogResult]::OK) {{ exit 1 }}
[Console]::Out.WriteLine($box.Text)
"""


@dataclass(frozen=True)
class Dialog:
    """A dialog program and the words that make it ask for a hidden entry."""

    argv: tuple[str, ...]
    text_in_argv: bool  # zenity and kdialog take the text as a word; the rest read it

    def ask(self, text: str, timeout: float = TIMEOUT) -> str:
        argv = [*self.argv, text] if self.text_in_argv else list(self.argv)
        env = {**os.environ, TEXT_VARIABLE: text}
        try:
            done = subprocess.run(
                argv,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                env=env,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise UsageError(f"no MFA code was entered in the dialog in {timeout:g} s") from None
        except OSError as exc:
            raise UsageError(f"the MFA dialog cannot be run: {argv[0]}: {exc.strerror}") from None
        if done.returncode != 0:
            raise UsageError("no MFA code was entered (the dialog was closed)")
        return done.stdout.decode("utf-8", "replace").strip()


def find(environ: Mapping[str, str] = os.environ, platform: str = sys.platform) -> Dialog | None:
    """The dialog this desktop offers, or None: no display, or no program."""
    path = environ.get("PATH")
    if platform == "darwin":
        found = shutil.which("osascript", path=path)
        return Dialog((found, *_e(_OSASCRIPT)), text_in_argv=False) if found else None
    if platform == "win32":
        found = shutil.which("powershell", path=path) or shutil.which("pwsh", path=path)
        if found is None:
            return None
        return Dialog((found, "-NoProfile", "-STA", "-Command", _POWERSHELL), text_in_argv=False)
    if not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")):
        return None
    zenity = shutil.which("zenity", path=path)
    if zenity is not None:
        return Dialog(
            (zenity, "--entry", "--hide-text", f"--title={TITLE}", "--text"), text_in_argv=True
        )
    kdialog = shutil.which("kdialog", path=path)
    if kdialog is not None:
        return Dialog((kdialog, "--title", TITLE, "--password"), text_in_argv=True)
    return None


def _e(lines: tuple[str, ...]) -> list[str]:
    """osascript's `-e LINE` for each line of the script."""
    return [word for line in lines for word in ("-e", line)]
