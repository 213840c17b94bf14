package emulator

import (
	"strings"

	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// The local stack's defaults (scripts/dev.sh, functions/local).
const (
	DefaultPort = "4566"
	// Region is the region the local tools talk to the emulator in.
	Region = "us-east-1"
)

// Endpoint is the URL of make dev's emulator, for the local command-line tools: explicit
// when given, else WABOT_AWS_ENDPOINT, else http://127.0.0.1:${WABOT_EMULATOR_PORT:-4566};
// without a trailing slash.
func Endpoint(explicit string, getenv func(string) string) string {
	e := explicit
	if e == "" {
		e = getenv("WABOT_AWS_ENDPOINT")
	}
	if e == "" {
		port := getenv("WABOT_EMULATOR_PORT")
		if port == "" {
			port = DefaultPort
		}
		e = "http://127.0.0.1:" + port
	}
	return strings.TrimRight(e, "/")
}

// Account is the account the emulator keeps every resource in: moto's default, which it
// also assigns to the temporary credentials of a role of this account.
const Account = "123456789012"

// TenantRoleARN is the tenant access role of env as the local stack names it. The emulator
// does not need the role to exist: its sts:AssumeRole returns fresh credentials for any role
// of Account, so the local runner makes the same AssumeRole calls, with the same session tag,
// as the functions in AWS (it cannot evaluate the role's policies: tools/iamcheck does).
func TenantRoleARN(env string) string {
	return "arn:aws:iam::" + Account + ":role/" + resourcenames.TenantAccessRoleName(env)
}

// TenantAdminRoleARN is the ARN the local admin API assumes for a brand's data, as the admin
// function assumes the tenant admin role in AWS.
func TenantAdminRoleARN(env string) string {
	return "arn:aws:iam::" + Account + ":role/" + resourcenames.TenantAdminRoleName(env)
}
