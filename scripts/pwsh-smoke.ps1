# End-to-end check of awsenv in real PowerShell (5.1 and 7), against a local
# moto STS on 127.0.0.1. Run by .github/workflows/ci.yml on runners that have
# PowerShell; it cannot run on this project's Linux build machines.
#   pwsh -NoProfile -File scripts/pwsh-smoke.ps1
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

function Assert($condition, $message) {
    if (-not $condition) { throw "FAILED: $message" }
}

$listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
$listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
$python = if ($env:PYTHON) { $env:PYTHON } else { 'python' }
$moto = Start-Process -PassThru -NoNewWindow -FilePath $python `
    -ArgumentList '-m', 'moto.server', '-H', '127.0.0.1', '-p', "$port"
try {
    $ready = $false
    foreach ($i in 1..100) {
        try { Invoke-WebRequest -UseBasicParsing "http://127.0.0.1:$port/moto-api/" | Out-Null; $ready = $true; break }
        catch { Start-Sleep -Milliseconds 200 }
    }
    Assert $ready 'moto started'

    $root = Join-Path ([IO.Path]::GetTempPath()) ("awsenv-" + [guid]::NewGuid())
    New-Item -ItemType Directory -Path (Join-Path $root '.aws') | Out-Null
    # A profile name with all five PowerShell single-quote characters and a $().
    # (Built from code points: this script stays ASCII for Windows PowerShell 5.1.)
    $odd = "we'ird" + [char]0x2018 + [char]0x2019 + [char]0x201A + [char]0x201B + '$(Write-Host PWNED)'
    $utf8 = [Text.UTF8Encoding]::new($false)   # no BOM: botocore and awsenv reject one
    $config = @"
[profile mfa]
source_profile = default
mfa_serial = arn:aws:iam::123456789012:mfa/ci

[profile dev]
role_arn = arn:aws:iam::123456789012:role/dev
source_profile = mfa
region = eu-central-1

[profile $odd]
source_profile = default
mfa_serial = arn:aws:iam::123456789012:mfa/ci
"@
    [IO.File]::WriteAllText((Join-Path $root '.aws/config'), $config, $utf8)
    $credentials = @"
[default]
aws_access_key_id = AKIAEXAMPLECI0000001
aws_secret_access_key = ciSecretciSecretciSecretciSecretciSecret
"@
    [IO.File]::WriteAllText((Join-Path $root '.aws/credentials'), $credentials, $utf8)

    $env:AWS_CONFIG_FILE = Join-Path $root '.aws/config'
    $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $root '.aws/credentials'
    $env:LOCALAPPDATA = Join-Path $root 'cache'
    $env:XDG_CACHE_HOME = Join-Path $root 'cache'
    $env:AWS_ENDPOINT_URL_STS = "http://127.0.0.1:$port"
    $env:AWS_ENDPOINT_URL = "http://127.0.0.1:$port"

    # 1. Invoke-Expression (cmd): one line, so no array.
    $out = awsenv dev --shell pwsh --mfa-code 123456
    Assert ($LASTEXITCODE -eq 0) 'awsenv dev exit code'
    Assert (@($out).Count -eq 1) 'exactly one line of output'
    Invoke-Expression (awsenv dev --shell pwsh)
    Assert ($env:AWS_PROFILE -eq 'dev') 'AWS_PROFILE'
    Assert ($env:AWS_REGION -eq 'eu-central-1') 'AWS_REGION'
    Assert ($env:AWS_ACCESS_KEY_ID.StartsWith('ASIA')) 'role keys'

    # 2. The Out-String form.
    awsenv unset --shell pwsh | Out-String | Invoke-Expression
    Assert (-not (Test-Path env:AWS_PROFILE)) 'unset removes AWS_PROFILE'
    awsenv unset --shell pwsh | Out-String | Invoke-Expression   # nothing set: no error

    # 3. Hostile profile name round-trips; nothing in it runs.
    Invoke-Expression (awsenv $odd --shell pwsh --mfa-code 123456)
    Assert ($env:AWSENV_PROFILE -ceq $odd) 'odd profile name round-trips'

    # 4. The integration: wrapper, exit status, environment untouched on failure.
    Invoke-Expression (& awsenv init pwsh | Out-String)
    awsenv dev
    Assert ($env:AWS_PROFILE -eq 'dev') 'wrapper exports'
    $before = $env:AWS_ACCESS_KEY_ID
    awsenv no-such-profile
    Assert ($LASTEXITCODE -eq 3) 'wrapper keeps the exit code'
    Assert ($env:AWS_ACCESS_KEY_ID -eq $before) 'failure leaves the environment'
    awsenv unset
    Assert (-not (Test-Path env:AWS_ACCESS_KEY_ID)) 'wrapper unset'
    awsenv --version
    Assert ($LASTEXITCODE -eq 0) 'pass-through'
    # With a --shell of the user's the function prints that shell's code and
    # runs none of it, so the idiom works with the integration loaded too.
    $bash = awsenv dev --shell bash | Out-String
    Assert ($bash.Contains("export AWS_PROFILE='dev'")) 'another shell''s code is printed'
    Assert (-not (Test-Path env:AWS_ACCESS_KEY_ID)) 'and not run'
    Invoke-Expression (awsenv dev --shell pwsh | Out-String)
    Assert ($env:AWS_PROFILE -eq 'dev') 'the idiom with the integration loaded'
    awsenv unset

    # 5. The prompt hook warns once near expiry, under strict mode, through prompt.
    $env:AWSENV_PROFILE = 'dev'
    $env:AWSENV_EXPIRATION_EPOCH = [string]([DateTimeOffset]::UtcNow.ToUnixTimeSeconds() + 120)
    $global:LASTEXITCODE = 7
    $null = prompt
    Assert ($global:__awsenv_warned -eq "near:$env:AWSENV_EXPIRATION_EPOCH") 'hook warned'
    Assert ($global:LASTEXITCODE -eq 7) 'prompt keeps LASTEXITCODE'
    $env:AWSENV_EXPIRATION_EPOCH = [string]([DateTimeOffset]::UtcNow.ToUnixTimeSeconds() - 5)
    $null = prompt
    Assert ($global:__awsenv_warned -eq "expired:$env:AWSENV_EXPIRATION_EPOCH") 'hook saw expiry'
    Write-Host 'pwsh smoke: all checks passed'
}
finally {
    Stop-Process -Id $moto.Id -Force -ErrorAction SilentlyContinue
}
