package domain

import (
	"fmt"
	"math"
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
	// CardOnline charges credit cards through the brand's payment provider before the
	// kitchen gets the order: the customer gets a payment link, and the order waits for its
	// payment like a PIX one. Without it a card is paid at the door or at pickup.
	CardOnline bool `dynamodbav:"cardOnline,omitempty" json:"cardOnline,omitempty"`
	IsActive   bool `dynamodbav:"active" json:"active"`
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

// Store limits: typo guards an operator would expect, not business rules.
const (
	// MaxAddressField bounds each part of an address.
	MaxAddressField = 120
	// MaxDeliveryRadiusKm bounds DeliveryConfig.DeliveryRadiusKm.
	MaxDeliveryRadiusKm = 50
	// MaxEstimatedMinutes bounds DeliveryConfig.EstimatedMinutes (four hours).
	MaxEstimatedMinutes = 240
)

// brazilianStates are the 27 federative units (26 states and the Federal District), as
// the Correios abbreviate them.
var brazilianStates = map[string]bool{
	"AC": true, "AL": true, "AP": true, "AM": true, "BA": true, "CE": true, "DF": true,
	"ES": true, "GO": true, "MA": true, "MT": true, "MS": true, "MG": true, "PA": true,
	"PB": true, "PR": true, "PE": true, "PI": true, "RJ": true, "RN": true, "RS": true,
	"RO": true, "RR": true, "SC": true, "SP": true, "SE": true, "TO": true,
}

// Validate checks the store's invariants and reports every field that breaks one (an
// EINVALID error whose Fields are JSON paths: "address.postalCode", "paymentMethods[1]",
// "operatingHours.monday[0].open"). It normalises in place: the name and the address trimmed,
// the state upper-case, the postal code as "00000-000", the default time zone when none is
// set, and (when they are all valid) the payment methods upper-case without duplicates. The
// POS queue (sqsQueueUrl) is not required: a store gets one when it is provisioned.
func (s *Store) Validate() error {
	var p problems
	p.id("clientId", "clientId", s.ClientID)
	p.id("storeId", "storeId", s.StoreID)
	s.StoreName = strings.TrimSpace(s.StoreName)
	if s.StoreName == "" || utf8.RuneCountInString(s.StoreName) > MaxName {
		p.add("storeName", "is required, at most %d characters", MaxName)
	}
	s.Address.validate(&p)
	if s.PhoneNumber != "" && !ValidE164(s.PhoneNumber) {
		p.add("phoneNumber", "%q is not an E.164 number (+ and 8 to 15 digits)", Mask(s.PhoneNumber))
	}
	if s.Timezone == "" {
		s.Timezone = DefaultTimezone
	}
	if s.Timezone == "Local" { // the machine's zone, whatever it is: never a store's
		p.add("timezone", "%q is not an IANA time zone (such as %s)", s.Timezone, DefaultTimezone)
	} else if _, err := LoadTimezone(s.Timezone); err != nil {
		p.add("timezone", "%q is not an IANA time zone (such as %s)", clip(s.Timezone), DefaultTimezone)
	}
	p.addAll(FieldsOf(s.OperatingHours.Validate()))
	if s.IsActive && !s.OperatingHours.hasRanges() {
		p.add("operatingHours", "an active store needs opening hours")
	}
	s.DeliveryConfig.validate(&p)
	s.validatePayment(&p)
	return p.err()
}

func (a *Address) validate(p *problems) {
	for _, f := range []struct {
		name     string
		v        *string
		optional bool
	}{
		{"street", &a.Street, false},
		{"number", &a.Number, false},
		{"complement", &a.Complement, true},
		{"neighborhood", &a.Neighborhood, false},
		{"city", &a.City, false},
	} {
		*f.v = strings.TrimSpace(*f.v)
		switch {
		case *f.v == "" && !f.optional:
			p.add("address."+f.name, "is required, at most %d characters", MaxAddressField)
		case utf8.RuneCountInString(*f.v) > MaxAddressField:
			p.add("address."+f.name, "is longer than %d characters", MaxAddressField)
		}
	}
	a.State = strings.ToUpper(strings.TrimSpace(a.State))
	if a.State == "" {
		p.add("address.state", "is required: the state's two letters (SP, RJ, MG, ...)")
	} else if !brazilianStates[a.State] {
		p.add("address.state", "%q is not a Brazilian state: use its two letters (SP, RJ, MG, ...)", clip(a.State))
	}
	a.PostalCode = strings.TrimSpace(a.PostalCode)
	if cep, ok := parseCEP(a.PostalCode); ok {
		a.PostalCode = cep
	} else if a.PostalCode == "" {
		p.add("address.postalCode", "is required: a CEP, 00000-000")
	} else {
		p.add("address.postalCode", "%q is not a CEP: use 00000-000 or 8 digits", clip(a.PostalCode))
	}
}

// parseCEP accepts a CEP as "00000-000" or "00000000" and returns it as "00000-000".
func parseCEP(s string) (string, bool) {
	digits := s
	if len(s) == 9 && s[5] == '-' {
		digits = s[:5] + s[6:]
	}
	if len(digits) != 8 {
		return "", false
	}
	for i := 0; i < len(digits); i++ {
		if !isDigit(digits[i]) {
			return "", false
		}
	}
	return digits[:5] + "-" + digits[5:], true
}

func (d *DeliveryConfig) validate(p *problems) {
	if !d.DeliveryEnabled && !d.PickupEnabled {
		p.add("deliveryConfig", "deliveryEnabled and pickupEnabled are both false: a store must deliver, take pickup orders or both")
	}
	for _, a := range []struct {
		name  string
		cents int64
	}{
		{"deliveryFeeCents", d.DeliveryFeeCents},
		{"minimumOrderCents", d.MinimumOrderCents},
		{"freeDeliveryAboveCents", d.FreeDeliveryAboveCents},
	} {
		if msg := priceProblem(a.cents); msg != "" {
			p.add("deliveryConfig."+a.name, "%s", msg)
		}
	}
	switch r := d.DeliveryRadiusKm; {
	case math.IsNaN(r) || math.IsInf(r, 0):
		p.add("deliveryConfig.deliveryRadiusKm", "must be a number of km from 0 to %d", MaxDeliveryRadiusKm)
	case r < 0:
		p.add("deliveryConfig.deliveryRadiusKm", "must not be negative")
	case r > MaxDeliveryRadiusKm:
		p.add("deliveryConfig.deliveryRadiusKm", "must be at most %d km", MaxDeliveryRadiusKm)
	}
	switch m := d.EstimatedMinutes; {
	case m < 0:
		p.add("deliveryConfig.estimatedMinutes", "must not be negative")
	case m > MaxEstimatedMinutes:
		p.add("deliveryConfig.estimatedMinutes", "must be at most %d minutes", MaxEstimatedMinutes)
	}
}

// validatePayment names every unknown payment method by its index and, when all are known,
// leaves them upper-case without duplicates, in their order.
func (s *Store) validatePayment(p *problems) {
	if len(s.PaymentMethods) == 0 {
		p.add("paymentMethods", "at least one of PIX, CREDIT, DEBIT is required")
		return
	}
	seen := map[PaymentMethod]bool{}
	methods := make([]PaymentMethod, 0, len(s.PaymentMethods))
	ok := true
	for i, m := range s.PaymentMethods {
		pm, err := ParsePaymentMethod(string(m))
		if err != nil {
			p.add(fmt.Sprintf("paymentMethods[%d]", i), "%q is not supported: use PIX, CREDIT or DEBIT", clip(string(m)))
			ok = false
			continue
		}
		if !seen[pm] {
			seen[pm] = true
			methods = append(methods, pm)
		}
	}
	if ok {
		s.PaymentMethods = methods
	}
}

// MaxFieldErrors bounds the fields one validation names: after that many, one last entry
// (its Field empty: the whole document) says how many more there are.
const MaxFieldErrors = 200

// problems collects the fields a validation finds at fault, in the order it finds them,
// up to MaxFieldErrors.
type problems struct {
	list []FieldError
	more int
}

func (p *problems) add(field, format string, args ...any) {
	p.addAll([]FieldError{{Field: field, Message: fmt.Sprintf(format, args...)}})
}

func (p *problems) addAll(fields []FieldError) {
	for _, f := range fields {
		if len(p.list) >= MaxFieldErrors {
			p.more++
			continue
		}
		p.list = append(p.list, f)
	}
}

// id names field when id is not a valid resource id of that kind.
func (p *problems) id(field, kind, id string) bool {
	if msg := idProblem(kind, id); msg != "" {
		p.add(field, "%s", msg)
		return false
	}
	return true
}

// err is the EINVALID error naming the fields found, or nil.
func (p *problems) err() error {
	fields := p.list
	if p.more > 0 {
		fields = append(fields, FieldError{Message: fmt.Sprintf("%d more errors not listed", p.more)})
	}
	return Invalid(fields)
}

// idProblem says what is wrong with id as a resource id of kind ("" when nothing is), without
// repeating the kind: the field names it.
func idProblem(kind, id string) string {
	if err := resourcenames.ValidateID(kind, id); err != nil {
		return strings.TrimPrefix(err.Error(), kind+" ")
	}
	return ""
}

// clip shortens a value quoted back in an error message.
func clip(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max]) + "…"
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
