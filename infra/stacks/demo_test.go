package stacks_test

import (
	"testing"

	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// The dev catalog (what `cdk deploy -c env=dev` onboards) and the local demo seed (what
// `make dev` writes into the emulator) must name the same brands, numbers and stores.
func TestDevCatalogMatchesLocalDemoData(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	declared := map[string][]string{}
	numbers := map[string]string{}
	for _, c := range fx.stack.Tenants() {
		numbers[c.ClientID()] = c.TwilioPhoneNumber()
		for _, s := range c.Stores() {
			declared[c.ClientID()] = append(declared[c.ClientID()], s.StoreID())
		}
	}
	seeded := demo.Tenants()
	if len(seeded) != len(declared) {
		t.Fatalf("dev catalog declares %d brands, the demo seed has %d", len(declared), len(seeded))
	}
	for _, tn := range seeded {
		id := tn.Client.ClientID
		if numbers[id] != tn.Client.TwilioPhoneNumber {
			t.Errorf("%s: catalog number %q, seed number %q", id, numbers[id], tn.Client.TwilioPhoneNumber)
		}
		stores := declared[id]
		if len(stores) != len(tn.Stores) {
			t.Fatalf("%s: catalog stores %v, seed has %d", id, stores, len(tn.Stores))
		}
		for i, s := range tn.Stores {
			if stores[i] != s.StoreID {
				t.Errorf("%s store %d: catalog %q, seed %q", id, i, stores[i], s.StoreID)
			}
		}
	}
}
