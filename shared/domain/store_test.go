package domain_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
)

func validStore() domain.Store {
	return domain.Store{
		ClientID:  "demo-pizzaria",
		StoreID:   "centro",
		StoreName: "Centro",
		Address: domain.Address{
			Street: "Rua Augusta", Number: "100", Neighborhood: "Consolação",
			City: "São Paulo", State: "SP", PostalCode: "01305-000",
		},
		PhoneNumber:    "+551133334444",
		Timezone:       "America/Sao_Paulo",
		OperatingHours: domain.OperatingHours{"monday": {{Open: "11:00", Close: "23:00"}}},
		DeliveryConfig: domain.DeliveryConfig{
			DeliveryEnabled: true, PickupEnabled: true, DeliveryFeeCents: 700,
			MinimumOrderCents: 3000, FreeDeliveryAboveCents: 10000, DeliveryRadiusKm: 5, EstimatedMinutes: 45,
		},
		PaymentMethods: []domain.PaymentMethod{domain.PaymentPIX, domain.PaymentCredit},
		IsActive:       true,
	}
}

func TestStoreValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		modify func(*domain.Store)
		want   []string // the fields named, in order; none: valid
		check  func(*testing.T, domain.Store)
	}{
		{name: "valid", modify: func(*domain.Store) {}},
		{
			name: "payment methods upper-cased and deduplicated in order",
			modify: func(s *domain.Store) {
				s.PaymentMethods = []domain.PaymentMethod{"pix", "Credit", "PIX", " debit ", "credit"}
			},
			check: func(t *testing.T, s domain.Store) {
				t.Helper()
				want := []domain.PaymentMethod{domain.PaymentPIX, domain.PaymentCredit, domain.PaymentDebit}
				if !slices.Equal(s.PaymentMethods, want) {
					t.Errorf("PaymentMethods = %q, want %q", s.PaymentMethods, want)
				}
			},
		},
		{
			name:   "empty timezone filled with default",
			modify: func(s *domain.Store) { s.Timezone = "" },
			check: func(t *testing.T, s domain.Store) {
				t.Helper()
				if s.Timezone != domain.DefaultTimezone {
					t.Errorf("Timezone = %q, want %q", s.Timezone, domain.DefaultTimezone)
				}
			},
		},
		{
			name:   "name trimmed",
			modify: func(s *domain.Store) { s.StoreName = "  Centro  " },
			check: func(t *testing.T, s domain.Store) {
				t.Helper()
				if s.StoreName != "Centro" {
					t.Errorf("StoreName = %q, want trimmed", s.StoreName)
				}
			},
		},
		{
			name: "address trimmed, state upper-cased, postal code of 8 digits formatted",
			modify: func(s *domain.Store) {
				s.Address = domain.Address{Street: " Rua Augusta ", Number: " 100", Complement: " loja 2 ", Neighborhood: "Consolação ",
					City: " São Paulo", State: " sp ", PostalCode: " 01305000 "}
			},
			check: func(t *testing.T, s domain.Store) {
				t.Helper()
				want := domain.Address{Street: "Rua Augusta", Number: "100", Complement: "loja 2", Neighborhood: "Consolação",
					City: "São Paulo", State: "SP", PostalCode: "01305-000"}
				if s.Address != want {
					t.Errorf("Address = %+v, want %+v", s.Address, want)
				}
			},
		},
		{name: "address number S/N", modify: func(s *domain.Store) { s.Address.Number = "S/N" }},
		{name: "federal district", modify: func(s *domain.Store) { s.Address.State = "DF" }},
		{name: "no phone number", modify: func(s *domain.Store) { s.PhoneNumber = "" }},
		{name: "other timezone", modify: func(s *domain.Store) { s.Timezone = "America/Manaus" }},
		{name: "zero delivery amounts", modify: func(s *domain.Store) {
			s.DeliveryConfig = domain.DeliveryConfig{DeliveryEnabled: true}
		}},
		{name: "pickup only", modify: func(s *domain.Store) { s.DeliveryConfig.DeliveryEnabled = false }},
		{name: "delivery only", modify: func(s *domain.Store) { s.DeliveryConfig.PickupEnabled = false }},
		{name: "radius and minutes at their limits", modify: func(s *domain.Store) {
			s.DeliveryConfig.DeliveryRadiusKm, s.DeliveryConfig.EstimatedMinutes = domain.MaxDeliveryRadiusKm, domain.MaxEstimatedMinutes
		}},
		{name: "inactive store without hours", modify: func(s *domain.Store) { s.OperatingHours, s.IsActive = nil, false }},
		{name: "no sqs queue is fine", modify: func(s *domain.Store) { s.SQSQueueURL, s.SQSQueueARN = "", "" }},

		{name: "bad client id", modify: func(s *domain.Store) { s.ClientID = "Demo" }, want: []string{"clientId"}},
		{name: "empty store id", modify: func(s *domain.Store) { s.StoreID = "" }, want: []string{"storeId"}},
		{name: "store id with trailing hyphen", modify: func(s *domain.Store) { s.StoreID = "centro-" }, want: []string{"storeId"}},
		{name: "blank name", modify: func(s *domain.Store) { s.StoreName = " " }, want: []string{"storeName"}},
		{name: "name too long", modify: func(s *domain.Store) { s.StoreName = strings.Repeat("s", domain.MaxName+1) }, want: []string{"storeName"}},
		{name: "no address", modify: func(s *domain.Store) { s.Address = domain.Address{} }, want: []string{
			"address.street", "address.number", "address.neighborhood", "address.city", "address.state", "address.postalCode",
		}},
		{name: "blank street", modify: func(s *domain.Store) { s.Address.Street = "  " }, want: []string{"address.street"}},
		{name: "street too long", modify: func(s *domain.Store) {
			s.Address.Street = strings.Repeat("r", domain.MaxAddressField+1)
		}, want: []string{"address.street"}},
		{name: "complement too long", modify: func(s *domain.Store) {
			s.Address.Complement = strings.Repeat("c", domain.MaxAddressField+1)
		}, want: []string{"address.complement"}},
		{name: "state spelled out", modify: func(s *domain.Store) { s.Address.State = "São Paulo" }, want: []string{"address.state"}},
		{name: "state not brazilian", modify: func(s *domain.Store) { s.Address.State = "NY" }, want: []string{"address.state"}},
		{name: "state that does not exist", modify: func(s *domain.Store) { s.Address.State = "XX" }, want: []string{"address.state"}},
		{name: "postal code with 7 digits", modify: func(s *domain.Store) { s.Address.PostalCode = "0130500" }, want: []string{"address.postalCode"}},
		{name: "postal code with a dot", modify: func(s *domain.Store) { s.Address.PostalCode = "01.305-000" }, want: []string{"address.postalCode"}},
		{name: "postal code with a space", modify: func(s *domain.Store) { s.Address.PostalCode = "01305 000" }, want: []string{"address.postalCode"}},
		{name: "postal code with the hyphen misplaced", modify: func(s *domain.Store) { s.Address.PostalCode = "0130-5000" }, want: []string{"address.postalCode"}},
		{name: "postal code with letters", modify: func(s *domain.Store) { s.Address.PostalCode = "0130A-000" }, want: []string{"address.postalCode"}},
		{name: "phone without plus", modify: func(s *domain.Store) { s.PhoneNumber = "551133334444" }, want: []string{"phoneNumber"}},
		{name: "phone with spaces", modify: func(s *domain.Store) { s.PhoneNumber = "+55 11 3333 4444" }, want: []string{"phoneNumber"}},
		{name: "phone too short", modify: func(s *domain.Store) { s.PhoneNumber = "+5511" }, want: []string{"phoneNumber"}},
		{name: "unknown timezone", modify: func(s *domain.Store) { s.Timezone = "Mars/Olympus" }, want: []string{"timezone"}},
		{name: "offset as timezone", modify: func(s *domain.Store) { s.Timezone = "-03:00" }, want: []string{"timezone"}},
		{name: "the machine's local zone", modify: func(s *domain.Store) { s.Timezone = "Local" }, want: []string{"timezone"}},
		{name: "bad hours", modify: func(s *domain.Store) {
			s.OperatingHours = domain.OperatingHours{"monday": {{Open: "25:00", Close: "23:00"}}}
		}, want: []string{"operatingHours.monday[0].open"}},
		{name: "active store without hours", modify: func(s *domain.Store) { s.OperatingHours = nil }, want: []string{"operatingHours"}},
		{name: "active store with only empty days", modify: func(s *domain.Store) {
			s.OperatingHours = domain.OperatingHours{"monday": {}, "tuesday": nil}
		}, want: []string{"operatingHours"}},
		{name: "active store with only an unknown day", modify: func(s *domain.Store) {
			s.OperatingHours = domain.OperatingHours{"segunda": {{Open: "11:00", Close: "23:00"}}}
		}, want: []string{"operatingHours.segunda", "operatingHours"}},
		{name: "neither delivery nor pickup", modify: func(s *domain.Store) {
			s.DeliveryConfig.DeliveryEnabled, s.DeliveryConfig.PickupEnabled = false, false
		}, want: []string{"deliveryConfig"}},
		{name: "negative delivery fee", modify: func(s *domain.Store) { s.DeliveryConfig.DeliveryFeeCents = -1 }, want: []string{"deliveryConfig.deliveryFeeCents"}},
		{name: "negative minimum order", modify: func(s *domain.Store) { s.DeliveryConfig.MinimumOrderCents = -1 }, want: []string{"deliveryConfig.minimumOrderCents"}},
		{name: "negative free delivery threshold", modify: func(s *domain.Store) {
			s.DeliveryConfig.FreeDeliveryAboveCents = -1
		}, want: []string{"deliveryConfig.freeDeliveryAboveCents"}},
		{name: "delivery fee above the typo guard", modify: func(s *domain.Store) {
			s.DeliveryConfig.DeliveryFeeCents = domain.MaxPriceCents + 1
		}, want: []string{"deliveryConfig.deliveryFeeCents"}},
		{name: "negative radius", modify: func(s *domain.Store) { s.DeliveryConfig.DeliveryRadiusKm = -0.5 }, want: []string{"deliveryConfig.deliveryRadiusKm"}},
		{name: "radius too large", modify: func(s *domain.Store) { s.DeliveryConfig.DeliveryRadiusKm = 50.5 }, want: []string{"deliveryConfig.deliveryRadiusKm"}},
		{name: "radius not a number", modify: func(s *domain.Store) { s.DeliveryConfig.DeliveryRadiusKm = math.NaN() }, want: []string{"deliveryConfig.deliveryRadiusKm"}},
		{name: "radius infinite", modify: func(s *domain.Store) { s.DeliveryConfig.DeliveryRadiusKm = math.Inf(1) }, want: []string{"deliveryConfig.deliveryRadiusKm"}},
		{name: "negative minutes", modify: func(s *domain.Store) { s.DeliveryConfig.EstimatedMinutes = -1 }, want: []string{"deliveryConfig.estimatedMinutes"}},
		{name: "minutes too many", modify: func(s *domain.Store) { s.DeliveryConfig.EstimatedMinutes = 241 }, want: []string{"deliveryConfig.estimatedMinutes"}},
		{name: "every delivery amount negative", modify: func(s *domain.Store) {
			s.DeliveryConfig = domain.DeliveryConfig{PickupEnabled: true, DeliveryFeeCents: -1, MinimumOrderCents: -1,
				FreeDeliveryAboveCents: -1, DeliveryRadiusKm: -1, EstimatedMinutes: -1}
		}, want: []string{
			"deliveryConfig.deliveryFeeCents", "deliveryConfig.minimumOrderCents", "deliveryConfig.freeDeliveryAboveCents",
			"deliveryConfig.deliveryRadiusKm", "deliveryConfig.estimatedMinutes",
		}},
		{name: "nil payment methods", modify: func(s *domain.Store) { s.PaymentMethods = nil }, want: []string{"paymentMethods"}},
		{name: "empty payment methods", modify: func(s *domain.Store) { s.PaymentMethods = []domain.PaymentMethod{} }, want: []string{"paymentMethods"}},
		{name: "unknown payment method", modify: func(s *domain.Store) {
			s.PaymentMethods = []domain.PaymentMethod{"PIX", "CASH"}
		}, want: []string{"paymentMethods[1]"}},
		{name: "two unknown payment methods", modify: func(s *domain.Store) {
			s.PaymentMethods = []domain.PaymentMethod{"BOLETO", "pix", "CASH"}
		}, want: []string{"paymentMethods[0]", "paymentMethods[2]"}},
		{name: "blank payment method", modify: func(s *domain.Store) { s.PaymentMethods = []domain.PaymentMethod{""} }, want: []string{"paymentMethods[0]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := validStore()
			tt.modify(&s)
			err := s.Validate()
			checkInvalidFields(t, err, tt.want...)
			if tt.check != nil {
				tt.check(t, s)
			}
		})
	}
}

