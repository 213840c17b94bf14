// Package domain holds the platform's types, their rules, and the interfaces the domain needs
// from the outside world (storage, queues, secrets). It knows no AWS: adapters live in sibling
// packages (dynamo, emulator, ...) and know the domain, never each other.
package domain

import (
	"errors"
	"fmt"
)

// Error codes. The edges (HTTP, the worker) map each code to a status once.
const (
	ECONFLICT  = "conflict"  // a conditional write lost: the item exists or changed meanwhile
	EINTERNAL  = "internal"  // anything unexpected; its message is not shown to users
	EINVALID   = "invalid"   // input that breaks a rule; the message says which
	ENOTFOUND  = "not_found" // the item does not exist (or has expired)
	EFORBIDDEN = "forbidden" // the caller's tenant may not touch this item
)

// Error is a domain error: a machine-readable code and a message safe to show to a user.
// An EINVALID error names the fields that break a rule in Fields, when it knows them: the
// admin API returns them in its problem+json (RFC 9457) "errors" member.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
}

// FieldError is one field that breaks a rule: a JSON path into the request body
// ("operatingHours.mon[0].open", "items[3].priceCents"), and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// InvalidField is an EINVALID error about one field: its message is "<field>: <message>".
func InvalidField(field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: EINVALID, Message: field + ": " + msg, Fields: []FieldError{{Field: field, Message: msg}}}
}

// Invalid is an EINVALID error about several fields (none: nil). Its message lists them.
func Invalid(fields []FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	msg := fields[0].Field + ": " + fields[0].Message
	if len(fields) > 1 {
		msg = fmt.Sprintf("%s (and %d more)", msg, len(fields)-1)
	}
	return &Error{Code: EINVALID, Message: msg, Fields: fields}
}

// FieldsOf returns the fields named by the first *Error in err's chain.
func FieldsOf(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Prefixed returns err with every field it names under prefix ("items[3]" + "." + field),
// for a validator of a part called by a validator of the whole. Other errors are returned as
// they are.
func Prefixed(prefix string, err error) error {
	var e *Error
	if prefix == "" || !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	fields := make([]FieldError, len(e.Fields))
	for i, f := range e.Fields {
		fields[i] = FieldError{Field: prefix + "." + f.Field, Message: f.Message}
	}
	out := Invalid(fields).(*Error)
	return out
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf builds an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any other
// non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err: the *Error's message, or a generic text
// for internal errors, whose details belong in logs only.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// IsNotFound reports whether err carries ENOTFOUND.
func IsNotFound(err error) bool { return ErrorCode(err) == ENOTFOUND }

// IsConflict reports whether err carries ECONFLICT.
func IsConflict(err error) bool { return ErrorCode(err) == ECONFLICT }

// IsPermanent reports whether doing again what returned err cannot succeed until a person
// changes something: an error that says so itself (a method Permanent() bool, as Twilio's
// refusals have: 21211 invalid number, 21617 body too long), or EINVALID (a message or a
// request that breaks the rules), ENOTFOUND (a brand or its credentials are gone) and
// EFORBIDDEN. Everything else is transient and worth retrying later: a throttle, a timeout, a
// network failure, a 5xx, a lost race (ECONFLICT), an unknown error.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	var p interface{ Permanent() bool }
	if errors.As(err, &p) {
		return p.Permanent()
	}
	switch ErrorCode(err) {
	case EINVALID, ENOTFOUND, EFORBIDDEN:
		return true
	}
	return false
}
