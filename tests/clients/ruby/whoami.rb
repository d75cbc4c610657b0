# frozen_string_literal: true

# Real AWS SDK for Ruby v3 reader of the credentials awsenv leaves behind.
#
#   ruby whoami.rb [--profile NAME]
#
# Credentials come from the SDK's own default chain (env keys, shared files,
# credential_process, AssumeRole with source_profile, ...); --profile names the
# profile in code (Aws::STS::Client.new(profile: NAME)) instead of AWS_PROFILE.
# STS goes to $AWSENV_TEST_STS_ENDPOINT, which must be a loopback http URL:
# Aws.config[:sts] reaches every STS client, the one the chain builds for
# AssumeRoleCredentials included. $AWSENV_TEST_SSO_ENDPOINT, when set, is a
# local IAM Identity Center (its OIDC and portal APIs), loopback too.
#
# Prints one JSON line {"Arn", "Account", "UserId", "AccessKeyId"}; on an SDK
# error prints its message to stderr and exits 1; a bad invocation exits 2.

require 'ipaddr'
require 'json'
require 'optparse'
require 'uri'
require 'aws-sdk-core'

# A profile without a region must still work, as in the other test clients.
FALLBACK_REGION = 'us-east-1'

def refuse(why)
  warn "whoami.rb: #{why}; refusing to talk to real AWS"
  exit 2
end

def loopback?(host)
  host == 'localhost' || IPAddr.new(host).loopback?
rescue IPAddr::Error
  false
end

def loopback_endpoint(variable)
  raw = ENV.fetch(variable, '')
  refuse("#{variable} is not set") if raw.empty?
  uri = URI.parse(raw)
  refuse("#{variable}=#{raw.inspect} is not a loopback http URL") unless
    uri.scheme == 'http' && loopback?(uri.hostname.to_s)
  raw
rescue URI::InvalidURIError
  refuse("#{variable}=#{raw.inspect} is not a loopback http URL")
end

def sts_endpoint
  loopback_endpoint('AWSENV_TEST_STS_ENDPOINT')
end

def sts_client(profile)
  options = profile ? { profile: profile } : {}
  Aws::STS::Client.new(**options)
rescue Aws::Errors::MissingRegionError
  Aws::STS::Client.new(**options, region: FALLBACK_REGION)
end

profile = nil
begin
  OptionParser.new do |parser|
    parser.on('--profile NAME', 'profile to name in code') { |name| profile = name }
  end.parse!
rescue OptionParser::ParseError => e
  refuse(e.message)
end
# One attempt, as the other test clients: a refusal shows at once.
Aws.config[:sts] = { endpoint: sts_endpoint, retry_limit: 0 }
# IAM Identity Center (SSO profiles), when a test runs a local one: both of
# its APIs, the OIDC one that refreshes tokens and the portal.
unless ENV.fetch('AWSENV_TEST_SSO_ENDPOINT', '').empty?
  sso = loopback_endpoint('AWSENV_TEST_SSO_ENDPOINT')
  Aws.config[:sso] = { endpoint: sso, retry_limit: 0 }
  Aws.config[:ssooidc] = { endpoint: sso, retry_limit: 0 }
end

begin
  client = sts_client(profile)
  out = client.get_caller_identity
  provider = client.config.credentials
  # The keys that signed the call (a provider's cached ones; no new request).
  keys = provider.respond_to?(:credentials) ? provider.credentials : provider
  puts JSON.generate(
    Arn: out.arn, Account: out.account, UserId: out.user_id, AccessKeyId: keys.access_key_id
  )
rescue StandardError => e
  warn "#{e.class}: #{e.message}"
  exit 1
end
