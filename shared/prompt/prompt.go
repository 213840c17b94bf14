// Package prompt is a brand's instructions to the language model (domain.Client's
// aiPromptTemplate): a text an operator writes, with variables the platform fills in for each
// conversation from the brand's own data (its name, the customer's store, the menu with
// prices computed by code, hours, delivery, payment).
//
// # Syntax
//
// A variable is its name between double braces: {{store}}, {{ menu }} (spaces inside are
// allowed). Everything else is copied as it is, single braces included ("{", "}" in a JSON
// example are text). A template may use each variable any number of times, or none. Validate
// refuses an unknown variable (naming it), a "{{" that is not closed, a "}}" that was not
// opened, and a template longer than domain.MaxPromptTemplate characters. An empty template
// means Default.
//
// # Isolation
//
// DataFor fills the variables from its arguments only, and leaves out a store or a menu
// of another brand than the client's: a prompt never carries another tenant's data.
package prompt

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/ordering"
)

// Field is the field the errors of Validate and Render name: the client's attribute.
const Field = "aiPromptTemplate"

// Variable is a variable a template may use.
type Variable struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Data is what the variables of a template are filled with (see DataFor).
type Data struct {
	Brand          string
	Store          string
	StoreAddress   string
	Hours          string
	Language       string
	Menu           string
	PaymentMethods string
	Delivery       string
	Now            string
}

// variables are the variables, in the order Variables lists them, with their value.
var variables = []struct {
	Variable
	value func(Data) string
}{
	{Variable{"brand", "the brand's name (\"Pizzaria Demo\")"}, func(d Data) string { return d.Brand }},
	{Variable{"store", "the name of the store the customer orders from"}, func(d Data) string { return d.Store }},
	{Variable{"storeAddress", "the store's address, on one line"}, func(d Data) string { return d.StoreAddress }},
	{Variable{"hours", "the store's opening hours, Monday to Sunday, in its time zone"}, func(d Data) string { return d.Hours }},
	{Variable{"language", "the language to answer in, by name and tag (\"português do Brasil (pt-BR)\")"}, func(d Data) string { return d.Language }},
	{Variable{"menu", "the store's menu: categories, then each item available at the store with its prices there (sizes, extras), one per line"}, func(d Data) string { return d.Menu }},
	{Variable{"paymentMethods", "the payment methods the store takes (\"PIX, cartão de crédito\")"}, func(d Data) string { return d.PaymentMethods }},
	{Variable{"delivery", "delivery and pickup at the store: fee, free-delivery threshold, minimum order, time, radius"}, func(d Data) string { return d.Delivery }},
	{Variable{"now", "the date and time now at the store (\"sexta-feira, 07/03/2025 20:15\")"}, func(d Data) string { return d.Now }},
}

// Variables lists the variables a template may use.
func Variables() []Variable {
	out := make([]Variable, len(variables))
	for i, v := range variables {
		out[i] = v.Variable
	}
	return out
}

func lookup(name string) (func(Data) string, bool) {
	for _, v := range variables {
		if v.Name == name {
			return v.value, true
		}
	}
	return nil, false
}

// Default is the template of a brand that has none. It leaves out {{now}}: the engine gives
// the model the time in the part of the prompt that changes each message, so this part stays
// the same from call to call and Bedrock's prompt cache can serve it (a template that uses
// {{now}} changes every minute and is cached only within that minute).
const Default = `You are the WhatsApp ordering assistant of {{brand}}, a restaurant in Brazil, answering for its store {{store}} ({{storeAddress}}).
Always answer in {{language}}, briefly and kindly, as a person would in a chat.
Talk only about this restaurant: its menu, prices, opening hours, delivery and payment. Never invent items, prices, fees or times: use only what is below, and say you don't know otherwise.
Amounts are computed by the system, not by you, and the customer confirms their order in the chat: never confirm an order yourself.
If the customer wants to talk to a person, tell them to write "atendente".

Opening hours: {{hours}}
Delivery: {{delivery}}
Payment: {{paymentMethods}}

Menu:
{{menu}}`

// Template is the client's template, or Default when it has none.
func Template(c *domain.Client) string {
	if c != nil && strings.TrimSpace(c.AIPromptTemplate) != "" {
		return c.AIPromptTemplate
	}
	return Default
}

// piece is a part of a parsed template: literal text, or a variable.
type piece struct {
	text  string
	value func(Data) string
}

