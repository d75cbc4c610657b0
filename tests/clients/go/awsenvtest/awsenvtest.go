// Package awsenvtest holds what the Go test clients share: the guard that keeps
// them on a loopback STS, and their output and failure contract.
package awsenvtest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
)

// FallbackRegion is used when the SDK's chain finds no region, so a profile
// without one still works, as in the other test clients.
const FallbackRegion = "us-east-1"

// StsEndpoint is $AWSENV_TEST_STS_ENDPOINT, which must be a loopback http URL;
// otherwise the program refuses to run (exit 2): it never talks to real AWS.
func StsEndpoint(program string) string {
	raw := os.Getenv("AWSENV_TEST_STS_ENDPOINT")
	if raw == "" {
		refuse(program, "AWSENV_TEST_STS_ENDPOINT is not set")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || !isLoopback(u.Hostname()) {
		refuse(program, fmt.Sprintf("AWSENV_TEST_STS_ENDPOINT=%q is not a loopback http URL", raw))
	}
	return raw
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

func refuse(program, why string) {
	fmt.Fprintf(os.Stderr, "%s: %s; refusing to talk to real AWS\n", program, why)
	os.Exit(2)
}

// Print writes the one JSON line every test client prints on success.
func Print(arn, account, userID, accessKeyID string) {
	line, _ := json.Marshal(map[string]string{
		"Arn":         arn,
		"Account":     account,
		"UserId":      userID,
		"AccessKeyId": accessKeyID,
	})
	fmt.Println(string(line))
}

// Fail prints the SDK's error message to stderr and exits 1.
func Fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
