// Real AWS SDK for Go v1 reader of the credentials awsenv leaves behind: the
// SDK older terraform providers, packer and many Go tools are built on.
//
//	whoami-v1 [--profile NAME]
//
// Credentials come from the SDK's own default chain (env keys, shared files,
// credential_process, AssumeRole with source_profile, ...). The shared config
// file is always loaded (SharedConfigEnable, as AWS_SDK_LOAD_CONFIG=1 and as
// terraform does); --profile names the profile in code (session.Options) instead
// of AWS_PROFILE. STS, and only STS, goes to $AWSENV_TEST_STS_ENDPOINT, which
// must be a loopback http URL: the SDK does not read AWS_ENDPOINT_URL*. The
// resolver sits in the session's aws.Config, which the AssumeRole provider the
// session builds from a profile copies.
//
// Prints one JSON line {"Arn", "Account", "UserId", "AccessKeyId"}; on an SDK
// error prints its message to stderr and exits 1; a bad invocation exits 2.
package main

import (
	"flag"

	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/endpoints"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/sts"

	"awsenvtest"
)

func main() {
	profile := flag.String("profile", "", "profile to name in code (default: the SDK's chain, AWS_PROFILE)")
	flag.Parse()
	endpoint := awsenvtest.StsEndpoint("whoami-v1")

	resolver := endpoints.ResolverFunc(
		func(service, region string, opts ...func(*endpoints.Options)) (endpoints.ResolvedEndpoint, error) {
			if service != sts.EndpointsID {
				return endpoints.DefaultResolver().EndpointFor(service, region, opts...)
			}
			return endpoints.ResolvedEndpoint{URL: endpoint, SigningRegion: region}, nil
		})
	options := session.Options{
		Profile:           *profile,
		SharedConfigState: session.SharedConfigEnable,
		Config: aws.Config{
			EndpointResolver: resolver,
			// One attempt, as the other test clients: a refusal shows at once.
			MaxRetries: aws.Int(0),
		},
	}
	sess, err := session.NewSessionWithOptions(options)
	if err != nil {
		awsenvtest.Fail(err)
	}
	if aws.StringValue(sess.Config.Region) == "" {
		// Only now is it known that the chain found no region; build the
		// session again so the AssumeRole provider it makes has one too.
		options.Config.Region = aws.String(awsenvtest.FallbackRegion)
		if sess, err = session.NewSessionWithOptions(options); err != nil {
			awsenvtest.Fail(err)
		}
	}

	out, err := sts.New(sess).GetCallerIdentity(&sts.GetCallerIdentityInput{})
	if err != nil {
		awsenvtest.Fail(err)
	}
	// Served from the session's cached credentials: the keys that signed the call.
	creds, err := sess.Config.Credentials.Get()
	if err != nil {
		awsenvtest.Fail(err)
	}
	awsenvtest.Print(aws.StringValue(out.Arn), aws.StringValue(out.Account), aws.StringValue(out.UserId), creds.AccessKeyID)
}
