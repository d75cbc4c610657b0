#!/usr/bin/env bash
# Installs awsenv into .venv and runs its main job against a local moto STS on
# 127.0.0.1 with a throwaway AWS config: no AWS account, nothing leaves loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

if [ ! -x .venv/bin/python ]; then
  "${PYTHON:-python3}" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[demo]'
export PATH="$repo/.venv/bin:$PATH"

demo="$(mktemp -d)"
port="$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
moto_server -H 127.0.0.1 -p "$port" >"$demo/moto.log" 2>&1 &
moto=$!
trap 'kill "$moto" 2>/dev/null; rm -rf "$demo"' EXIT
python - "$port" <<'PY'
import sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/moto-api/", timeout=1)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("moto did not start")
PY

# The seed layout: long-term keys, an [mfa] session profile, a role over it.
mkdir -p "$demo/.aws"
cat >"$demo/.aws/config" <<'INI'
[profile mfa]
source_profile = default
mfa_serial = arn:aws:iam::123456789012:mfa/demo

[profile dev]
role_arn = arn:aws:iam::123456789012:role/dev
source_profile = mfa
region = eu-central-1
INI
cat >"$demo/.aws/credentials" <<'INI'
# demo keys; moto accepts anything
[default]
aws_access_key_id = AKIADEMODEMODEMO0001
aws_secret_access_key = demoSecretDemoSecretDemoSecretDemoSecret
INI
# Nothing of the real AWS set-up may leak in.
unset AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ENDPOINT_URL
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
export HOME="$demo" XDG_CACHE_HOME="$demo/.cache"
export AWS_ENDPOINT_URL_STS="http://127.0.0.1:$port"

show() {
  echo "  AWS_PROFILE=${AWS_PROFILE-<unset>}  AWS_REGION=${AWS_REGION-<unset>}"
  echo "  AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID-<unset>}  AWS_SECRET_ACCESS_KEY=<${#AWS_SECRET_ACCESS_KEY} chars>"
  echo "  AWS_CREDENTIAL_EXPIRATION=${AWS_CREDENTIAL_EXPIRATION-<unset>}"
}

echo "STS: moto on 127.0.0.1:$port   AWS files: $demo/.aws"
echo
echo '$ eval "$(awsenv dev --mfa-code 123456)"'
eval "$(awsenv dev --mfa-code 123456)"
show
echo
echo "[mfa] now in $demo/.aws/credentials:"
sed -n '/^\[mfa\]/,$p' "$demo/.aws/credentials" | sed -E 's/(secret_access_key|session_token) = .*/\1 = <hidden>/; s/^/  /'
echo
echo '$ eval "$(awsenv dev)"      # again: served from the cache, no code, no STS call'
start=$(python -c 'import time; print(time.monotonic_ns())')
eval "$(awsenv dev)"
end=$(python -c 'import time; print(time.monotonic_ns())')
echo "  took about $(( (end - start) / 1000000 )) ms, including one python start for the clock"
show
echo
echo "Done. Use it for real with:  eval \"\$(awsenv PROFILE)\"   (README: quick start)"
