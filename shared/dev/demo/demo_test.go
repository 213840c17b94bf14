package demo_test

import (
	"testing"

	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/domain"
)

// The README documents these values; a change here must change it too.
func TestDemoDataIsValidAndAsDocumented(t *testing.T) {
	want := map[string]struct {
		name, number, token string
		lang                domain.Language
		stores              []string
	}{
		"demo-pizzaria": {"Pizzaria Demo", "whatsapp:+5511990000001", "localdevtoken0000000000000000001", domain.PtBR, []string{"centro", "paulista"}},
		"demo-burger":   {"Burger Demo", "whatsapp:+5511990000002", "localdevtoken0000000000000000002", domain.EnUS, []string{"vila-madalena"}},
	}
	tenants := demo.Tenants()
	if len(tenants) != len(want) {
		t.Fatalf("%d demo tenants, want %d", len(tenants), len(want))
	}
	for _, tn := range tenants {
		w, ok := want[tn.Client.ClientID]
		if !ok {
			t.Fatalf("unexpected demo client %s", tn.Client.ClientID)
		}
		c := tn.Client
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", c.ClientID, err)
		}
		if c.ClientName != w.name || c.TwilioPhoneNumber != w.number || tn.Twilio.AuthToken != w.token || c.DefaultLanguage != w.lang || !c.IsActive {
			t.Errorf("%s = %+v / %+v", c.ClientID, c, tn.Twilio)
		}
		if len(tn.Stores) != len(w.stores) {
			t.Fatalf("%s has %d stores, want %d", c.ClientID, len(tn.Stores), len(w.stores))
		}
		for i, s := range tn.Stores {
			if err := s.Validate(); err != nil {
				t.Errorf("%s/%s: %v", s.ClientID, s.StoreID, err)
			}
			if s.StoreID != w.stores[i] || s.ClientID != c.ClientID || !s.IsActive {
				t.Errorf("store %d of %s = %s (active %v)", i, c.ClientID, s.StoreID, s.IsActive)
			}
			if !s.Accepts(domain.PaymentPIX) || !s.Accepts(domain.PaymentCredit) {
				t.Errorf("%s/%s must accept PIX and CREDIT", s.ClientID, s.StoreID)
			}
			if s.Address.Street == "" || len(s.OperatingHours) != 7 || !s.DeliveryConfig.DeliveryEnabled {
				t.Errorf("%s/%s lacks address, hours or delivery config", s.ClientID, s.StoreID)
			}
		}
	}
}

func TestTenantsReturnsCopies(t *testing.T) {
	a := demo.Tenants()
	a[0].Stores[0].StoreName = "changed"
	if demo.Tenants()[0].Stores[0].StoreName == "changed" {
		t.Fatal("Tenants shares state between calls")
	}
}
