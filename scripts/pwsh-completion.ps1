# awsenv's PowerShell completer, run for real (the GitHub workflow; no machine
# here has pwsh): `awsenv d<TAB>` completes `dev`, and a name with quotes comes
# back single-quoted, each quote doubled, reading back as the name itself.
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$tmp = Join-Path ([IO.Path]::GetTempPath()) ('awsenv-completion-' + [guid]::NewGuid())
New-Item -ItemType Directory -Path $tmp | Out-Null
$env:AWS_CONFIG_FILE = Join-Path $tmp 'config'
$env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $tmp 'credentials'
$odd = "it's " + [char]0x2018 + 'q' + [char]0x2019
[IO.File]::WriteAllText($env:AWS_CONFIG_FILE, "[profile dev]`nregion = eu-west-1`n")
[IO.File]::WriteAllText($env:AWS_SHARED_CREDENTIALS_FILE, "[$odd]`naws_access_key_id = AKIAEXAMPLE`naws_secret_access_key = s`n")

Invoke-Expression (& awsenv init pwsh | Out-String)

function Complete([string]$line) {
    @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches |
        ForEach-Object { $_.CompletionText })
}

$found = Complete 'awsenv d'
if ($found -notcontains 'dev') { throw "awsenv d<TAB> gave: $($found -join ', ')" }
$found = Complete 'awsenv explain d'
if ($found -notcontains 'dev') { throw "awsenv explain d<TAB> gave: $($found -join ', ')" }
$found = Complete 'awsenv it'
if ($found.Count -ne 1) { throw "awsenv it<TAB> gave: $($found -join ', ')" }
$read = Invoke-Expression $found[0]
if ($read -cne $odd) { throw "the completion $($found[0]) reads back as $read, not $odd" }
Write-Output 'pwsh completion: ok'
