package domain

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Store is one branch of a brand. Stored in WhatsAppBotStoreConfig, keyed by
// (clientId, storeId), so a brand's stores are one Query and never mix with another brand's.
type Store struct {
	ClientID       string          `dynamodbav:"clientId" json:"clientId"`
	StoreID        string          `dynamodbav:"storeId" json:"storeId"`
	StoreName      string          `dynamodbav:"storeName" json:"storeName"`
	Address        Address         `dynamodbav:"address" json:"address"`
	PhoneNumber    string          `dynamodbav:"phoneNumber,omitempty" json:"phoneNumber,omitempty"`
	Timezone       string          `dynamodbav:"timezone" json:"timezone"`
	OperatingHours OperatingHours  `dynamodbav:"operatingHours" json:"operatingHours"`
	DeliveryConfig DeliveryConfig  `dynamodbav:"deliveryConfig" json:"deliveryConfig"`
	PaymentMethods []PaymentMethod `dynamodbav:"paymentMethods" json:"paymentMethods"`
	IsActive       bool            `dynamodbav:"active" json:"active"`
	// SQSQueueURL and SQSQueueARN are the store's FIFO order queue to its point of sale
	// (seed 2.2). They are written when the store is provisioned (the TenantStore construct;
	// locally the demo seed from the applied template) and read at runtime: the runtime never
	// rebuilds a queue's address from its name.
	SQSQueueURL string    `dynamodbav:"sqsQueueUrl,omitempty" json:"sqsQueueUrl,omitempty"`
	SQSQueueARN string    `dynamodbav:"sqsQueueArn,omitempty" json:"sqsQueueArn,omitempty"`
	CreatedAt   time.Time `dynamodbav:"createdAt" json:"createdAt"`
	UpdatedAt   time.Time `dynamodbav:"updatedAt" json:"updatedAt"`
	Version     int64     `dynamodbav:"version" json:"version"`
}

// Address is a Brazilian street address.
type Address struct {
	Street       string `dynamodbav:"street" json:"street"`
	Number       string `dynamodbav:"number" json:"number"`
	Complement   string `dynamodbav:"complement,omitempty" json:"complement,omitempty"`
	Neighborhood string `dynamodbav:"neighborhood" json:"neighborhood"`
	City         string `dynamodbav:"city" json:"city"`
	State        string `dynamodbav:"state" json:"state"`
	PostalCode   string `dynamodbav:"postalCode" json:"postalCode"`
}

// String formats the address on one line, as it is shown to customers.
func (a Address) String() string {
	parts := []string{strings.TrimSpace(a.Street + ", " + a.Number)}
	if a.Complement != "" {
		parts = append(parts, a.Complement)
	}
	parts = append(parts, a.Neighborhood, a.City+" - "+a.State)
	return strings.Join(parts, " - ")
}

// DeliveryConfig says how a store delivers. Money is in centavos (integer), never floats.
type DeliveryConfig struct {
	DeliveryEnabled        bool    `dynamodbav:"deliveryEnabled" json:"deliveryEnabled"`
	PickupEnabled          bool    `dynamodbav:"pickupEnabled" json:"pickupEnabled"`
	DeliveryFeeCents       int64   `dynamodbav:"deliveryFeeCents" json:"deliveryFeeCents"`
	MinimumOrderCents      int64   `dynamodbav:"minimumOrderCents" json:"minimumOrderCents"`
	FreeDeliveryAboveCents int64   `dynamodbav:"freeDeliveryAboveCents,omitempty" json:"freeDeliveryAboveCents,omitempty"`
	DeliveryRadiusKm       float64 `dynamodbav:"deliveryRadiusKm" json:"deliveryRadiusKm"`
	EstimatedMinutes       int     `dynamodbav:"estimatedMinutes" json:"estimatedMinutes"`
}

// Validate checks the store's invariants and normalises payment methods in place.
func (s *Store) Validate() error {
	if err := resourcenames.ValidateID("clientId", s.ClientID); err != nil {
		return Errorf(EINVALID, "%s", err.Error())
	}
	if err := resourcenames.ValidateID("storeId", s.StoreID); err != nil {
		return Errorf(EINVALID, "%s", err.Error())
	}
	s.StoreName = strings.TrimSpace(s.StoreName)
	if s.StoreName == "" || utf8.RuneCountInString(s.StoreName) > MaxName {
		return Errorf(EINVALID, "storeName is required (at most %d characters)", MaxName)
	}
	if s.PhoneNumber != "" && !ValidE164(s.PhoneNumber) {
		return Errorf(EINVALID, "phoneNumber %q is not an E.164 number", Mask(s.PhoneNumber))
	}
	if s.Timezone == "" {
		s.Timezone = DefaultTimezone
	}
	if _, err := LoadTimezone(s.Timezone); err != nil {
		return err
	}
	if err := s.OperatingHours.Validate(); err != nil {
		return err
	}
	d := s.DeliveryConfig
	if d.DeliveryFeeCents < 0 || d.MinimumOrderCents < 0 || d.FreeDeliveryAboveCents < 0 || d.DeliveryRadiusKm < 0 || d.EstimatedMinutes < 0 {
		return Errorf(EINVALID, "deliveryConfig: amounts, radius and minutes cannot be negative")
	}
	if len(s.PaymentMethods) == 0 {
		return Errorf(EINVALID, "paymentMethods: at least one of PIX, CREDIT, DEBIT is required")
	}
	seen := map[PaymentMethod]bool{}
	methods := make([]PaymentMethod, 0, len(s.PaymentMethods))
	for _, m := range s.PaymentMethods {
		pm, err := ParsePaymentMethod(string(m))
		if err != nil {
			return err
		}
		if !seen[pm] {
			seen[pm] = true
			methods = append(methods, pm)
		}
	}
	s.PaymentMethods = methods
	return nil
}

// IsOpenAt reports whether the store is open at t in its own time zone.
func (s *Store) IsOpenAt(t time.Time) bool {
	loc, err := LoadTimezone(s.Timezone)
	if err != nil {
		return false
	}
	return s.OperatingHours.IsOpenAt(t, loc)
}

// Accepts reports whether the store takes payment method m.
func (s *Store) Accepts(m PaymentMethod) bool {
	for _, x := range s.PaymentMethods {
		if x == m {
			return true
		}
	}
	return false
}
