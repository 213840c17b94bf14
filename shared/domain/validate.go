package domain

import (
	"regexp"
	"strings"
)

// WhatsAppPrefix is the channel prefix Twilio puts before WhatsApp addresses in From and To.
const WhatsAppPrefix = "whatsapp:"

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

// ValidE164 reports whether s is an E.164 number: "+", a country code not starting with 0,
// 8 to 15 digits in all.
func ValidE164(s string) bool { return e164.MatchString(s) }

// ParseWhatsAppAddress checks a WhatsApp address as Twilio sends it ("whatsapp:+5511987654321")
// and returns it in canonical form (lower-case prefix, no spaces). A bare E.164 number is
// refused: the channel is part of the identity of a customer and of a brand's number.
func ParseWhatsAppAddress(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) < len(WhatsAppPrefix) || !strings.EqualFold(s[:len(WhatsAppPrefix)], WhatsAppPrefix) {
		return "", Errorf(EINVALID, "%q is not a WhatsApp address: it must start with %q", Mask(s), WhatsAppPrefix)
	}
	num := s[len(WhatsAppPrefix):]
	if !ValidE164(num) {
		return "", Errorf(EINVALID, "%q is not an E.164 number (+ and 8 to 15 digits)", Mask(s))
	}
	return WhatsAppPrefix + num, nil
}

// Mask hides the middle of a phone number or WhatsApp address for logs and error messages:
// "whatsapp:+5511987654321" becomes "whatsapp:+551******4321". Anything short is fully masked.
func Mask(s string) string {
	prefix := ""
	if strings.HasPrefix(strings.ToLower(s), WhatsAppPrefix) {
		prefix, s = s[:len(WhatsAppPrefix)], s[len(WhatsAppPrefix):]
	}
	if len(s) <= 8 {
		return prefix + strings.Repeat("*", len(s))
	}
	return prefix + s[:4] + strings.Repeat("*", len(s)-8) + s[len(s)-4:]
}

// Language is a conversation language, as a BCP 47 tag.
type Language string

// Languages the platform speaks.
const (
	PtBR Language = "pt-BR"
	EnUS Language = "en-US"
)

// ParseLanguage accepts "pt-BR" or "en-US" in any case, with "-" or "_".
func ParseLanguage(s string) (Language, error) {
	switch strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "_", "-")) {
	case "pt-br":
		return PtBR, nil
	case "en-us":
		return EnUS, nil
	}
	return "", Errorf(EINVALID, "language %q is not supported: use pt-BR or en-US", s)
}

// PaymentMethod is how a customer pays an order.
type PaymentMethod string

// Payment methods a store can accept.
const (
	PaymentPIX    PaymentMethod = "PIX"
	PaymentCredit PaymentMethod = "CREDIT"
	PaymentDebit  PaymentMethod = "DEBIT"
)

// ParsePaymentMethod accepts PIX, CREDIT or DEBIT in any case.
func ParsePaymentMethod(s string) (PaymentMethod, error) {
	switch m := PaymentMethod(strings.ToUpper(strings.TrimSpace(s))); m {
	case PaymentPIX, PaymentCredit, PaymentDebit:
		return m, nil
	}
	return "", Errorf(EINVALID, "payment method %q is not supported: use PIX, CREDIT or DEBIT", s)
}
