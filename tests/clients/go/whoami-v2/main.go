// Real AWS SDK for Go v2 reader of the credentials awsenv leaves behind: the
// SDK terraform's AWS provider and pulumi are built on.
//
//	whoami-v2 [--profile NAME]
//
// Credentials come from the SDK's own default chain (env keys, shared files,
// credential_process, AssumeRole with source_profile, ...); --profile names the
// profile in code (config.WithSharedConfigProfile) instead of AWS_PROFILE.
// STS, and only STS, goes to $AWSENV_TEST_STS_ENDPOINT, which must be a
// loopback http URL: the SDK does not read AWS_ENDPOINT_URL*. The endpoint
// resolver sits in the loaded aws.Config, so the AssumeRole provider the
// chain builds from a profile uses it too.
//
// Prints one JSON line {"Arn", "Account", "UserId", "AccessKeyId"}; on an SDK
// error prints its message to stderr and exits 1; a bad invocation exits 2.
package main

import (
	"context"
	"flag"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"awsenvtest"
)

func main() {
	profile := flag.String("profile", "", "profile to name in code (default: the SDK's chain, AWS_PROFILE)")
	flag.Parse()
	endpoint := awsenvtest.StsEndpoint("whoami-v2")

	resolver := aws.EndpointResolverWithOptionsFunc(
		func(service, region string, options ...interface{}) (aws.Endpoint, error) {
			if service != sts.ServiceID {
				return aws.Endpoint{}, &aws.EndpointNotFoundError{}
			}
			return aws.Endpoint{URL: endpoint, SigningRegion: region, HostnameImmutable: true}, nil
		})
	opts := []func(*config.LoadOptions) error{
		config.WithEndpointResolverWithOptions(resolver),
		config.WithDefaultRegion(awsenvtest.FallbackRegion),
		// One attempt, as the other test clients: a refusal shows at once.
		config.WithRetryMaxAttempts(1),
	}
	if *profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(*profile))
	}

	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		awsenvtest.Fail(err)
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		awsenvtest.Fail(err)
	}
	// Served from the SDK's credentials cache: the keys that signed the call.
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		awsenvtest.Fail(err)
	}
	awsenvtest.Print(aws.ToString(out.Arn), aws.ToString(out.Account), aws.ToString(out.UserId), creds.AccessKeyID)
}
