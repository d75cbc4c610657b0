"""awsenv: refresh AWS MFA sessions and assumed roles, export them into the current shell.

Library use: `awsenv.core.obtain(Request("dev"))` returns the Exports; the
renderers in `awsenv.render.templates` turn them into shell code.
"""

__version__ = "0.1.0"
