#!/usr/bin/env bash
# awsenv without an AWS account: a local STS (moto on 127.0.0.1), a throwaway
# HOME with the seed layout, and the shell integration loaded.
#
# On a terminal it drops you into an interactive shell (your $SHELL when that
# is bash, zsh or fish; else bash) to type `awsenv dev` yourself. Without one
# (CI) it runs the same steps as a script, answering the real MFA prompt
# through a pseudo-terminal. Either way the local STS stops on the way out.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
venv=$repo/.venv

started=$(date +%s)
step() { printf 'demo [%3ss] %s\n' "$(($(date +%s) - started))" "$*"; }

python=${PYTHON:-python3}
# With a pip of its own that can install into another environment (pip >= 22.3),
# the venv needs no copy of pip: ensurepip is a third of a cold start.
pip=("${venv}/bin/python" -m pip)
if "${python}" -m pip install --help 2>/dev/null | grep -q -- '--python <python>'; then
  pip=("${python}" -m pip --python "${venv}/bin/python")
fi
if [[ ! -x ${venv}/bin/python ]]; then
  step "creating .venv (about 3 s)"
  if [[ ${pip[0]} == "${python}" ]]; then
    "${python}" -m venv --without-pip "${venv}"
  else
    "${python}" -m venv "${venv}"
  fi
fi
# Only what the local STS needs (moto, flask, flask-cors), not moto[server]'s
# whole extra; skipped when everything is already there.
if ! "${venv}/bin/python" - "${repo}" 2>/dev/null <<'PY'; then
import importlib.util, sys
from pathlib import Path
need = ("awsenv", "boto3", "jinja2", "shellingham", "filelock", "moto", "flask", "flask_cors")
assert all(importlib.util.find_spec(name) for name in need)
assert Path(importlib.util.find_spec("awsenv").origin).is_relative_to(sys.argv[1])
PY
  step "installing awsenv and the local STS into .venv (first run: about 35 s)"
  # --no-compile: byte-compiling all of botocore up front costs more than the
  # few modules the demo imports. pip's own chatter (-q keeps warnings: a pip
  # configuration naming a missing index prints one per package) goes to a
  # log, shown only if the install fails; the user's configuration itself
  # (their index, proxy, certificates) still applies.
  pip_log=$(mktemp "${TMPDIR:-/tmp}/awsenv-demo-pip.XXXXXX")
  if ! PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_WARN_SCRIPT_LOCATION=1 PIP_NO_INPUT=1 \
    PIP_PROGRESS_BAR=off "${pip[@]}" install -q --no-compile -e "${repo}[demo]" >"${pip_log}" 2>&1; then
    tail -n 40 "${pip_log}" >&2
    rm -f "${pip_log}"
    echo "demo: installing into .venv failed (pip's last lines above)" >&2
    exit 1
  fi
  rm -f "${pip_log}"
fi

demo=$(mktemp -d "${TMPDIR:-/tmp}/awsenv-demo.XXXXXX")
moto=""
cleanup() {
  if [[ -n ${moto} ]]; then kill "${moto}" 2>/dev/null || true; fi
  rm -rf "${demo}"
}
trap cleanup EXIT
trap 'exit 130' HUP INT TERM

port=$("${venv}/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
step "starting the local STS (moto) on 127.0.0.1:${port}"
# On Linux the STS also dies with this script when it is killed outright (no
# trap runs then): the kernel sends it SIGTERM when its parent goes.
"${venv}/bin/python" - "${venv}/bin/moto_server" -H 127.0.0.1 -p "${port}" >"${demo}/sts.log" 2>&1 <<'PY' &
import ctypes, os, signal, sys
try:
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
except (AttributeError, OSError):
    pass  # not Linux: the EXIT trap is all there is
os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
PY
moto=$!
"${venv}/bin/python" - "${port}" "${moto}" "${demo}/sts.log" <<'PY'
import os, sys, time, urllib.request
port, pid, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
LIMIT = 60  # s; about 2 s on an idle machine
deadline = time.monotonic() + LIMIT


def running() -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


while True:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=2)
        break
    except OSError:
        pass
    if not running():
        why = "exited"
    elif time.monotonic() > deadline:
        why = f"did not answer within {LIMIT} s"
    else:
        time.sleep(0.1)
        continue
    with open(log, errors="replace") as f:
        sys.exit(f"demo: the local STS (moto) {why}; its log ends:\n{f.read()[-2000:]}")
