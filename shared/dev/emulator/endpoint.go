package emulator

import (
	"strings"
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
