package domain

import "context"

// CustomerEraser erases what the platform holds about one customer of one brand (LGPD, Lei
// 13.709/2018, art. 18): the phone mapping, the conversation and the idempotency records of
// its messages are deleted; metrics are counts and stay; orders are fiscal records and stay,
// with the number and name pseudonymised and the delivery address removed. Erasing a
// customer the brand does not know is not an error. The admin API and the chat ("apagar meus
// dados", after a confirmation) call the same implementation (package privacy).
type CustomerEraser interface {
	EraseCustomer(ctx context.Context, clientID, phoneNumber string) (ErasureReport, error)
}

// ErasureReport says what an erasure did, for the audit record and the operator: counts,
// never the data.
type ErasureReport struct {
	Mappings            int `json:"mappings"`
	Conversations       int `json:"conversations"`
	IdempotencyRecords  int `json:"idempotencyRecords"`
	OrdersPseudonymised int `json:"ordersPseudonymised"`
}

// PseudonymPrefix starts the pseudonym that replaces an erased customer's number on the
// orders kept (package privacy derives it): it is never a WhatsApp address, so nothing can
// message it.
const PseudonymPrefix = "anon:"