// parse cuts tmpl into pieces and lists what is wrong with it.
func parse(tmpl string) ([]piece, []domain.FieldError) {
	var pieces []piece
	var bad []domain.FieldError
	fail := func(format string, args ...any) {
		bad = append(bad, domain.FieldError{Field: Field, Message: fmt.Sprintf(format, args...)})
	}
	if n := utf8.RuneCountInString(tmpl); n > domain.MaxPromptTemplate {
		fail("the template has %d characters, more than %d", n, domain.MaxPromptTemplate)
		return nil, bad
	}
	rest, off := tmpl, 0
	for rest != "" {
		open, close := strings.Index(rest, "{{"), strings.Index(rest, "}}")
		switch {
		case open < 0 && close < 0:
			pieces = append(pieces, piece{text: rest})
			rest = ""
			continue
		case close >= 0 && (open < 0 || close < open):
			fail("a }} that no {{ opens (line %d)", line(tmpl, off+close))
			pieces = append(pieces, piece{text: rest[:close+2]})
			rest, off = rest[close+2:], off+close+2
			continue
		}
		pieces = append(pieces, piece{text: rest[:open]})
		inner := rest[open+2:]
		end := strings.Index(inner, "}}")
		if next := strings.Index(inner, "{{"); end < 0 || (next >= 0 && next < end) {
			fail("a {{ that is not closed with }} (line %d)", line(tmpl, off+open))
			pieces = append(pieces, piece{text: rest[open : open+2]})
			rest, off = inner, off+open+2
			continue
		}
		name := strings.TrimSpace(inner[:end])
		if value, ok := lookup(name); ok {
			pieces = append(pieces, piece{value: value})
		} else {
			fail("unknown variable {{%s}} (line %d): use %s", name, line(tmpl, off+open), names())
		}
		rest, off = inner[end+2:], off+open+2+end+2
	}
	return pieces, bad
}

// line is the line number of the byte offset at in s.
func line(s string, at int) int { return strings.Count(s[:at], "\n") + 1 }

func names() string {
	var out []string
	for _, v := range variables {
		out = append(out, "{{"+v.Name+"}}")
	}
	return strings.Join(out, ", ")
}

// Validate checks a template (see the package doc): nil, or a domain.Invalid naming
// aiPromptTemplate once per problem. An empty template is valid: it means Default.
func Validate(tmpl string) error {
	_, bad := parse(tmpl)
	return domain.Invalid(bad)
}

// Render fills tmpl's variables with data; an empty tmpl renders Default. An invalid
// template is Validate's error.
func Render(tmpl string, data Data) (string, error) {
	if strings.TrimSpace(tmpl) == "" {
		tmpl = Default
	}
	pieces, bad := parse(tmpl)
	if len(bad) > 0 {
		return "", domain.Invalid(bad)
	}
	var b strings.Builder
	for _, p := range pieces {
		if p.value != nil {
			b.WriteString(p.value(data))
		} else {
			b.WriteString(p.text)
		}
	}
	return b.String(), nil
}

// maxMenuRunes bounds {{menu}}: the prompt goes with every model call. A longer menu is cut
// at a line and says so.
const maxMenuRunes = 12000

// DataFor is the data of a conversation of client's customer with store (nil: none chosen
// yet) in lang at now, from these arguments only: a store or a menu of another brand is left
// out, as if absent. The menu is the store's (ordering.ForStore: only what it sells, at its
// prices); without a store, the brand's prices.
func DataFor(client *domain.Client, store *domain.Store, menu *domain.Menu, lang domain.Language, now time.Time) Data {
	if client == nil {
		return Data{}
	}
	if store != nil && store.ClientID != client.ClientID {
		store = nil
	}
	if menu != nil && menu.ClientID != client.ClientID {
		menu = nil
	}
	if lang != domain.PtBR && lang != domain.EnUS {
		lang = client.DefaultLanguage
	}
	w := wordsFor(lang)
	d := Data{Brand: client.ClientName, Language: w.language}
	storeID := ""
	loc, _ := domain.LoadTimezone(domain.DefaultTimezone)
	if store == nil {
		d.Store, d.StoreAddress, d.Hours, d.PaymentMethods, d.Delivery = w.noStore, w.noStore, w.noStore, w.noStore, w.noStore
	} else {
		storeID = store.StoreID
		if l, err := domain.LoadTimezone(store.Timezone); err == nil && store.Timezone != "" {
			loc = l
		}
		d.Store, d.StoreAddress = store.StoreName, store.Address.String()
		d.Hours = hours(store.OperatingHours, w)
		d.PaymentMethods = payments(store.PaymentMethods, w)
		d.Delivery = delivery(store.DeliveryConfig, w)
	}
	d.Now = w.now(now.In(loc))
	d.Menu = menuSummary(menu, storeID, w)
	return d
}

// menuSummary lists the menu as sold at storeID: "Category:" then "- Item — R$ 40,00" or
// "- Item — Média R$ 42,00 · Grande R$ 52,00", and the item's extras.
func menuSummary(menu *domain.Menu, storeID string, w words) string {
	sm := ordering.ForStore(menu, storeID)
	if sm.Empty() {
		return w.noMenu
	}
	var lines []string
	for _, sec := range sm.Categories {
		lines = append(lines, sec.Category.Name+":")
		for _, it := range sec.Items {
			line := "- " + it.Name + " — " + ordering.Prices(it, storeID)
			if len(it.Options) > 0 {
				var ex []string
				for _, o := range it.Options {
					ex = append(ex, ordering.OptionLabel(o))
				}
				line += " (" + w.extras + ": " + strings.Join(ex, ", ") + ")"
			}
			lines = append(lines, line)
		}
	}
	out, n := "", 0
	for i, l := range lines {
		n += utf8.RuneCountInString(l) + 1
		if n > maxMenuRunes {
			return out + w.cut
		}
		if i > 0 {
			out += "\n"
		}
		out += l
	}
	return out
}

