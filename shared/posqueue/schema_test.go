package posqueue_test

import (
	"testing"

	"github.com/wabot-platform/wabot/shared/posqueue/postest"
)

// validate checks one message body against the published contract,
// docs/pos-contract.schema.json (compiled once by postest, with formats asserted).
func validate(t *testing.T, body string) error {
	t.Helper()
	return postest.Validate(t, []byte(body))
}
