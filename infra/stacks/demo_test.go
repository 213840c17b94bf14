package stacks_test

import (
	"testing"

	"github.com/wabot-platform/wabot/infra/tenant"
	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// The dev catalog (what `cdk deploy -c env=dev` onboards) and the local demo seed (what
// `make dev` writes into the emulator) must name the same brands, numbers and stores, with the
// same names and languages (what the registration writes into a new record).
func TestDevCatalogMatchesLocalDemoData(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	declared := map[string][]string{}
	numbers := map[string]string{}
	clients := map[string]tenant.TenantClient{}
	storeNames := map[string]string{}
	for _, c := range fx.stack.Tenants() {
		numbers[c.ClientID()] = c.TwilioPhoneNumber()
		clients[c.ClientID()] = c
		for _, s := range c.Stores() {
			declared[c.ClientID()] = append(declared[c.ClientID()], s.StoreID())
			storeNames[c.ClientID()+"/"+s.StoreID()] = s.StoreName()
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
		if c := clients[id]; c != nil && c.ClientName() != tn.Client.ClientName {
			t.Errorf("%s: catalog name %q, seed name %q", id, c.ClientName(), tn.Client.ClientName)
		}
		if c := clients[id]; c != nil && c.DefaultLanguage() != string(tn.Client.DefaultLanguage) {
			t.Errorf("%s: catalog language %q, seed language %q", id, c.DefaultLanguage(), tn.Client.DefaultLanguage)
		}
		stores := declared[id]
		if len(stores) != len(tn.Stores) {
			t.Fatalf("%s: catalog stores %v, seed has %d", id, stores, len(tn.Stores))
		}
		for i, s := range tn.Stores {
			if stores[i] != s.StoreID {
				t.Errorf("%s store %d: catalog %q, seed %q", id, i, stores[i], s.StoreID)
			}
			if name := storeNames[id+"/"+s.StoreID]; name != s.StoreName {
				t.Errorf("%s/%s: catalog store name %q, seed %q", id, s.StoreID, name, s.StoreName)
			}
		}
	}
}
