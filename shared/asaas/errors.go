package asaas

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Error is Asaas's refusal of a request: the HTTP status and the errors Asaas listed
// (docs.asaas.com, "HTTP response codes": {"errors":[{"code":"invalid_value","description":
// "..."}]}). A 401 often comes with an empty body; a 404 may too. It names the request (method
// and path, without the query string) and never holds the API key.
type Error struct {
	StatusCode int
	Errors     []ErrorItem
	Method     string
	Path       string
}

// ErrorItem is one of Asaas's errors: a code ("invalid_value", "invalid_cpfCnpj") and a
// description in Portuguese or English, for people.
type ErrorItem struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "asaas: %s %s: HTTP %d", e.Method, e.Path, e.StatusCode)
	for i, it := range e.Errors {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		switch {
		case it.Code != "" && it.Description != "":
			b.WriteString(it.Code + ": " + it.Description)
		default:
			b.WriteString(it.Code + it.Description)
		}
	}
	if len(e.Errors) == 0 {
		if t := http.StatusText(e.StatusCode); t != "" {
			b.WriteString(" " + t)
		}
	}
	return b.String()
}

// Permanent reports whether sending the same request again cannot succeed: a 4xx (a refused
// field, a wrong key, an absent payment), except 408 and 429, which say "later".
func (e *Error) Permanent() bool {
	switch e.StatusCode {
	case http.StatusRequestTimeout, http.StatusTooManyRequests:
		return false
	}
	return e.StatusCode >= 400 && e.StatusCode < 500
}

// HasCode reports whether Asaas listed an error with this code.
func (e *Error) HasCode(code string) bool {
	for _, it := range e.Errors {
		if it.Code == code {
			return true
		}
	}
	return false
}

// newError builds the *Error of a non-2xx answer. A body that is not Asaas's error shape (an
// HTML page from a proxy) is left out rather than quoted: it may be long, and it is not ours.
func newError(method, path string, status int, body []byte, apiKey string) *Error {
	e := &Error{StatusCode: status, Method: method, Path: trimQuery(path)}
	var shape struct {
		Errors []ErrorItem `json:"errors"`
	}
	if json.Unmarshal(body, &shape) == nil {
		for _, it := range shape.Errors {
			it.Code = redact(it.Code, apiKey)
			it.Description = redact(it.Description, apiKey)
			e.Errors = append(e.Errors, it)
		}
	}
	return e
}

// redact removes the API key from a text that came back from Asaas or from the transport.
func redact(s, apiKey string) string {
	if apiKey == "" {
		return s
	}
	return strings.ReplaceAll(s, apiKey, "[api key]")
}

// UnknownOutcomeError is a request that changes something (a POST) whose outcome is unknown:
// it timed out, or the connection broke, after Asaas may have received it, or Asaas answered
// 5xx. It may have been done. Sending it again could do it twice, so the caller first looks
// for what it would have created (Provider.Charge does, by the order's reference). It is
// transient: the work may still be done later.
type UnknownOutcomeError struct {
	Method string
	Path   string
	Err    error
}

func (e *UnknownOutcomeError) Error() string {
	return fmt.Sprintf("asaas: %s %s: outcome unknown (Asaas may have done it): %v", e.Method, e.Path, e.Err)
}

func (e *UnknownOutcomeError) Unwrap() error { return e.Err }

// Permanent is false: an unknown outcome is settled by looking, or by trying again later.
func (e *UnknownOutcomeError) Permanent() bool { return false }

// IsUnknownOutcome reports whether err is (or wraps) an *UnknownOutcomeError.
func IsUnknownOutcome(err error) bool {
	var u *UnknownOutcomeError
	return errors.As(err, &u)
}

// StatusCode returns the HTTP status of the *Error in err's chain, 0 when there is none.
func StatusCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// IsNotFound reports whether Asaas answered 404 (the object does not exist).
func IsNotFound(err error) bool { return StatusCode(err) == http.StatusNotFound }

// IsUnauthorized reports whether Asaas refused the API key (401): absent, wrong, or of the
// other environment (a sandbox key on production, or the reverse).
func IsUnauthorized(err error) bool { return StatusCode(err) == http.StatusUnauthorized }

// IsBadRequest reports whether Asaas refused the request's content (400).
func IsBadRequest(err error) bool { return StatusCode(err) == http.StatusBadRequest }