PY

step "writing the seed layout into a temporary HOME: ${demo}"
mkdir -p "${demo}/.aws"
cat >"${demo}/.aws/config" <<'INI'
[profile mfa]
awsenv_source_profile = default
mfa_serial = arn:aws:iam::123456789012:mfa/demo

[profile dev]
role_arn = arn:aws:iam::123456789012:role/dev
source_profile = mfa
region = eu-central-1
INI
cat >"${demo}/.aws/credentials" <<'INI'
# demo keys; the local STS accepts anything
[default]
aws_access_key_id = AKIADEMODEMODEMO0001
aws_secret_access_key = demoSecretDemoSecretDemoSecretDemoSecret
INI
chmod 600 "${demo}/.aws/credentials"

# Nothing of the real AWS set-up may leak in, and nothing leaves loopback.
unset AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE AWS_PROFILE AWS_DEFAULT_PROFILE
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_REGION AWS_DEFAULT_REGION
unset AWSENV_PROFILE AWSENV_EXPIRATION_EPOCH AWS_CREDENTIAL_EXPIRATION
export HOME=${demo} XDG_CACHE_HOME=${demo}/.cache XDG_CONFIG_HOME=${demo}/.config
export XDG_DATA_HOME=${demo}/.local/share
export AWS_ENDPOINT_URL_STS=http://127.0.0.1:${port} AWS_ENDPOINT_URL=http://127.0.0.1:${port}
export AWS_EC2_METADATA_DISABLED=true PATH=${venv}/bin:${PATH}
# `awsenv console` too stays on this machine: the local STS's credentials
# never go to AWS sign-in (the local endpoint has no sign-in service, and says so).
export AWSENV_FEDERATION_ENDPOINT=http://127.0.0.1:${port}/federation
export AWSENV_DEMO_STS_LOG=${demo}/sts.log

