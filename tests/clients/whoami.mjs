// Real AWS SDK for JavaScript v3 reader of the credentials awsenv leaves behind.
//
// Resolves credentials with the SDK's own Node provider chain (the same chain
// CDK, Serverless and friends use), calls STS GetCallerIdentity against the
// endpoint in AWSENV_TEST_STS_ENDPOINT and prints one JSON line:
//   {"Arn": "...", "Account": "...", "UserId": "...", "AccessKeyId": "...",
//    "CredentialAccountId": "..." or null}
// (AccessKeyId: the key of the credentials the chain resolved, which signed
// the call; CredentialAccountId: the account those credentials carry). Any failure prints "<ErrorName>: <message>" to stderr and exits 1.
//
//   node whoami.mjs [--profile NAME]
//
// --profile names the profile in code (fromNodeProviderChain({profile}))
// instead of AWS_PROFILE.
//
// It never prompts: if the chain asks for an MFA code (a profile with
// role_arn + mfa_serial), the mfaCodeProvider below throws
// "MFA prompt requested" instead, so the caller can see that a real tool
// would have prompted here.
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { fromNodeProviderChain, fromProcess } from "@aws-sdk/credential-providers";
import { parseArgs } from "node:util";

function fail(err) {
  const name = (err && err.name) || "Error";
  const message = (err && err.message) || String(err);
  process.stderr.write(`${name}: ${message}\n`);
  process.exit(1);
}

async function main() {
  const { values: args } = parseArgs({ options: { profile: { type: "string" } } });
  const endpoint = process.env.AWSENV_TEST_STS_ENDPOINT;
  if (!endpoint) {
    throw new Error("AWSENV_TEST_STS_ENDPOINT is not set");
  }
  const region = process.env.AWS_REGION || "us-east-1";
  // The pinned SDK warns on node < 22 when a client is built; that is noise in
  // every failure message. Only this knob is touched, never a credential one.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

  // AWSENV_TEST_FROM_PROCESS=PROFILE: read that profile's credential_process
  // with fromProcess alone instead of the whole default chain.
  const processProfile = process.env.AWSENV_TEST_FROM_PROCESS;
  const credentials = processProfile ? fromProcess({ profile: processProfile }) : fromNodeProviderChain({
    ...(args.profile === undefined ? {} : { profile: args.profile }),
    clientConfig: { endpoint, region },
    mfaCodeProvider: async (serial) => {
      const err = new Error(`MFA prompt requested (mfa_serial=${serial})`);
      err.name = "MfaPromptRequested";
      throw err;
    },
  });

  const client = new STSClient({ endpoint, region, credentials, maxAttempts: 1 });
  const out = await client.send(new GetCallerIdentityCommand({}));
  // Memoized by the client: the credentials that signed the call, no new lookup.
  const identity = await client.config.credentials();
  process.stdout.write(JSON.stringify({
    Arn: out.Arn, Account: out.Account, UserId: out.UserId, AccessKeyId: identity.accessKeyId,
    // The account the credentials say they belong to (credential_process's
    // AccountId, AWS_ACCOUNT_ID), for account-based endpoints; null if none.
    CredentialAccountId: identity.accountId ?? null,
  }) + "\n");
}

main().catch(fail);
