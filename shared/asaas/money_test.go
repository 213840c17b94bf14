package asaas_test

import (
	"encoding/json"
	"testing"

	"github.com/wabot-platform/wabot/shared/asaas"
)

func TestCentsMarshal(t *testing.T) {
	t.Parallel()
	for cents, want := range map[asaas.Cents]string{
		5790:      "57.9",
		1:         "0.01",
		10:        "0.1",
		100:       "1",
		0:         "0",
		100000099: "1000000.99",
		-1:        "-0.01",
		-5790:     "-57.9",
		// 0.1 + 0.2 in float64 is 0.30000000000000004: cents never go through a float.
		30: "0.3",
	} {
		b, err := json.Marshal(cents)
		if err != nil || string(b) != want {
			t.Errorf("Marshal(%d) = %s, %v; want %s", cents, b, err, want)
		}
	}
}

func TestCentsUnmarshal(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]asaas.Cents{
		"57.9":       5790,
		"57.90":      5790,
		"57":         5700,
		"0.01":       1,
		"1000000.99": 100000099,
		`"57.9"`:     5790, // a string holding a number
		"1e2":        10000,
		"94.51":      9451,
		"1.995":      200, // more than two decimals: nearest centavo, halves away from zero
		"1.994":      199,
		"-0.005":     -1,
		"0.3":        30,
	} {
		var c asaas.Cents
		if err := json.Unmarshal([]byte(in), &c); err != nil || c != want {
			t.Errorf("Unmarshal(%s) = %d, %v; want %d", in, c, err, want)
		}
	}
	for _, bad := range []string{`"abc"`, `true`, `"1,5"`, `""`} {
		var c asaas.Cents
		if err := json.Unmarshal([]byte(bad), &c); err == nil {
			t.Errorf("Unmarshal(%s) = %d, want an error", bad, c)
		}
	}
	c := asaas.Cents(42)
	if err := json.Unmarshal([]byte("null"), &c); err != nil || c != 42 {
		t.Errorf("Unmarshal(null) = %d, %v; want 42 unchanged", c, err)
	}
}

// Every amount from 0 to 10000.00 reais survives the trip to Asaas's text and back.
func TestCentsRoundTrip(t *testing.T) {
	t.Parallel()
	for c := asaas.Cents(0); c <= 1000000; c += 7 {
		got, err := asaas.ParseReais(c.Reais())
		if err != nil || got != c {
			t.Fatalf("ParseReais(%q) = %d, %v; want %d", c.Reais(), got, err, c)
		}
	}
}
