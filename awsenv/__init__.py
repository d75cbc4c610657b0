"""awsenv: refresh AWS MFA sessions and assumed roles, export them into the current shell.

Library use: `awsenv.core.obtain.obtain(Request("dev"))` returns an Outcome
whose `.exports` says what to set and unset; `awsenv.render.templates` turns
that into shell code.
"""

__version__ = "0.1.0"