// TestStoreValidateNamesEveryField breaks a store in many places at once: every problem is
// named, in the order of the store's fields, and the message gives the first and a count.
func TestStoreValidateNamesEveryField(t *testing.T) {
	t.Parallel()
	s := domain.Store{
		ClientID:  "demo-pizzaria",
		StoreID:   "Centro",
		StoreName: "",
		Address:   domain.Address{Street: "Rua Augusta", Number: "100", Neighborhood: "Consolação", City: "São Paulo", State: "ZZ", PostalCode: "123"},
		Timezone:  "Brasil/Sao_Paulo",
		OperatingHours: domain.OperatingHours{
			"monday":  {{Open: "11:00", Close: "15:00"}, {Open: "14:00", Close: "23:00"}},
			"tuesday": {{Open: "9:00", Close: "12:00"}},
		},
		DeliveryConfig: domain.DeliveryConfig{DeliveryFeeCents: -700},
		PaymentMethods: []domain.PaymentMethod{"PIX", "BOLETO"},
		IsActive:       true,
	}
	err := s.Validate()
	checkInvalidFields(t, err,
		"storeId", "storeName", "address.state", "address.postalCode", "timezone",
		"operatingHours.monday[1]", "operatingHours.tuesday[0].open",
		"deliveryConfig", "deliveryConfig.deliveryFeeCents", "paymentMethods[1]")
	if got, want := domain.ErrorMessage(err), `storeId: "Centro" must be lower-case letters, digits and inner hyphens (and 9 more)`; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	fields := domain.FieldsOf(err)
	if got, want := fields[len(fields)-1].Message, `"BOLETO" is not supported: use PIX, CREDIT or DEBIT`; got != want {
		t.Errorf("paymentMethods[1]: %q, want %q", got, want)
	}
	if !slices.Equal(s.PaymentMethods, []domain.PaymentMethod{"PIX", "BOLETO"}) {
		t.Errorf("PaymentMethods = %q: an invalid list must stay as given, so its indexes mean something", s.PaymentMethods)
	}
}

