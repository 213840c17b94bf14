package notify_test

import (
	"testing"

	"github.com/wabot-platform/wabot/shared/notify"
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