banner() {
  cat <<EOF

  awsenv demo: HOME is ${demo} (the seed layout is in ~/.aws), and STS is a local moto
  on 127.0.0.1:${port}. \`awsenv init\` is loaded, so \`awsenv\` changes this shell. Try:

    awsenv dev                    asks for the MFA code (any 6 digits pass), exports the role
EOF
  if command -v aws >/dev/null; then
    echo "    aws sts get-caller-identity   the AWS CLI now uses the exported role"
  fi
  cat <<EOF
    env | grep '^AWS'             what was exported
    awsenv dev                    again: no prompt, no STS call (served from the cache)
    awsenv unset                  removes everything awsenv set
    exit                          leaves the demo and stops the local STS

EOF
}

if [[ -t 0 && -t 1 ]]; then
  shell=$(basename "${SHELL:-bash}")
  case "${shell}" in
    zsh)
      mkdir -p "${demo}/.zsh"
      # shellcheck disable=SC2016 # the rc file's own code, expanded when it runs
      printf '%s\n' 'eval "$(awsenv init zsh)"' "PS1='(awsenv demo) %~ %# '" >"${demo}/.zsh/.zshrc"
      banner
      step "starting zsh; type exit to leave"
      ZDOTDIR=${demo}/.zsh zsh -i || true
      ;;
    fish)
      mkdir -p "${demo}/.config/fish"
      # Without this folder fish's first interactive start launches, disowned,
      # a man-page scan that writes completions into the temporary HOME for a
      # minute: it outlives `exit`, makes the cleanup's rm -rf fail (the demo
      # then exits 1) and leaves the folder behind.
      mkdir -p "${XDG_DATA_HOME}/fish/generated_completions"
      printf '%s\n' 'awsenv init fish | source' 'set -g fish_greeting ""' \
        'function fish_prompt; printf "(awsenv demo) %s> " (prompt_pwd); end' \
        >"${demo}/.config/fish/config.fish"
      banner
      step "starting fish; type exit to leave"
      fish -i || true
      ;;
    *)
      # shellcheck disable=SC2016 # the rc file's own code, expanded when it runs
      printf '%s\n' 'eval "$(awsenv init bash)"' "PS1='(awsenv demo) \\w \$ '" >"${demo}/.bashrc"
      banner
      step "starting bash; type exit to leave"
      bash --rcfile "${demo}/.bashrc" -i || true
      ;;
  esac
  step "done; the local STS is stopped and the temporary HOME removed"
  exit 0
fi

# No terminal: the same steps as a script, in bash with the integration
# loaded, on a pseudo-terminal so that awsenv's real prompt can be answered.
step "no terminal here: running the steps as a script"
cat >"${demo}/steps.sh" <<'SH'
eval "$(awsenv init bash)"
show() {
  echo "    AWS_PROFILE=${AWS_PROFILE-<unset>}  AWS_REGION=${AWS_REGION-<unset>}"
  echo "    AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID-<unset>}  AWS_CREDENTIAL_EXPIRATION=${AWS_CREDENTIAL_EXPIRATION-<unset>}"
}
sts_calls() { grep -c 'POST / ' "${AWSENV_DEMO_STS_LOG}" || true; }
echo "before:"
show
echo
echo '$ awsenv dev                # asks for the code on the terminal'
awsenv dev
show
echo "    STS calls so far: $(sts_calls)"
echo
echo '$ awsenv dev                # again: no prompt, served from the cache'
awsenv dev </dev/null
show
echo "    STS calls so far: $(sts_calls)"
echo
echo '$ awsenv unset'
awsenv unset
show
SH
"${venv}/bin/python" - "${demo}/steps.sh" <<'PY'
# Runs the steps on a pseudo-terminal and types a code at the MFA prompt.
# Every wait is bounded: a demo that hangs in CI tells nobody anything.
import os, pty, re, select, signal, sys, time
LIMIT = 90  # s for all the steps; about 3 s on an idle machine
pid, fd = pty.fork()
if pid == 0:
    os.execvp("bash", ["bash", "--noprofile", "--norc", sys.argv[1]])
deadline = time.monotonic() + LIMIT
seen, answered = b"", False
while True:
    left = deadline - time.monotonic()
    if left <= 0 or not select.select([fd], [], [], left)[0]:
        os.killpg(pid, signal.SIGKILL)  # the child leads its own session
        os.waitpid(pid, 0)
        waiting = "the steps to finish" if answered else "awsenv's MFA prompt"
        sys.exit(f"\ndemo: gave up after {LIMIT} s waiting for {waiting}")
    try:
        chunk = os.read(fd, 4096)
    except OSError:  # EIO: the steps are done
        break
    if not chunk:
        break
    sys.stdout.buffer.write(chunk.replace(b"\r\n", b"\n"))
    sys.stdout.flush()
    seen += chunk
    if not answered and re.search(rb"MFA code for \S+: $", seen):
        os.write(fd, b"123456\n")
        answered = True
_, status = os.waitpid(pid, 0)
if not answered:
    sys.exit("demo: awsenv never asked for the MFA code")
sys.exit(os.waitstatus_to_exitcode(status))
PY
echo
step "done. To use awsenv for real: pipx install . (or uv tool install .), then add"
# shellcheck disable=SC2016 # a line for the reader to copy
echo '    eval "$(awsenv init bash)"    to ~/.bashrc (README: "Set up your shell (once)")'
