package conversation

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/notify"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"  Trocar de LOJA!! ": "trocar de loja",
		"São Paulo":           "sao paulo",
		"PARAR.":              "parar",
		"¡Stop! 🛑":            "stop",
		" 2. ":                "2",
		"2)":                  "2",
		"vila-madalena":       "vila madalena",
		"Ação\tçÃO":           "acao cao",
		"":                    "",
		"🍕🍕":                  "",
	} {
		if got := normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in                      string
		optOut, optIn, changeSt bool
	}{
		{"PARAR", true, false, false},
		{"parar!", true, false, false},
		{" Sair ", true, false, false},
		{"STOP", true, false, false},
		{"stop.", true, false, false},
		{"VOLTAR", false, true, false},
		{"Voltar!", false, true, false},
		{"START", false, true, false},
		{"trocar de loja", false, false, true},
		{"Mudar de Loja?", false, false, true},
		{"TROCAR LOJA", false, false, true},
		{"outra loja", false, false, true},
		{"Change store", false, false, true},
		{"switch store!", false, false, true},
		{"change shop", false, false, true},
		// Only the whole message is a command.
		{"não quero parar", false, false, false},
		{"stop sending pizza pics", false, false, false},
		{"quero trocar de loja agora", false, false, false},
		{"parar de pedir", false, false, false},
	}
	for _, tc := range tests {
		s := normalize(tc.in)
		if isOptOut(s) != tc.optOut || isOptIn(s) != tc.optIn || isChangeStore(s) != tc.changeSt {
			t.Errorf("%q: optOut %v optIn %v changeStore %v, want %v %v %v",
				tc.in, isOptOut(s), isOptIn(s), isChangeStore(s), tc.optOut, tc.optIn, tc.changeSt)
		}
	}
}

