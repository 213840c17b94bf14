package main

import (
	"math/rand/v2"
	"regexp"
	"strings"

	"github.com/wabot-platform/wabot/shared/dev/demo"
)

// A conversation is a list of steps. A step is one or more messages sent one right after the
// other (several: a burst, the way people type "a calabresa" / "and a coke"), then a wait
// for replies that together contain every expected text (any case) — the same texts the
// golden conversations check (functions/local/testdata/golden).
type step struct {
	Msgs   []string
	Expect []string
	// Confirm marks the order's confirmation: the reply carries the order id, and PIX
	// orders are then paid.
	Confirm bool
	PIX     bool
}

// brand is a demo brand as the customers see it.
type brand struct {
	ClientID   string
	Number     string
	Token      string
	AccountSID string
	Stores     []string
	Pizzeria   bool
}

func demoBrands() []*brand {
	var out []*brand
	for _, t := range demo.Tenants() {
		b := &brand{ClientID: t.Client.ClientID, Number: t.Client.TwilioPhoneNumber, Token: t.Twilio.AuthToken,
			AccountSID: t.Twilio.AccountSID, Pizzeria: t.Client.ClientID == demo.PizzariaID}
		for _, s := range t.Stores {
			b.Stores = append(b.Stores, s.StoreID)
		}
		out = append(out, b)
	}
	return out
}

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

// script draws one conversation of a customer of b: the first one chooses the store when
// the brand has several; later ones start from the menu (the last order is placed).
func script(b *brand, first bool, store string, r *rand.Rand) []step {
	if b.Pizzeria {
		return pizzeria(first, store, r)
	}
	return burger(first, r)
}

func pizzeria(first bool, store string, r *rand.Rand) []step {
	var s []step
	if first {
		s = append(s,
			step{Msgs: []string{pick(r, "Oi, boa noite!", "boa noite", "oi")}, Expect: []string{"De qual loja"}},
			step{Msgs: []string{pick(r, "pode ser a ", "quero pedir da loja ", "") + store}, Expect: []string{"Bem-vindo à Pizzaria Demo"}},
			step{Msgs: []string{pick(r, "quero ver o cardapio", "cardápio", "me manda o cardapio pf")}, Expect: []string{"Cardápio da loja"}},
		)
	} else {
		s = append(s, step{Msgs: []string{pick(r, "boa noite, quero ver o cardapio", "oi, o cardápio por favor")}, Expect: []string{"Cardápio da loja"}})
	}
	if r.IntN(2) == 0 {
		s = append(s, step{Msgs: []string{"1"}, Expect: []string{"*Pizzas*"}})
	}
	switch r.IntN(3) {
	case 0:
		s = append(s, step{Msgs: []string{"me ve uma grande de calabreza com borda", "e uma coca"},
			Expect: []string{"Calabresa (Grande, Borda recheada)", "Coca-Cola 2 L"}})
	case 1:
		s = append(s, step{Msgs: []string{"duas marguerita media"}, Expect: []string{"2x Margherita (Média)"}},
			step{Msgs: []string{"e um guarana"}, Expect: []string{"Guaraná"}})
	default:
		s = append(s, step{Msgs: []string{"uma calabresa media", "e uma margherita grande", "e 2 guaranás"},
			Expect: []string{"Calabresa (Média)", "Margherita (Grande)", "Guaraná"}})
	}
	s = append(s, step{Msgs: []string{pick(r, "pode fechar o pedido?", "fecha ai", "finalizar")}, Expect: []string{"Como você quer receber"}})
	if r.IntN(2) == 0 {
		s = append(s,
			step{Msgs: []string{"entrega"}, Expect: []string{"Qual o endereço"}},
			step{Msgs: []string{pick(r, "Rua Frei Caneca, 1200, ap 31 - Consolação", "Rua Augusta, 500, ap 12, Consolação")}, Expect: []string{"Como você vai pagar"}})
	} else {
		s = append(s, step{Msgs: []string{"vou buscar"}, Expect: []string{"Como você vai pagar"}})
	}
	pix := r.IntN(2) == 0
	if pix {
		s = append(s, step{Msgs: []string{"pix"}, Expect: []string{"Confira seu pedido"}},
			step{Msgs: []string{"sim"}, Expect: []string{"registrado"}, Confirm: true, PIX: true})
	} else {
		s = append(s, step{Msgs: []string{"no cartão de crédito"}, Expect: []string{"Confira seu pedido"}},
			step{Msgs: []string{"sim"}, Expect: []string{"confirmado e enviado para a cozinha"}, Confirm: true})
	}
	return s
}

