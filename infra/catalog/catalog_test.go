package catalog

import (
	"testing"

	"github.com/wabot-platform/wabot/shared/resourcenames"
)

func TestForEveryEnvironment(t *testing.T) {
	t.Parallel()
	for _, env := range resourcenames.Environments {
		if f, err := For(env); err != nil || f == nil {
			t.Errorf("For(%q) = %v, %v; want a catalog", env, f, err)
		}
	}
}

func TestForRejectsUnknownEnvironment(t *testing.T) {
	t.Parallel()
	if _, err := For("qa"); err == nil {
		t.Error("For(qa) succeeded, want an error")
	}
}
