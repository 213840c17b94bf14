package notify_test

import (
	"testing"

	"fmt"
	"github.com/wabot-platform/wabot/shared/notify"
	"slices"
	"strings"
	"unicode/utf16"
)

func TestRender(t *testing.T) {
	t.Parallel()
	cases := []struct {
		m    notify.Message
		want string
	}{
		{notify.Text("oi"), "oi"},
		{notify.List("Escolha:", []string{"Pizzas", "Bebidas"}, "Responda com o número."), "Escolha:\n1. Pizzas\n2. Bebidas\n\nResponda com o número."},
		{notify.List("", []string{"a"}, ""), "1. a"},
		{notify.Message{Text: "x", Footer: "y"}, "x\n\ny"},
	}
	for _, tc := range cases {
		if got := tc.m.Render(); got != tc.want {
			t.Errorf("Render() = %q, want %q", got, tc.want)
		}
	}
	if got := notify.Combine([]notify.Message{notify.Text("a"), {}, notify.List("b", []string{"c"}, "")}).Render(); got != "a\n\nb\n1. c" {
		t.Errorf("Combine = %q", got)
	}
	if !(notify.Message{}).IsZero() || notify.Text("a").IsZero() || !(notify.Message{ContentSID: "HX1"}.IsZero() == false) {
		t.Error("IsZero")
	}
}

// utf16Len counts as Twilio does, independently of the package.
func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

func TestPartsFitTwilio(t *testing.T) {
	var opts []string
	for i := range 150 {
		opts = append(opts, fmt.Sprintf("Pizza especial da casa número %d — R$ 49,90 🍕", i+1))
	}
	m := notify.List("Nosso cardápio:", opts, "Responda com o número.")
	whole := m.Render()
	if utf16Len(whole) <= notify.MaxBodyChars {
		t.Fatalf("test premise: the list should be longer than a message (%d)", utf16Len(whole))
	}
	parts := notify.Parts(m)
	if len(parts) < 2 {
		t.Fatalf("%d parts", len(parts))
	}
	var lines []string
	for i, p := range parts {
		body := p.Render()
		if n := utf16Len(body); n > notify.MaxBodyChars || n == 0 {
			t.Errorf("part %d has %d UTF-16 units", i, n)
		}
		lines = append(lines, strings.Split(body, "\n")...)
	}
	// Nothing lost, nothing cut inside an option, in order.
	if got := strings.Join(lines, "\n"); strings.ReplaceAll(got, "\n\n", "\n") != strings.ReplaceAll(whole, "\n\n", "\n") {
		t.Errorf("the parts do not add up to the message")
	}
	// A short message is one part, unchanged; a template is never split.
	if p := notify.Parts(notify.Text("Olá!")); len(p) != 1 || p[0].Render() != "Olá!" {
		t.Errorf("short message: %+v", p)
	}
	tpl := notify.Message{ContentSID: "HX123", ContentVariables: map[string]string{"1": strings.Repeat("x", 3000)}}
	if p := notify.Parts(tpl); len(p) != 1 || p[0].ContentSID != "HX123" {
		t.Errorf("template: %+v", p)
	}
}

func TestSplitEdges(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    string
		max  int
		want []string
	}{
		{"fits exactly", "abcd", 4, []string{"abcd"}},
		{"empty", "", 4, []string{""}},
		{"at a space", "ab cd ef", 5, []string{"ab cd", "ef"}},
		{"a line break is preferred to a space", "ab\ncd ef gh", 8, []string{"ab", "cd ef gh"}},
		{"a blank line is preferred to a line break", "ab\n\ncd\nef gh", 10, []string{"ab", "cd\nef gh"}},
		{"a line ending at the cut", "abc\ndef", 3, []string{"abc", "def"}},
		{"one long word", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"emoji count two", "😀😀😀", 4, []string{"😀😀", "😀"}},
		{"never inside a character", "é😀é", 2, []string{"é", "😀", "é"}},
		{"narrower than a character", "😀a", 1, []string{"😀", "a"}},
	} {
		got := notify.Split(tc.s, tc.max)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: Split(%q, %d) = %q, want %q", tc.name, tc.s, tc.max, got, tc.want)
		}
	}
}