func burger(first bool, r *rand.Rand) []step {
	var s []step
	if first {
		s = append(s,
			step{Msgs: []string{pick(r, "hey there", "hi!", "hello")}, Expect: []string{"Welcome to Burger Demo"}},
			step{Msgs: []string{pick(r, "can i see the menu please", "menu")}, Expect: []string{"Menu of our Vila Madalena store"}},
		)
	} else {
		s = append(s, step{Msgs: []string{pick(r, "hi again, can i see the menu", "menu please")}, Expect: []string{"Menu of our Vila Madalena store"}})
	}
	switch r.IntN(3) {
	case 0:
		s = append(s, step{Msgs: []string{"2 cheeseburgers with bacon", "and a lemonade"}, Expect: []string{"Cheese Burger (Bacon)", "Lemonade"}})
	case 1:
		s = append(s, step{Msgs: []string{"a classic burger with extra cheese"}, Expect: []string{"Classic Burger (Extra cheese)"}},
			step{Msgs: []string{"and fries"}, Expect: []string{"Fries"}})
	default:
		s = append(s, step{Msgs: []string{"1 veggie burger", "onion rings", "and a coke"}, Expect: []string{"Veggie Burger", "Onion Rings", "Coke"}})
	}
	s = append(s, step{Msgs: []string{pick(r, "that's all, checkout", "checkout")}, Expect: []string{"How would you like to get your order?"}})
	if r.IntN(2) == 0 {
		s = append(s,
			step{Msgs: []string{"deliver it please"}, Expect: []string{"What's the delivery address?"}},
			step{Msgs: []string{"Rua Harmonia 123 apt 4, Vila Madalena"}, Expect: []string{"How will you pay?"}})
	} else {
		s = append(s, step{Msgs: []string{"pickup"}, Expect: []string{"How will you pay?"}})
	}
	switch r.IntN(3) {
	case 0:
		s = append(s, step{Msgs: []string{"pix"}, Expect: []string{"Please check your order"}},
			step{Msgs: []string{"yes"}, Expect: []string{"is registered"}, Confirm: true, PIX: true})
	case 1:
		s = append(s, step{Msgs: []string{"credit card"}, Expect: []string{"Please check your order"}},
			step{Msgs: []string{"yes"}, Expect: []string{"is confirmed and on its way"}, Confirm: true})
	default:
		s = append(s, step{Msgs: []string{"debit card"}, Expect: []string{"Please check your order"}},
			step{Msgs: []string{"yes"}, Expect: []string{"is confirmed and on its way"}, Confirm: true})
	}
	return s
}

// Texts of the engine the checks recognise (shared/conversation/texts.go).
var (
	// paymentConfirmed is the notification sent when a PIX payment is confirmed.
	paymentConfirmed = regexp.MustCompile(`(?:Pagamento recebido|Payment received)! (?:Seu pedido|Your order) #([A-Za-z0-9]+)`)
	// sentToKitchen is a card order's confirmation: the order went to the store's POS.
	sentToKitchen = regexp.MustCompile(`(?:Pedido|Order) #([A-Za-z0-9]+) (?:confirmado e enviado para a cozinha|is confirmed and on its way)`)
	// placedPIX is a PIX order's confirmation: it waits for its payment.
	placedPIX = regexp.MustCompile(`(?:Pedido|Order) #([A-Za-z0-9]+) (?:registrado|is registered)`)
)

// containsAll reports whether text has every one of want, ignoring case.
func containsAll(text string, want []string) bool {
	t := strings.ToLower(text)
	for _, w := range want {
		if !strings.Contains(t, strings.ToLower(w)) {
			return false
		}
	}
	return true
}
