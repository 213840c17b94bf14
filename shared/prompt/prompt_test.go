package prompt_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/prompt"
)

func fields(err error) []string {
	var out []string
	for _, f := range domain.FieldsOf(err) {
		out = append(out, f.Field+": "+f.Message)
	}
	return out
}

func TestValidate(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{
		"",
		prompt.Default,
		"Você é o atendente da {{brand}}, loja {{ store }}. Cardápio:\n{{menu}}",
		`Answer as JSON: {"reply": "..."} for {{brand}}`, // single braces are text
		demo.Tenants()[0].Client.AIPromptTemplate,
		strings.Repeat("x", domain.MaxPromptTemplate),
	} {
		if err := prompt.Validate(ok); err != nil {
			t.Errorf("Validate(%.40q) = %v, want nil", ok, err)
		}
	}
	for tmpl, want := range map[string][]string{
		"Hi {{customer}}":                  {"unknown variable {{customer}} (line 1)"},
		"a\n{{brand}} {{storeName}} {{x}}": {"{{storeName}} (line 2)", "{{x}} (line 2)"},
		"{{brand}":                         {"a {{ that is not closed with }} (line 1)"},
		"{{brand {{store}}":                {"a {{ that is not closed"},
		"menu}} here":                      {"a }} that no {{ opens (line 1)"},
		strings.Repeat("é", domain.MaxPromptTemplate+1): {"more than 8000"},
	} {
		err := prompt.Validate(tmpl)
		if domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("Validate(%.30q) = %v, want EINVALID", tmpl, err)
			continue
		}
		got := fields(err)
		if len(got) != len(want) {
			t.Errorf("Validate(%.30q) names %q, want %d problems like %q", tmpl, got, len(want), want)
			continue
		}
		for i, w := range want {
			if !strings.HasPrefix(got[i], prompt.Field+": ") || !strings.Contains(got[i], w) {
				t.Errorf("Validate(%.30q) problem %d = %q, want aiPromptTemplate and %q", tmpl, i, got[i], w)
			}
		}
	}
}

// Variables lists exactly what Render fills, each described.
func TestVariablesAreDocumentedAndRendered(t *testing.T) {
	t.Parallel()
	vars := prompt.Variables()
	want := []string{"brand", "store", "storeAddress", "hours", "language", "menu", "paymentMethods", "delivery", "now"}
	var names []string
	for _, v := range vars {
		names = append(names, v.Name)
		if strings.TrimSpace(v.Description) == "" {
			t.Errorf("{{%s}} has no description", v.Name)
		}
		got, err := prompt.Render("<{{"+v.Name+"}}>", prompt.Data{
			Brand: "b", Store: "s", StoreAddress: "a", Hours: "h", Language: "l", Menu: "m", PaymentMethods: "p", Delivery: "d", Now: "n",
		})
		if err != nil || got == "<>" || strings.Contains(got, "{{") {
			t.Errorf("Render({{%s}}) = %q, %v", v.Name, got, err)
		}
	}
	if !slices.Equal(names, want) {
		t.Errorf("variables %q, want %q", names, want)
	}
}

func TestRender(t *testing.T) {
	t.Parallel()
	got, err := prompt.Render("{{brand}} / {{ store }} / {{brand}} {x}", prompt.Data{Brand: "Pizzaria", Store: "Centro"})
	if err != nil || got != "Pizzaria / Centro / Pizzaria {x}" {
		t.Errorf("Render = %q, %v", got, err)
	}
	if _, err := prompt.Render("{{nope}}", prompt.Data{}); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("Render of an invalid template = %v, want EINVALID", err)
	}
	def, err := prompt.Render("", prompt.Data{Brand: "Pizzaria"})
	if err != nil || !strings.Contains(def, "assistant of Pizzaria") {
		t.Errorf("Render(\"\") = %q, %v; want the default template", def, err)
	}
	c := demo.Tenants()[0].Client
	if prompt.Template(&c) != c.AIPromptTemplate {
		t.Error("Template ignores the brand's template")
	}
	c.AIPromptTemplate = "  "
	if prompt.Template(&c) != prompt.Default || prompt.Template(nil) != prompt.Default {
		t.Error("Template of a brand without one is not Default")
	}
}