func TestParseChoice(t *testing.T) {
	t.Parallel()
	stores := demo.Tenants()[0].Stores // centro, paulista
	for in, want := range map[string]string{
		"1": "centro", "2": "paulista", " 2 ": "paulista", "2.": "paulista", "#2": "paulista",
		"paulista": "paulista", "PAULISTA": "paulista", "Paulísta": "paulista", "Centro": "centro",
		"CÊNTRO": "centro", "loja centro": "centro", "a loja Paulista": "paulista",
		"3": "", "0": "", "-1": "centro", "12": "", "pizza": "", "": "", "centro paulista": "",
	} {
		s, ok := parseChoice(normalize(in), stores)
		got := ""
		if ok {
			got = s.StoreID
		}
		if got != want {
			t.Errorf("parseChoice(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every text exists in every language with the same arguments.
func TestCatalogComplete(t *testing.T) {
	t.Parallel()
	for id, versions := range catalog {
		var verbs []int
		for _, lang := range []domain.Language{domain.PtBR, domain.EnUS} {
			f, ok := versions[lang]
			if !ok || strings.TrimSpace(f) == "" {
				t.Errorf("%s has no %s version", id, lang)
				continue
			}
			verbs = append(verbs, strings.Count(f, "%s")+strings.Count(f, "%d"))
			if strings.Contains(f, "%!") || strings.Contains(strings.ToLower(f), "error") {
				t.Errorf("%s/%s reads like an internal error: %q", id, lang, f)
			}
		}
		if len(verbs) == 2 && verbs[0] != verbs[1] {
			t.Errorf("%s: pt-BR takes %d arguments, en-US %d", id, verbs[0], verbs[1])
		}
		if len(versions) != 2 {
			t.Errorf("%s has %d versions, want 2", id, len(versions))
		}
	}
	if got := textIn(nil, domain.Language("fr-FR"), txtNoStore, "X"); !strings.Contains(got, "nenhuma loja") {
		t.Errorf("unknown language falls back to %q, want pt-BR", got)
	}
}

func TestStoreList(t *testing.T) {
	t.Parallel()
	want := "1. Centro — Rua XV de Novembro, 100 - Centro - São Paulo - SP\n" +
		"2. Paulista — Avenida Paulista, 1500 - Bela Vista - São Paulo - SP"
	if got := storeList(demo.Tenants()[0].Stores); got != want {
		t.Errorf("storeList = %q, want %q", got, want)
	}
}

// The step converges: once its mapping change is applied, running it again wants no more
// change and gives the same replies and state. The service writes the mapping first and
// relies on this.
func TestStepConverges(t *testing.T) {
	t.Parallel()
	tn := demo.Tenants()
	pizzaria, burger := tn[0], tn[1]
	now := time.Date(2025, 3, 1, 20, 0, 0, 0, time.UTC)
	phone := "whatsapp:+5511987654321"
	selecting := func() *domain.Conversation {
		return &domain.Conversation{
			ClientID: demo.PizzariaID, PhoneNumber: phone, SessionID: "s1",
			CurrentState: domain.StateStoreSelection,
			Context:      map[string]string{ctxOfferedStores: "centro,paulista"},
		}
	}
	cases := []struct {
		name    string
		client  domain.Client
		stores  []domain.Store
		mapping *domain.PhoneMapping
		conv    func() *domain.Conversation
		body    string
	}{
		{"choice by number", pizzaria.Client, pizzaria.Stores, nil, selecting, "2"},
		{"single store", burger.Client, burger.Stores, nil, func() *domain.Conversation { return nil }, "hi"},
		{"opt-out new", pizzaria.Client, pizzaria.Stores, nil, func() *domain.Conversation { return nil }, "PARAR"},
		{"opt-in", pizzaria.Client, pizzaria.Stores, &domain.PhoneMapping{StoreID: "centro", OptedOut: true}, selecting, "voltar"},
		{"new name", pizzaria.Client, pizzaria.Stores, &domain.PhoneMapping{StoreID: "centro", CustomerName: "Old"}, func() *domain.Conversation { return nil }, "oi"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := 0
			tr := turn{
				client: &tc.client, stores: tc.stores, mapping: tc.mapping, conv: tc.conv(), phone: phone,
				msg: domain.InboundMessage{ClientID: tc.client.ClientID, MessageSid: "SM1", From: phone, Body: tc.body, ProfileName: "Maria"},
				now: now, receivedAt: now,
				newSession: func() string { n++; return fmt.Sprint("s", n+1) },
			}
			first := step(tr)
			if !first.mapping.needed(tc.mapping) {
				t.Fatalf("the first step wants no mapping change")
			}
			m := &domain.PhoneMapping{}
			if tc.mapping != nil {
				cp := *tc.mapping
				m = &cp
			}
			first.mapping.apply(m)
			tr.mapping, tr.conv = m, tc.conv()
			second := step(tr)
			if second.mapping.needed(m) {
				t.Errorf("after applying the change the step still wants %+v", second.mapping)
			}
			if render(first.replies) != render(second.replies) {
				t.Errorf("replies changed: %q (%s) then %q (%s)", first.replies, first.kind, second.replies, second.kind)
			}
			if (first.conv == nil) != (second.conv == nil) ||
				(first.conv != nil && (first.conv.CurrentState != second.conv.CurrentState || first.conv.StoreID != second.conv.StoreID)) {
				t.Errorf("conversation changed between runs: %+v then %+v", first.conv, second.conv)
			}
		})
	}
}

func TestClip(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("🍕", maxStoredBody+5)
	got := clip(long, maxStoredBody)
	if n := len([]rune(got)); n != maxStoredBody || !strings.HasSuffix(got, "…") {
		t.Errorf("clip kept %d runes (%q...)", n, got[:8])
	}
	if clip("oi", maxStoredBody) != "oi" {
		t.Error("clip changed a short body")
	}
}

func render(ms []notify.Message) string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Render())
	}
	return strings.Join(out, "|")
}
