#!/usr/bin/env bash
# Install the real AWS clients used by tests/clients.py. Idempotent; run by CI.
#
#   * AWS SDK for JavaScript v3 -> tests/clients/node_modules   (npm ci, lockfile)
#   * AWS CLI v1                -> <repo>/.cache/awscli-venv     (own venv: it pins botocore)
#
# Quiet on success; on failure the installer's output is shown.
# Env: PYTHON (default python3) for the AWS CLI venv, NPM (default npm).
set -euo pipefail

AWSCLI_VERSION=1.46.2

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
clients="$here/clients"
venv="$repo/.cache/awscli-venv"
python="${PYTHON:-python3}"
npm="${NPM:-npm}"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# run DESCRIPTION CMD...: run quietly, dump the output if it fails.
run() {
    local what="$1"
    shift
    if ! "$@" >"$log" 2>&1; then
        echo "clients-setup: $what failed: $*" >&2
        cat "$log" >&2
        exit 1
    fi
}

# --- AWS SDK for JavaScript v3 ------------------------------------------------
command -v node >/dev/null || { echo "clients-setup: node not found (need node >= 20)" >&2; exit 1; }
command -v "$npm" >/dev/null || { echo "clients-setup: $npm not found" >&2; exit 1; }

stamp="$clients/node_modules/.awsenv-lock"
if [[ -f "$stamp" ]] && cmp -s "$stamp" "$clients/package-lock.json" 2>/dev/null; then
    : # already installed from this exact lockfile
elif [[ -f "$clients/package-lock.json" ]]; then
    run "npm ci" "$npm" --prefix "$clients" ci --no-audit --no-fund --loglevel=error
    cp "$clients/package-lock.json" "$stamp"
else
    run "npm install" "$npm" --prefix "$clients" install --no-audit --no-fund --loglevel=error
    cp "$clients/package-lock.json" "$stamp"
fi

# --- AWS CLI v1 ---------------------------------------------------------------
if [[ -x "$venv/bin/aws" ]] && "$venv/bin/python" -c "
import importlib.metadata as m, sys
sys.exit(m.version('awscli') != '$AWSCLI_VERSION')" 2>/dev/null; then
    : # already installed at the pinned version
else
    if [[ ! -x "$venv/bin/python" ]]; then
        run "venv creation" "$python" -m venv "$venv"
    fi
    # -qq: errors only (this machine's pip config emits harmless index warnings)
    run "pip install awscli==$AWSCLI_VERSION" \
        "$venv/bin/python" -m pip install -qq --disable-pip-version-check "awscli==$AWSCLI_VERSION"
fi

node_ver="$(node --version)"
aws_ver="$("$venv/bin/aws" --version 2>&1)"
echo "clients-setup: ok (node $node_ver, @aws-sdk in tests/clients/node_modules; $aws_ver)"
