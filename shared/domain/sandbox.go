package domain

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
)

// The sandbox (the admin's test chat, seed 5.2) runs the real engine for a customer who does
// not exist: each operator talks to a brand from a WhatsApp address of their own, derived from
// their user id, that can never be a real customer's.
//
// The address is +55 00 and nine digits: Brazil's country code followed by area code 00,
// which ANATEL never assigned (area codes run from 11 to 99), so no Brazilian subscriber, and
// hence no customer of a Brazilian restaurant, has such a number; and it is still a valid
// E.164 number, which every part of the platform accepts where a customer's number goes
// (keys, listings, orders). Nothing is ever sent to it: the Twilio messenger and the POS
// publisher refuse a sandbox customer (defence in depth behind the sandbox's own messenger).
const sandboxPrefix = "+5500"

// SandboxNumber is the sandbox customer's WhatsApp address of the operator seed (their user
// id): "whatsapp:+5500" and nine digits of a hash of seed. The same seed always gives the same
// address, so an operator's test conversation carries on between their messages; two
// operators collide with a chance of one in a billion.
func SandboxNumber(seed string) string {
	h := sha256.Sum256([]byte("wabot-sandbox:" + seed))
	n := binary.BigEndian.Uint64(h[:8]) % 1_000_000_000
	return fmt.Sprintf("%s%s%09d", WhatsAppPrefix, sandboxPrefix, n)
}

// IsSandboxNumber reports whether addr (a WhatsApp address or a bare E.164 number) is a
// sandbox customer's: any +55 00 number, whatever its length, since none is a real one.
func IsSandboxNumber(addr string) bool {
	s := strings.TrimSpace(addr)
	if len(s) >= len(WhatsAppPrefix) && strings.EqualFold(s[:len(WhatsAppPrefix)], WhatsAppPrefix) {
		s = s[len(WhatsAppPrefix):]
	}
	return strings.HasPrefix(s, sandboxPrefix)
}
