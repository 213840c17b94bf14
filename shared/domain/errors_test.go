package domain_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/wabot-platform/wabot/shared/domain"
)

func TestErrorCodeAndMessage(t *testing.T) {
	t.Parallel()
	notFound := domain.Errorf(domain.ENOTFOUND, "store %q not found", "centro")
	tests := []struct {
		name         string
		err          error
		wantCode     string
		wantMessage  string
		wantNotFound bool
		wantConflict bool
	}{
		{name: "nil", err: nil, wantCode: "", wantMessage: ""},
		{name: "domain error", err: notFound, wantCode: domain.ENOTFOUND, wantMessage: `store "centro" not found`, wantNotFound: true},
		{name: "conflict", err: domain.Errorf(domain.ECONFLICT, "version changed"), wantCode: domain.ECONFLICT, wantMessage: "version changed", wantConflict: true},
		{name: "wrapped once", err: fmt.Errorf("get store: %w", notFound), wantCode: domain.ENOTFOUND, wantMessage: `store "centro" not found`, wantNotFound: true},
		{name: "wrapped twice", err: fmt.Errorf("handler: %w", fmt.Errorf("get store: %w", notFound)), wantCode: domain.ENOTFOUND, wantMessage: `store "centro" not found`, wantNotFound: true},
		{name: "joined", err: errors.Join(errors.New("first"), domain.Errorf(domain.EFORBIDDEN, "no")), wantCode: domain.EFORBIDDEN, wantMessage: "no"},
		{name: "plain error", err: errors.New("dial tcp 10.0.0.1:443: secret-token-123"), wantCode: domain.EINTERNAL, wantMessage: "internal error"},
		{name: "plain error wrapped with %v", err: fmt.Errorf("get store: %v", notFound), wantCode: domain.EINTERNAL, wantMessage: "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := domain.ErrorCode(tt.err); got != tt.wantCode {
				t.Errorf("ErrorCode = %q, want %q", got, tt.wantCode)
			}
			if got := domain.ErrorMessage(tt.err); got != tt.wantMessage {
				t.Errorf("ErrorMessage = %q, want %q", got, tt.wantMessage)
			}
			if got := domain.IsNotFound(tt.err); got != tt.wantNotFound {
				t.Errorf("IsNotFound = %v, want %v", got, tt.wantNotFound)
			}
			if got := domain.IsConflict(tt.err); got != tt.wantConflict {
				t.Errorf("IsConflict = %v, want %v", got, tt.wantConflict)
			}
		})
	}
}

func TestErrorMessageDoesNotLeakInternalText(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("query WhatsAppBotClientConfig-prod: %w", errors.New("AccessDenied arn:aws:iam::123456789012"))
	msg := domain.ErrorMessage(err)
	for _, secret := range []string{"WhatsAppBotClientConfig", "AccessDenied", "123456789012"} {
		if strings.Contains(msg, secret) {
			t.Errorf("ErrorMessage = %q leaks %q", msg, secret)
		}
	}
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	err := domain.Errorf(domain.EINVALID, "clientId %q is required", "x")
	if got, want := err.Error(), `invalid: clientId "x" is required`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if err.Code != domain.EINVALID {
		t.Errorf("Code = %q, want %q", err.Code, domain.EINVALID)
	}
	var target *domain.Error
	if !errors.As(fmt.Errorf("wrap: %w", err), &target) || target != err {
		t.Errorf("errors.As did not find the original *Error")
	}
}
