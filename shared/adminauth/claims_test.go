package adminauth

import (
	"reflect"
	"testing"

	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// TestClaimNames keeps the JSON names of the claims struct (struct tags must be literals)
// equal to the contract's constants.
func TestClaimNames(t *testing.T) {
	typ := reflect.TypeFor[claims]()
	for field, want := range map[string]string{
		"Groups":   resourcenames.ClaimGroups,
		"ClientID": resourcenames.ClaimClientID,
	} {
		f, ok := typ.FieldByName(field)
		if !ok {
			t.Fatalf("claims has no field %s", field)
		}
		if got := f.Tag.Get("json"); got != want {
			t.Errorf("claims.%s reads %q, the contract says %q", field, got, want)
		}
	}
}
