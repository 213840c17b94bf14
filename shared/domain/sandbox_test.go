package domain_test

import (
	"strings"
	"testing"

	"github.com/wabot-platform/wabot/shared/domain"
)

// A sandbox number is a valid WhatsApp address that no Brazilian subscriber can have (area
// code 00), stable per seed and distinct between seeds.
func TestSandboxNumber(t *testing.T) {
	t.Parallel()
	a, b := domain.SandboxNumber("user-1"), domain.SandboxNumber("user-2")
	if a != domain.SandboxNumber("user-1") {
		t.Error("the same seed gave two numbers")
	}
	if a == b {
		t.Errorf("two operators share %s", a)
	}
	for _, n := range []string{a, b, domain.SandboxNumber("")} {
		canon, err := domain.ParseWhatsAppAddress(n)
		if err != nil || canon != n {
			t.Errorf("SandboxNumber = %q: not a canonical WhatsApp address (%v)", n, err)
		}
		if !strings.HasPrefix(n, "whatsapp:+5500") || len(n) != len("whatsapp:+5500")+9 {
			t.Errorf("SandboxNumber = %q, want whatsapp:+5500 and nine digits", n)
		}
		if !domain.IsSandboxNumber(n) {
			t.Errorf("IsSandboxNumber(%q) = false", n)
		}
	}
	for addr, want := range map[string]bool{
		"whatsapp:+5500123456789": true,
		"WhatsApp:+5500123":       true,
		"+5500123456789":          true,
		"whatsapp:+5511987654321": false,
		"whatsapp:+14155238886":   false,
		"+5511900000001":          false,
		"":                        false,
		"whatsapp:+550":           false,
	} {
		if got := domain.IsSandboxNumber(addr); got != want {
			t.Errorf("IsSandboxNumber(%q) = %v, want %v", addr, got, want)
		}
	}
}
