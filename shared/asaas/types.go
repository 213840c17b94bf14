package asaas

import (
	"fmt"
	"strings"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
)

// Billing types of a payment (billingType) this package creates.
const (
	BillingPIX        = "PIX"
	BillingCreditCard = "CREDIT_CARD"
	BillingBoleto     = "BOLETO"
	BillingUndefined  = "UNDEFINED" // the payer chooses on Asaas's page
)

// Statuses of a payment (docs.asaas.com, "Possible statuses"). Asaas adds statuses now and
// then; code must treat one it does not know as "not paid, not final".
const (
	StatusPending                    = "PENDING"
	StatusReceived                   = "RECEIVED"
	StatusConfirmed                  = "CONFIRMED"
	StatusOverdue                    = "OVERDUE"
	StatusRefunded                   = "REFUNDED"
	StatusReceivedInCash             = "RECEIVED_IN_CASH"
	StatusRefundRequested            = "REFUND_REQUESTED"
	StatusRefundInProgress           = "REFUND_IN_PROGRESS"
	StatusChargebackRequested        = "CHARGEBACK_REQUESTED"
	StatusChargebackDispute          = "CHARGEBACK_DISPUTE"
	StatusAwaitingChargebackReversal = "AWAITING_CHARGEBACK_REVERSAL"
	StatusDunningRequested           = "DUNNING_REQUESTED"
	StatusDunningReceived            = "DUNNING_RECEIVED"
	StatusAwaitingRiskAnalysis       = "AWAITING_RISK_ANALYSIS"
)

// Paid reports whether a payment in this status has the payer's money (or had it, before a
// refund or chargeback began).
func Paid(status string) bool {
	switch status {
	case StatusReceived, StatusConfirmed, StatusReceivedInCash, StatusDunningReceived:
		return true
	}
	return false
}

// Refunding reports whether a payment in this status is refunded or on its way to be.
func Refunding(status string) bool {
	switch status {
	case StatusRefunded, StatusRefundRequested, StatusRefundInProgress:
		return true
	}
	return false
}

// DateLayout is Asaas's layout of a date (dueDate, dateCreated of a payment).
const DateLayout = "2006-01-02"

// DateTimeLayout is Asaas's layout of a date and time (a PIX QR code's expirationDate, an
// event's dateCreated), in Brasília time.
const DateTimeLayout = "2006-01-02 15:04:05"

// List is a page of one of Asaas's list endpoints.
type List[T any] struct {
	Object     string `json:"object"` // "list"
	HasMore    bool   `json:"hasMore"`
	TotalCount int    `json:"totalCount"`
	Limit      int    `json:"limit"`
	Offset     int    `json:"offset"`
	Data       []T    `json:"data"`
}

// Customer is an Asaas customer (the payer of charges): the fields this package uses.
type Customer struct {
	Object               string `json:"object,omitempty"`
	ID                   string `json:"id"`
	DateCreated          string `json:"dateCreated,omitempty"`
	Name                 string `json:"name"`
	CpfCnpj              string `json:"cpfCnpj,omitempty"`
	MobilePhone          string `json:"mobilePhone,omitempty"`
	ExternalReference    string `json:"externalReference,omitempty"`
	NotificationDisabled bool   `json:"notificationDisabled"`
	Deleted              bool   `json:"deleted"`
}

// CustomerRequest creates a customer (POST /customers) or updates one (PUT /customers/{id}:
// only the fields sent change).
type CustomerRequest struct {
	Name        string `json:"name,omitempty"`
	CpfCnpj     string `json:"cpfCnpj,omitempty"`
	MobilePhone string `json:"mobilePhone,omitempty"` // DDD and number, no country code
	// ExternalReference is our id of the payer, to find the customer again.
	ExternalReference string `json:"externalReference,omitempty"`
	// NotificationDisabled stops Asaas's own e-mails and SMS about the customer's charges.
	NotificationDisabled *bool `json:"notificationDisabled,omitempty"`
}

// Payment is an Asaas payment (a charge, "cobrança"): the fields this package uses. Unknown
// fields are ignored.
type Payment struct {
	Object            string `json:"object,omitempty"`
	ID                string `json:"id"`
	DateCreated       string `json:"dateCreated,omitempty"`
	Customer          string `json:"customer"`
	BillingType       string `json:"billingType"`
	Value             Cents  `json:"value"`
	NetValue          Cents  `json:"netValue"`
	Status            string `json:"status"`
	DueDate           string `json:"dueDate"`
	InvoiceURL        string `json:"invoiceUrl,omitempty"`
	ExternalReference string `json:"externalReference,omitempty"`
	Description       string `json:"description,omitempty"`
	Deleted           bool   `json:"deleted"`
	PaymentDate       string `json:"paymentDate,omitempty"`
	ConfirmedDate     string `json:"confirmedDate,omitempty"`
}

// PaymentRequest creates a payment (POST /payments).
type PaymentRequest struct {
	Customer          string `json:"customer"`
	BillingType       string `json:"billingType"`
	Value             Cents  `json:"value"`
	DueDate           string `json:"dueDate"` // DateLayout
	Description       string `json:"description,omitempty"`
	ExternalReference string `json:"externalReference,omitempty"`
}

// PixQrCode is a PIX payment's QR code (GET /payments/{id}/pixQrCode).
type PixQrCode struct {
	EncodedImage   string `json:"encodedImage"` // PNG, base64
	Payload        string `json:"payload"`      // the copy-and-paste code
	ExpirationDate string `json:"expirationDate"`
	Description    string `json:"description,omitempty"`
}

// ExpiresAt parses ExpirationDate, which Asaas writes in Brasília time without a zone
// ("2024-06-30 23:59:59"); a date alone is its end of day. Zero for an empty date.
func (q PixQrCode) ExpiresAt() (time.Time, error) {
	return ParseDateTime(q.ExpirationDate)
}

// ParseDateTime parses one of Asaas's dates or date-times in São Paulo time: "2006-01-02
// 15:04:05", "2006-01-02" (the end of that day), or RFC 3339 (with its own zone).
func ParseDateTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation(DateTimeLayout, s, saoPaulo); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(DateLayout, s, saoPaulo); err == nil {
		return t.Add(24*time.Hour - time.Second), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("asaas: %q is not a date", s)
}

// RefundRequest refunds a payment (POST /payments/{id}/refund). A nil Value refunds all of it.
type RefundRequest struct {
	Value       *Cents `json:"value,omitempty"`
	Description string `json:"description,omitempty"`
}

// Deleted is Asaas's answer to a DELETE.
type Deleted struct {
	Deleted bool   `json:"deleted"`
	ID      string `json:"id"`
}

// saoPaulo is Brasília time, where Asaas's dates are.
var saoPaulo = domain.DefaultLocation()