// DataFor: the store's menu at its prices (sizes, a store override, an item it does not
// sell left out), hours, payment and delivery in the conversation's language.
func TestDataFor(t *testing.T) {
	t.Parallel()
	pizzaria := demo.Tenants()[0]
	menu := pizzaria.Menu
	// Paulista sells the Calabresa Grande for R$ 55,00 and the Coca for R$ 15,00.
	for i := range menu.Items {
		switch menu.Items[i].ItemID {
		case "calabresa":
			menu.Items[i].Stores = map[string]domain.StoreItem{"paulista": {SizePrices: map[string]int64{"grande": 5500}}}
		case "coca":
			menu.Items[i].Stores = map[string]domain.StoreItem{"paulista": {PriceCents: 1500}}
		}
	}
	paulista := pizzaria.Stores[1]
	now := time.Date(2025, 3, 7, 23, 15, 0, 0, time.UTC) // Friday 20:15 in São Paulo
	d := prompt.DataFor(&pizzaria.Client, &paulista, &menu, domain.PtBR, now)

	wantMenu := "Pizzas:\n" +
		"- Calabresa — Média R$ 42,00 · Grande R$ 55,00 (adicionais: Borda recheada +R$ 8,00)\n" +
		"- Margherita — Média R$ 40,00 · Grande R$ 50,00 (adicionais: Borda recheada +R$ 8,00)\n" +
		"Bebidas:\n" +
		"- Coca-Cola 2 L — R$ 15,00\n" +
		"- Guaraná 2 L — R$ 12,00"
	if d.Menu != wantMenu {
		t.Errorf("menu at Paulista:\n%s\nwant:\n%s", d.Menu, wantMenu)
	}
	for got, want := range map[string]string{
		d.Brand:          "Pizzaria Demo",
		d.Store:          "Paulista",
		d.StoreAddress:   "Avenida Paulista, 1500 - Bela Vista - São Paulo - SP",
		d.Language:       "português do Brasil (pt-BR)",
		d.PaymentMethods: "PIX, cartão de crédito",
		d.Delivery:       "Entrega: taxa R$ 7,99, grátis acima de R$ 120,00, pedido mínimo R$ 30,00, cerca de 45 min, até 5 km. Retirada na loja: sim.",
		d.Now:            "sexta-feira, 07/03/2025 20:15",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	if !strings.HasPrefix(d.Hours, "segunda 18:00–23:30; ") || !strings.Contains(d.Hours, "sexta 18:00–01:00") {
		t.Errorf("hours = %q", d.Hours)
	}
	// Centro sells the Quatro Queijos, at the brand's prices.
	centro := pizzaria.Stores[0]
	if d := prompt.DataFor(&pizzaria.Client, &centro, &menu, domain.PtBR, now); !strings.Contains(d.Menu, "- Quatro Queijos — Média R$ 46,00 · Grande R$ 56,00") ||
		!strings.Contains(d.Menu, "Grande R$ 52,00") {
		t.Errorf("menu at Centro:\n%s", d.Menu)
	}

	en := prompt.DataFor(&pizzaria.Client, &paulista, &menu, domain.EnUS, now)
	if en.Language != "English (en-US)" || en.PaymentMethods != "PIX, credit card" || en.Now != "Friday, 2025-03-07 20:15" ||
		!strings.Contains(en.Menu, "(extras: Borda recheada +R$ 8,00)") || !strings.HasPrefix(en.Hours, "Monday 18:00–23:30") {
		t.Errorf("en-US data: %+v", en)
	}
	out, err := prompt.Render(prompt.Default, d)
	if err != nil || !strings.Contains(out, "store Paulista") || !strings.Contains(out, "Coca-Cola 2 L — R$ 15,00") {
		t.Errorf("the default template renders %q, %v", out, err)
	}
}

// A store or a menu of another brand never reaches a prompt.
func TestDataForKeepsTenantsApart(t *testing.T) {
	t.Parallel()
	tn := demo.Tenants()
	pizzaria, burger := tn[0], tn[1]
	d := prompt.DataFor(&pizzaria.Client, &burger.Stores[0], &burger.Menu, domain.PtBR, time.Now())
	for _, v := range []string{d.Store, d.StoreAddress, d.Menu, d.Delivery, d.Hours, d.PaymentMethods} {
		if strings.Contains(v, "Vila Madalena") || strings.Contains(v, "Burger") || strings.Contains(v, "Aspicuelta") {
			t.Errorf("another brand's data leaked: %q", v)
		}
	}
	if d.Store != "(nenhuma loja escolhida ainda)" || d.Menu != "(sem cardápio disponível)" {
		t.Errorf("store %q, menu %q: want them absent", d.Store, d.Menu)
	}
	// No store chosen yet: the brand's menu at its own prices.
	d = prompt.DataFor(&pizzaria.Client, nil, &pizzaria.Menu, domain.PtBR, time.Now())
	if !strings.Contains(d.Menu, "Quatro Queijos — Média R$ 46,00") {
		t.Errorf("brand menu without a store:\n%s", d.Menu)
	}
	if (prompt.DataFor(nil, nil, nil, domain.PtBR, time.Now()) != prompt.Data{}) {
		t.Error("DataFor without a client is not empty")
	}
}

// A huge menu is cut, and says so.
func TestMenuSummaryBounded(t *testing.T) {
	t.Parallel()
	c := demo.Tenants()[0].Client
	m := domain.Menu{ClientID: c.ClientID, Categories: []domain.Category{{CategoryID: "c", Name: "Tudo"}}}
	for i := 0; i < domain.MaxMenuItems; i++ {
		m.Items = append(m.Items, domain.MenuItem{ItemID: "i" + strings.Repeat("x", i%50) + string(rune('a'+i%26)), CategoryID: "c",
			Name: strings.Repeat("Pizza muito especial ", 3), PriceCents: 1000 + int64(i), Available: true})
	}
	d := prompt.DataFor(&c, nil, &m, domain.PtBR, time.Now())
	if n := len([]rune(d.Menu)); n > 12100 || !strings.HasSuffix(d.Menu, "(cardápio cortado: longo demais)") {
		t.Errorf("menu of %d runes, ending %q", n, d.Menu[len(d.Menu)-40:])
	}
}
