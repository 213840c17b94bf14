package domain_test

import (
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
		name    string
		modify  func(*domain.Store)
		wantErr bool
		check   func(*testing.T, domain.Store)
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
		{name: "no phone number", modify: func(s *domain.Store) { s.PhoneNumber = "" }},
		{name: "other timezone", modify: func(s *domain.Store) { s.Timezone = "America/Manaus" }},
		{name: "zero delivery amounts", modify: func(s *domain.Store) { s.DeliveryConfig = domain.DeliveryConfig{} }},
		{name: "no hours", modify: func(s *domain.Store) { s.OperatingHours = nil }},
		{name: "bad client id", modify: func(s *domain.Store) { s.ClientID = "Demo" }, wantErr: true},
		{name: "empty store id", modify: func(s *domain.Store) { s.StoreID = "" }, wantErr: true},
		{name: "store id with trailing hyphen", modify: func(s *domain.Store) { s.StoreID = "centro-" }, wantErr: true},
		{name: "blank name", modify: func(s *domain.Store) { s.StoreName = " " }, wantErr: true},
		{name: "name too long", modify: func(s *domain.Store) { s.StoreName = strings.Repeat("s", domain.MaxName+1) }, wantErr: true},
		{name: "phone without plus", modify: func(s *domain.Store) { s.PhoneNumber = "551133334444" }, wantErr: true},
		{name: "phone with spaces", modify: func(s *domain.Store) { s.PhoneNumber = "+55 11 3333 4444" }, wantErr: true},
		{name: "phone too short", modify: func(s *domain.Store) { s.PhoneNumber = "+5511" }, wantErr: true},
		{name: "unknown timezone", modify: func(s *domain.Store) { s.Timezone = "Mars/Olympus" }, wantErr: true},
		{name: "bad hours", modify: func(s *domain.Store) {
			s.OperatingHours = domain.OperatingHours{"monday": {{Open: "25:00", Close: "23:00"}}}
		}, wantErr: true},
		{name: "negative delivery fee", modify: func(s *domain.Store) { s.DeliveryConfig.DeliveryFeeCents = -1 }, wantErr: true},
		{name: "negative minimum order", modify: func(s *domain.Store) { s.DeliveryConfig.MinimumOrderCents = -1 }, wantErr: true},
		{name: "negative free delivery threshold", modify: func(s *domain.Store) { s.DeliveryConfig.FreeDeliveryAboveCents = -1 }, wantErr: true},
		{name: "negative radius", modify: func(s *domain.Store) { s.DeliveryConfig.DeliveryRadiusKm = -0.5 }, wantErr: true},
		{name: "negative minutes", modify: func(s *domain.Store) { s.DeliveryConfig.EstimatedMinutes = -1 }, wantErr: true},
		{name: "nil payment methods", modify: func(s *domain.Store) { s.PaymentMethods = nil }, wantErr: true},
		{name: "empty payment methods", modify: func(s *domain.Store) { s.PaymentMethods = []domain.PaymentMethod{} }, wantErr: true},
		{name: "unknown payment method", modify: func(s *domain.Store) { s.PaymentMethods = []domain.PaymentMethod{"PIX", "CASH"} }, wantErr: true},
		{name: "blank payment method", modify: func(s *domain.Store) { s.PaymentMethods = []domain.PaymentMethod{""} }, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := validStore()
			tt.modify(&s)
			err := s.Validate()
			if tt.wantErr {
				assertCode(t, err, domain.EINVALID)
				return
			}
			if err != nil {
				t.Fatalf("Validate() error = %v", err)
			}
			if tt.check != nil {
				tt.check(t, s)
			}
		})
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
