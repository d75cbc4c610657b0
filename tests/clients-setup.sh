#!/usr/bin/env bash
# Install the real AWS clients used by tests/clients.py. Idempotent; run by CI.
#
#   * AWS SDK for JavaScript v3 -> tests/clients/node_modules   (npm ci, lockfile)
#   * nushell 0.115.1 (the shell) -> tests/clients/node_modules/@nushell/<platform>/bin/nu
#                                  (same lockfile: the official build, from the npm registry)
#   * AWS CLI v1                -> <repo>/.cache/awscli-venv     (own venv: it pins botocore)
#   * AWS SDK for Go v2 and v1  -> <repo>/.cache/go-clients/whoami-v{2,1}
#                                  (built offline in GOPATH mode from Debian's
#                                  packaged SDK sources; rebuilt when a source changes)
#   * AWS SDK for Ruby v3       -> only checked: Debian's ruby-aws-sdk-core
#
# The Go toolchain, the Go SDKs and Ruby's are system packages, listed in
# tests/clients/debian-packages (.ci/run installs them). Without them those clients are skipped
# with a note, or this fails when AWSENV_REQUIRE_CLIENTS is set. terraform is
# never installed here (tests/clients.py finds it, or skips it).
#
# Quiet on success; on failure the installer's output is shown.
# Env: PYTHON (default python3) for the AWS CLI venv, NPM (default npm),
# GO (default go), RUBY (default ruby), AWSENV_GOCODE (default /usr/share/gocode:
# the GOPATH that holds github.com/aws/aws-sdk-go{,-v2}).
set -euo pipefail

AWSCLI_VERSION=1.46.2

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
clients="$here/clients"
venv="$repo/.cache/awscli-venv"
python="${PYTHON:-python3}"
npm="${NPM:-npm}"
go="${GO:-go}"
ruby="${RUBY:-ruby}"
gocode="${AWSENV_GOCODE:-/usr/share/gocode}"
go_src="$clients/go"
go_out="$repo/.cache/go-clients"

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

# unavailable WHAT WHY: a system client is missing; fatal only when required.
unavailable() {
    local hint
    hint="install the Debian packages in tests/clients/debian-packages: $(paste -sd' ' "$clients/debian-packages")"
    if [[ -n "${AWSENV_REQUIRE_CLIENTS:-}" ]]; then
        echo "clients-setup: AWSENV_REQUIRE_CLIENTS is set but $1 cannot be built: $2; $hint" >&2
        exit 1
    fi
    echo "clients-setup: skipping $1: $2 ($hint)" >&2
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

# nushell's official build comes as a per-platform package; the tests run it
# (tests/realshells.py). Fatal only where the tests require every shell.
# npm installs the package of this platform only (@nushell/linux-x64 here).
nu="$(compgen -G "$clients/node_modules/@nushell/*/bin/nu" | head -n 1 || true)"
if ! nu_ver="$("${nu:-nu-not-installed}" --version 2>/dev/null)"; then
    if [[ -n "${AWSENV_REQUIRE_ALL_SHELLS:-}" ]]; then
        echo "clients-setup: AWSENV_REQUIRE_ALL_SHELLS is set but nushell ($nu) does not run" >&2
        exit 1
    fi
    echo "clients-setup: skipping nushell: no build of it runs here" >&2
    nu_ver="none"
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

# --- AWS SDK for Go v2 and v1 -------------------------------------------------
# The stamp is the sha256 of the program's sources, the shared package first;
# tests/clients.py computes the same sum to tell a stale binary.
go_sum() {
    cat "$go_src"/awsenvtest/*.go "$go_src/$1"/*.go | sha256sum | cut -d' ' -f1
}

go_build() {
    local prog="$1" gopath="$go_out/gopath"
    rm -rf "$gopath" && mkdir -p "$gopath/src" && cp -R "$go_src/awsenvtest" "$gopath/src/"
    (
        cd "$go_src/$prog"
        GO111MODULE=off GOPATH="$gopath:$gocode" GOCACHE="$go_out/cache" GOFLAGS='' \
            "$go" build -trimpath -o "$go_out/$prog.new" .
    )
}

go_ver=""
if ! command -v "$go" >/dev/null; then
    unavailable "the Go SDK clients" "$go is not on PATH"
elif [[ ! -d "$gocode/src/github.com/aws/aws-sdk-go-v2/config" ||
    ! -d "$gocode/src/github.com/aws/aws-sdk-go/aws/session" ]]; then
    unavailable "the Go SDK clients" "aws-sdk-go-v2 or aws-sdk-go is not under $gocode/src"
else
    mkdir -p "$go_out"
    for prog in whoami-v2 whoami-v1; do
        sum="$(go_sum "$prog")"
        if [[ -x "$go_out/$prog" && "$(cat "$go_out/$prog.sha256" 2>/dev/null)" == "$sum" ]]; then
            continue # built from these exact sources
        fi
        run "go build $prog" go_build "$prog"
        mv -f "$go_out/$prog.new" "$go_out/$prog"
        echo "$sum" >"$go_out/$prog.sha256"
    done
    go_ver="; $("$go" version | cut -d' ' -f3) with aws-sdk-go-v2 and v1 in .cache/go-clients"
fi

# --- AWS SDK for Ruby v3 ------------------------------------------------------
ruby_ver=""
if ! command -v "$ruby" >/dev/null; then
    unavailable "the Ruby SDK client" "$ruby is not on PATH"
elif ! ruby_ver="$("$ruby" -e 'require "aws-sdk-core"; print Aws::CORE_GEM_VERSION' 2>/dev/null)"; then
    unavailable "the Ruby SDK client" "$ruby cannot load aws-sdk-core"
    ruby_ver=""
else
    ruby_ver="; ruby aws-sdk-core $ruby_ver"
fi

node_ver="$(node --version)"
aws_ver="$("$venv/bin/aws" --version 2>&1)"
echo "clients-setup: ok (node $node_ver, @aws-sdk and nushell $nu_ver in tests/clients/node_modules; $aws_ver$go_ver$ruby_ver)"