func TestStoreValidateMasksPhoneInError(t *testing.T) {
	t.Parallel()
	s := validStore()
	s.PhoneNumber = "551133334444"
	err := s.Validate()
	assertCode(t, err, domain.EINVALID)
	if msg := domain.ErrorMessage(err); strings.Contains(msg, "551133334444") {
		t.Errorf("message %q reveals the phone number", msg)
	}
}

func TestStoreIsOpenAt(t *testing.T) {
	t.Parallel()
	s := validStore() // monday 11:00-23:00, São Paulo
	// Monday 2025-03-03 14:30 UTC is 11:30 in São Paulo; 13:30 UTC is 10:30.
	open := time.Date(2025, time.March, 3, 14, 30, 0, 0, time.UTC)
	closed := time.Date(2025, time.March, 3, 13, 30, 0, 0, time.UTC)
	if !s.IsOpenAt(open) {
		t.Errorf("IsOpenAt(%v) = false, want true", open)
	}
	if s.IsOpenAt(closed) {
		t.Errorf("IsOpenAt(%v) = true, want false", closed)
	}
	empty := validStore()
	empty.Timezone = "" // the default zone applies
	if !empty.IsOpenAt(open) {
		t.Errorf("with empty timezone IsOpenAt(%v) = false, want true", open)
	}
	bad := validStore()
	bad.Timezone = "Mars/Olympus"
	if bad.IsOpenAt(open) {
		t.Errorf("with an unknown timezone IsOpenAt = true, want false")
	}
}

func TestStoreAccepts(t *testing.T) {
	t.Parallel()
	s := validStore() // PIX, CREDIT
	tests := []struct {
		m    domain.PaymentMethod
		want bool
	}{
		{m: domain.PaymentPIX, want: true},
		{m: domain.PaymentCredit, want: true},
		{m: domain.PaymentDebit, want: false},
		{m: "pix", want: false},
	}
	for _, tt := range tests {
		if got := s.Accepts(tt.m); got != tt.want {
			t.Errorf("Accepts(%q) = %v, want %v", tt.m, got, tt.want)
		}
	}
}

func TestAddressString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a    domain.Address
		want string
	}{
		{
			name: "without complement",
			a:    domain.Address{Street: "Rua Augusta", Number: "100", Neighborhood: "Consolação", City: "São Paulo", State: "SP"},
			want: "Rua Augusta, 100 - Consolação - São Paulo - SP",
		},
		{
			name: "with complement",
			a:    domain.Address{Street: "Av. Paulista", Number: "1000", Complement: "loja 2", Neighborhood: "Bela Vista", City: "São Paulo", State: "SP"},
			want: "Av. Paulista, 1000 - loja 2 - Bela Vista - São Paulo - SP",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.a.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}