var weekOrder = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

// hours lists the week from Monday: "segunda 18:00–23:30; ...; domingo fechado".
func hours(oh domain.OperatingHours, w words) string {
	var days []string
	for i, d := range weekOrder {
		ranges := append([]domain.TimeRange(nil), oh[d]...)
		sort.Slice(ranges, func(a, b int) bool { return ranges[a].Open < ranges[b].Open })
		var rs []string
		for _, r := range ranges {
			rs = append(rs, r.Open+"–"+r.Close)
		}
		if len(rs) == 0 {
			rs = []string{w.closed}
		}
		days = append(days, w.days[i]+" "+strings.Join(rs, ", "))
	}
	return strings.Join(days, "; ")
}

func payments(ms []domain.PaymentMethod, w words) string {
	var out []string
	for _, m := range ms {
		if l, ok := w.payment[m]; ok {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return w.none
	}
	return strings.Join(out, ", ")
}

func delivery(c domain.DeliveryConfig, w words) string {
	var parts []string
	if c.DeliveryEnabled {
		s := fmt.Sprintf(w.deliveryFee, ordering.FormatBRL(c.DeliveryFeeCents))
		if c.FreeDeliveryAboveCents > 0 {
			s += fmt.Sprintf(w.freeAbove, ordering.FormatBRL(c.FreeDeliveryAboveCents))
		}
		if c.MinimumOrderCents > 0 {
			s += fmt.Sprintf(w.minimum, ordering.FormatBRL(c.MinimumOrderCents))
		}
		if c.EstimatedMinutes > 0 {
			s += fmt.Sprintf(w.minutes, c.EstimatedMinutes)
		}
		if c.DeliveryRadiusKm > 0 {
			s += fmt.Sprintf(w.radius, c.DeliveryRadiusKm)
		}
		parts = append(parts, s)
	} else {
		parts = append(parts, w.noDelivery)
	}
	if c.PickupEnabled {
		parts = append(parts, w.pickup)
	} else {
		parts = append(parts, w.noPickup)
	}
	return strings.Join(parts, ". ") + "."
}

// words are the bits of data written in the conversation's language.
type words struct {
	language, noStore, noMenu, extras, cut, closed, none string
	days                                                 []string
	payment                                              map[domain.PaymentMethod]string
	deliveryFee, freeAbove, minimum, minutes, radius     string
	noDelivery, pickup, noPickup                         string
	now                                                  func(time.Time) string
}

var ptWeekdays = []string{"domingo", "segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado"}

func wordsFor(lang domain.Language) words {
	if lang == domain.EnUS {
		return words{
			language: "English (en-US)", noStore: "(no store chosen yet)", noMenu: "(no menu available)",
			extras: "extras", cut: "\n(menu cut: too long)", closed: "closed", none: "(none)",
			days:        []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"},
			payment:     map[domain.PaymentMethod]string{domain.PaymentPIX: "PIX", domain.PaymentCredit: "credit card", domain.PaymentDebit: "debit card"},
			deliveryFee: "Delivery: fee %s", freeAbove: ", free over %s", minimum: ", minimum order %s",
			minutes: ", about %d min", radius: ", up to %g km", noDelivery: "No delivery",
			pickup: "Pickup at the store: yes", noPickup: "Pickup at the store: no",
			now: func(t time.Time) string { return t.Format("Monday, 2006-01-02 15:04") },
		}
	}
	return words{
		language: "português do Brasil (pt-BR)", noStore: "(nenhuma loja escolhida ainda)", noMenu: "(sem cardápio disponível)",
		extras: "adicionais", cut: "\n(cardápio cortado: longo demais)", closed: "fechado", none: "(nenhum)",
		days:        []string{"segunda", "terça", "quarta", "quinta", "sexta", "sábado", "domingo"},
		payment:     map[domain.PaymentMethod]string{domain.PaymentPIX: "PIX", domain.PaymentCredit: "cartão de crédito", domain.PaymentDebit: "cartão de débito"},
		deliveryFee: "Entrega: taxa %s", freeAbove: ", grátis acima de %s", minimum: ", pedido mínimo %s",
		minutes: ", cerca de %d min", radius: ", até %g km", noDelivery: "Sem entrega",
		pickup: "Retirada na loja: sim", noPickup: "Retirada na loja: não",
		now: func(t time.Time) string { return ptWeekdays[t.Weekday()] + ", " + t.Format("02/01/2006 15:04") },
	}
}
