package understand

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func sizesMP() []Variant {
	return []Variant{{ID: "media", Names: []string{"Média"}}, {ID: "grande", Names: []string{"Grande"}}}
}

func pizzeria() []Item {
	borda := []Variant{{ID: "borda", Names: []string{"Borda recheada"}}}
	return []Item{
		{ID: "calabresa", Names: []string{"Calabresa"}, Sizes: sizesMP(), Options: borda},
		{ID: "margherita", Names: []string{"Margherita"}, Sizes: sizesMP(), Options: borda},
		{ID: "quatro-queijos", Names: []string{"Quatro Queijos"}, Sizes: sizesMP(), Options: borda},
		{ID: "coca", Names: []string{"Coca-Cola 2 L", "coca", "coca cola", "coke", "refri"}},
		{ID: "guarana", Names: []string{"Guaraná 2 L", "guarana antarctica"}},
	}
}

func burgers() []Item {
	opts := []Variant{{ID: "bacon", Names: []string{"Bacon"}}, {ID: "cheese", Names: []string{"Extra cheese"}}}
	return []Item{
		{ID: "classic", Names: []string{"Classic Burger"}, Options: opts},
		{ID: "cheese", Names: []string{"Cheese Burger"}, Options: opts},
		{ID: "veggie", Names: []string{"Veggie Burger"}, Options: opts},
		{ID: "fries", Names: []string{"Fries", "french fries", "batata frita"}},
		{ID: "onion-rings", Names: []string{"Onion Rings"}},
		{ID: "coke", Names: []string{"Coke", "coca cola", "coca"}},
		{ID: "lemonade", Names: []string{"Lemonade"}},
	}
}

var (
	pizzaLex  = NewLexicon(pizzeria())
	burgerLex = NewLexicon(burgers())
)

// render writes item requests compactly: "calabresa x2 grande +borda; coca x1".
func render(rs []ItemRequest) string {
	parts := make([]string, 0, len(rs))
	for _, r := range rs {
		s := fmt.Sprintf("%s x%d", r.ItemID, r.Quantity)
		if r.SizeID != "" {
			s += " " + r.SizeID
		}
		for _, o := range r.OptionIDs {
			s += " +" + o
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func renderAmb(as []Ambiguity) string {
	parts := make([]string, 0, len(as))
	for _, a := range as {
		parts = append(parts, fmt.Sprintf("%s:%s x%d", a.Words, strings.Join(a.ItemIDs, ","), a.Quantity))
	}
	return strings.Join(parts, "; ")
}

func renderIntents(is []Intent) string {
	parts := make([]string, len(is))
	for i, x := range is {
		parts[i] = string(x)
	}
	return strings.Join(parts, ",")
}

// want is an expected Result in rendered form; "" means empty.
type want struct {
	intents string
	add     string
	remove  string
	amb     string
	number  int
	unknown string // joined with "|"
}

func check(t *testing.T, l *Lexicon, text string, w want) {
	t.Helper()
	r := l.Parse(text)
	got := want{
		intents: renderIntents(r.Intents),
		add:     render(r.Add),
		remove:  render(r.Remove),
		amb:     renderAmb(r.Ambiguous),
		number:  r.Number,
		unknown: strings.Join(r.Unknown, "|"),
	}
	if got != w {
		t.Errorf("Parse(%q)\n got: %+v\nwant: %+v", text, got, w)
	}
}

type tcase struct {
	text string
	want want
}

func runCases(t *testing.T, l *Lexicon, cases []tcase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.text, func(t *testing.T) { check(t, l, c.text, c.want) })
	}
}

func TestPizzeriaOrders(t *testing.T) {
	runCases(t, pizzaLex, []tcase{
		{"uma grande de calabresa com borda", want{add: "calabresa x1 grande +borda"}},
		{"quero duas calabreza grandes com borda e uma coca", want{add: "calabresa x2 grande +borda; coca x1"}},
		{"marguerita media", want{add: "margherita x1 media"}},
		{"uma marguerita média", want{add: "margherita x1 media"}},
		{"Uma MARGHERITA Média!!", want{add: "margherita x1 media"}},
		{"mais uma coca", want{add: "coca x1"}},
		{"me vê uma coca bem gelada", want{add: "coca x1"}},
		{"2x coca", want{add: "coca x2"}},
		{"coca x2", want{add: "coca x2"}},
		{"coca 2x", want{add: "coca x2"}},
		{"2 coca", want{add: "coca x2"}},
		{"3 cocas", want{add: "coca x3"}},
		{"tres cocas", want{add: "coca x3"}},
		{"meia dúzia de cocas", want{add: "coca x6"}},
		{"duas calabresas", want{add: "calabresa x2"}},
		{"calabresas", want{add: "calabresa x1"}},
		{"cocas", want{add: "coca x1"}},
		{"coca-cola", want{add: "coca x1"}},
		{"cocacola", want{add: "coca x1"}},
		{"uma coca cola 2l", want{add: "coca x1"}},
		{"um guaraná", want{add: "guarana x1"}},
		{"guarana antartica", want{add: "guarana x1"}},
		{"um refri", want{add: "coca x1"}},
		{"quatro queijos grande", want{add: "quatro-queijos x1 grande"}},
		{"uma 4 queijos", want{add: "quatro-queijos x1"}},
		{"quatro calabresas", want{add: "calabresa x4"}},
		{"2 quatro queijos médias", want{add: "quatro-queijos x2 media"}},
		{"queria uma pizza de calabresa grande", want{add: "calabresa x1 grande"}},
		{"calabresa + borda", want{add: "calabresa x1 +borda"}},
		{"calabresa + coca", want{add: "calabresa x1; coca x1"}},
		{"uma calabresa, uma margherita e duas cocas", want{add: "calabresa x1; margherita x1; coca x2"}},
		{"uma calabresa\numa coca", want{add: "calabresa x1; coca x1"}},
		{"uma calabresa e uma grande de margherita", want{add: "calabresa x1; margherita x1 grande"}},
		{"calabresa sem borda", want{add: "calabresa x1"}},
		{"uma calabresa sem cebola", want{add: "calabresa x1"}},
		{"quero 2 calabresas grandes e pode fechar", want{intents: "checkout", add: "calabresa x2 grande"}},
		{"quero uma lasanha", want{unknown: "lasanha"}},
		{"quero uma lasanha e uma coca", want{add: "coca x1", unknown: "lasanha"}},
		{"quero uma coca e uma pizza de frango", want{add: "coca x1", unknown: "pizza de frango"}},
		{"tem coca?", want{add: "coca x1"}},
		{"boa noite! vcs tem calabresa?", want{intents: "greeting", add: "calabresa x1"}},
		{"me ve 2 calabresa grande e 1 coca", want{add: "calabresa x2 grande; coca x1"}},
		{"1 calabresa 1 coca", want{add: "calabresa x1; coca x1"}},
		{"calabresa grande, coca", want{add: "calabresa x1 grande; coca x1"}},
		{"uma de calabresa e outra de margherita", want{add: "calabresa x1; margherita x1"}},
		{"quero uma calabresa média e uma marguerita grande com borda", want{add: "calabresa x1 media; margherita x1 grande +borda"}},
		{"oi boa noite, quero uma calabresa grande com borda recheada", want{intents: "greeting", add: "calabresa x1 grande +borda"}},
	})
}

func TestBurgerOrders(t *testing.T) {
	runCases(t, burgerLex, []tcase{
		{"2 cheese burgers with bacon and a coke", want{add: "cheese x2 +bacon; coke x1"}},
		{"1 classic burger and 1 fries", want{add: "classic x1; fries x1"}},
		{"cheeseburger", want{add: "cheese x1"}},
		{"cheese burguer", want{add: "cheese x1"}},
		{"cheesburger", want{add: "cheese x1"}},
		{"2 veggie", want{add: "veggie x2"}},
		{"burger", want{amb: "burger:classic,cheese,veggie x1"}},
		{"quero um burger", want{amb: "burger:classic,cheese,veggie x1"}},
		{"two burgers", want{amb: "burgers:classic,cheese,veggie x2"}},
		{"cheese burger with extra cheese", want{add: "cheese x1 +cheese"}},
		{"classic burger with cheese", want{add: "classic x1 +cheese"}},
		{"classic burger with bacon and cheese", want{add: "classic x1 +bacon +cheese"}},
		{"a classic and a cheese burger", want{add: "classic x1; cheese x1"}},
		{"burgers", want{amb: "burgers:classic,cheese,veggie x1"}},
		{"a couple of cokes", want{add: "coke x2"}},
		{"three lemonades please", want{add: "lemonade x3"}},
		{"one onion rings", want{add: "onion-rings x1"}},
		{"onion rings", want{add: "onion-rings x1"}},
		{"french fries", want{add: "fries x1"}},
		{"batata frita", want{add: "fries x1"}},
		{"batatas fritas", want{add: "fries x1"}},
		{"i'd like a veggie burger with bacon, fries and a lemonade", want{add: "veggie x1 +bacon; fries x1; lemonade x1"}},
		{"can I get 2 classic burgers + bacon", want{add: "classic x2 +bacon"}},
		{"coca", want{add: "coke x1"}},
		{"classic burger no onions", want{add: "classic x1"}},
		{"classic burger without onions", want{add: "classic x1"}},
		{"actually no fries", want{remove: "fries x1"}},
		{"no coke please", want{remove: "coke x1"}},
		{"classic burger no onion rings", want{add: "classic x1", remove: "onion-rings x1"}},
		{"no cartao de credito", want{intents: "pay_credit"}},
		{"how much is it?", want{intents: "cart"}},
		{"classic burger without onion rings", want{add: "classic x1", remove: "onion-rings x1"}},
		{"i want a pizza", want{unknown: "pizza"}},
		{"lemonad", want{add: "lemonade x1"}},
		{"clasic burger", want{add: "classic x1"}},
		{"vegie", want{add: "veggie x1"}},
	})
}

func TestRemovals(t *testing.T) {
	runCases(t, pizzaLex, []tcase{
		{"tira a coca", want{remove: "coca x1"}},
		{"pode tirar a coca", want{remove: "coca x1"}},
		{"cancela a coca", want{remove: "coca x1"}},
		{"retira a coca", want{remove: "coca x1"}},
		{"sem a coca", want{remove: "coca x1"}},
		{"sem cebola", want{}},
		{"não quero mais a coca", want{remove: "coca x1"}},
		{"tira uma coca", want{remove: "coca x1"}},
		{"tira a coca e a calabresa", want{remove: "coca x1; calabresa x1"}},
		{"tira a coca e adiciona um guarana", want{add: "guarana x1", remove: "coca x1"}},
		{"troca a coca por guaraná", want{add: "guarana x1", remove: "coca x1"}},
		{"na verdade, tira a calabresa", want{remove: "calabresa x1"}},
		{"não quero coca", want{remove: "coca x1"}},
		{"cancela", want{intents: "cancel"}},
		{"cancela tudo", want{intents: "cancel"}},
		{"cancelar o pedido", want{intents: "cancel"}},
	})
	runCases(t, burgerLex, []tcase{
		{"remove the fries", want{remove: "fries x1"}},
		{"take out one fries", want{remove: "fries x1"}},
		{"take out 1 fries", want{remove: "fries x1"}},
		{"remove 2 cokes", want{remove: "coke x2"}},
		{"without the coke", want{remove: "coke x1"}},
		{"swap the coke for a lemonade", want{add: "lemonade x1", remove: "coke x1"}},
		{"actually remove the coke", want{remove: "coke x1"}},
		{"forget it", want{intents: "cancel"}},
		{"cancel", want{intents: "cancel"}},
	})
	t.Run("quantity said", func(t *testing.T) {
		if r := burgerLex.Parse("remove the fries"); len(r.Remove) != 1 || r.Remove[0].QuantitySaid {
			t.Errorf("remove the fries: %+v", r.Remove)
		}
		if r := burgerLex.Parse("take out one fries"); len(r.Remove) != 1 || !r.Remove[0].QuantitySaid {
			t.Errorf("take out one fries: %+v", r.Remove)
		}
		if r := pizzaLex.Parse("quero duas calabresas"); !r.Add[0].QuantitySaid || r.Add[0].Words != "calabresas" {
			t.Errorf("duas calabresas: %+v", r.Add)
		}
	})
}

func TestIntents(t *testing.T) {
	runCases(t, pizzaLex, []tcase{
		{"quero ver o cardápio", want{intents: "menu"}},
		{"cardapio", want{intents: "menu"}},
		{"cardapiu", want{intents: "menu"}},
		{"menu", want{intents: "menu"}},
		{"o que tem hoje?", want{intents: "menu"}},
		{"meu carrinho", want{intents: "cart"}},
		{"o que eu pedi?", want{intents: "cart"}},
		{"pode fechar o pedido?", want{intents: "checkout"}},
		{"quanto ta?", want{intents: "cart"}},
		{"quanto ficou tudo", want{intents: "cart"}},
		{"finalizar", want{intents: "checkout"}},
		{"é só isso", want{intents: "checkout"}},
		{"so isso obrigado", want{intents: "checkout,thanks"}},
		{"voltar", want{intents: "back"}},
		{"volta", want{intents: "back"}},
		{"ajuda", want{intents: "help"}},
		{"não entendi", want{intents: "help"}},
		{"como funciona?", want{intents: "help"}},
		{"falar com atendente", want{intents: "human"}},
		{"quero falar com um atendente", want{intents: "human"}},
		{"quero falar com uma pessoa", want{intents: "human"}},
		{"atendente", want{intents: "human"}},
		{"trocar de loja", want{intents: "change_store"}},
		{"queria trocar de loja", want{intents: "change_store"}},
		{"quero mudar de loja", want{intents: "change_store"}},
		{"outra loja", want{intents: "change_store"}},
		{"entrega", want{intents: "delivery"}},
		{"pra entregar", want{intents: "delivery"}},
		{"quero que entregue", want{intents: "delivery"}},
		{"retirar", want{intents: "pickup"}},
		{"vou buscar", want{intents: "pickup"}},
		{"vou retirar na loja", want{intents: "pickup"}},
		{"retirada", want{intents: "pickup"}},
		{"pix", want{intents: "pay_pix"}},
		{"vou pagar no pix", want{intents: "pay_pix"}},
		{"crédito", want{intents: "pay_credit"}},
		{"cartao de credito", want{intents: "pay_credit"}},
		{"no cartão de crédito", want{intents: "pay_credit"}},
		{"cartão", want{intents: "pay_credit"}},
		{"débito", want{intents: "pay_debit"}},
		{"debito", want{intents: "pay_debit"}},
		{"no cartão de débito", want{intents: "pay_debit"}},
		{"oi", want{intents: "greeting"}},
		{"oiii", want{intents: "greeting"}},
		{"olá", want{intents: "greeting"}},
		{"bom dia", want{intents: "greeting"}},
		{"boa noite", want{intents: "greeting"}},
		{"obrigado", want{intents: "thanks"}},
		{"valeu", want{intents: "thanks"}},
		{"limpar carrinho", want{intents: "clear_cart"}},
		{"esvaziar o carrinho", want{intents: "clear_cart"}},
		{"oi, quero ver o cardapio", want{intents: "greeting,menu"}},
		{"bom dia! qual o cardápio de hoje?", want{intents: "greeting,menu"}},
		{"cancela o carrinho", want{intents: "clear_cart"}},
		{"sim, pode fechar", want{intents: "yes,checkout"}},
		{"quero pagar com pix", want{intents: "pay_pix"}},
		{"obrigado, boa noite", want{intents: "thanks,greeting"}},
		{"voltar ao cardápio", want{intents: "back,menu"}},
		{"preciso de ajuda", want{intents: "help"}},
		{"cancela meu pedido", want{intents: "cancel"}},
		{"trocar de loja e ver o cardapio", want{intents: "change_store,menu"}},
	})
	runCases(t, burgerLex, []tcase{
		{"what do you have", want{intents: "menu"}},
		{"can I see my cart", want{intents: "cart"}},
		{"my order so far", want{intents: "cart"}},
		{"checkout", want{intents: "checkout"}},
		{"that's all", want{intents: "checkout"}},
		{"i'm done", want{intents: "checkout"}},
		{"back", want{intents: "back"}},
		{"go back", want{intents: "back"}},
		{"help", want{intents: "help"}},
		{"help me", want{intents: "help"}},
		{"human", want{intents: "human"}},
		{"talk to someone", want{intents: "human"}},
		{"change store", want{intents: "change_store"}},
		{"switch store", want{intents: "change_store"}},
		{"delivery", want{intents: "delivery"}},
		{"deliver", want{intents: "delivery"}},
		{"pickup please", want{intents: "pickup"}},
		{"pick up", want{intents: "pickup"}},
		{"take away", want{intents: "pickup"}},
		{"credit", want{intents: "pay_credit"}},
		{"credit card", want{intents: "pay_credit"}},
		{"card", want{intents: "pay_credit"}},
		{"pay by card", want{intents: "pay_credit"}},
		{"debit", want{intents: "pay_debit"}},
		{"debit card", want{intents: "pay_debit"}},
		{"hi", want{intents: "greeting"}},
		{"hello", want{intents: "greeting"}},
		{"thanks", want{intents: "thanks"}},
		{"clear cart", want{intents: "clear_cart"}},
		{"empty my cart", want{intents: "clear_cart"}},
		{"that's it thanks", want{intents: "checkout,thanks"}},
		{"nevermind", want{intents: "cancel"}},
		{"can you deliver?", want{intents: "delivery"}},
		{"yes, and a coke", want{intents: "yes", add: "coke x1"}},
		{"hey can i get two cheeseburgers and a large fries", want{intents: "greeting", add: "cheese x2; fries x1"}},
		{"I'd like the veggie one with extra bacon", want{add: "veggie x1 +bacon"}},
		{"1 cheese burger, 2 fries, 3 cokes", want{add: "cheese x1; fries x2; coke x3"}},
		{"hi, 2 cokes and that's all", want{intents: "greeting,checkout", add: "coke x2"}},
	})
}

func TestYesNo(t *testing.T) {
	runCases(t, pizzaLex, []tcase{
		{"sim", want{intents: "yes"}},
		{"Sim!", want{intents: "yes"}},
		{"simmm", want{intents: "yes"}},
		{"s", want{intents: "yes"}},
		{"sim pode", want{intents: "yes"}},
		{"pode", want{intents: "yes"}},
		{"pode sim", want{intents: "yes"}},
		{"isso", want{intents: "yes"}},
		{"isso mesmo", want{intents: "yes"}},
		{"confirmo", want{intents: "yes"}},
		{"ok", want{intents: "yes"}},
		{"ok, pode fechar", want{intents: "yes,checkout"}},
		{"sim, e uma coca também", want{intents: "yes", add: "coca x1"}},
		{"não", want{intents: "no"}},
		{"nao", want{intents: "no"}},
		{"n", want{intents: "no"}},
		{"nao obrigado", want{intents: "no"}},
		{"não, obrigado", want{intents: "no"}},
		{"👍", want{intents: "yes"}},
		{"👍🏽", want{intents: "yes"}},
		{"pode ser", want{intents: "yes"}},
	})
	runCases(t, burgerLex, []tcase{
		{"yes", want{intents: "yes"}},
		{"yes please", want{intents: "yes"}},
		{"yep", want{intents: "yes"}},
		{"sure", want{intents: "yes"}},
		{"confirm", want{intents: "yes"}},
		{"no", want{intents: "no"}},
		{"nope", want{intents: "no"}},
		{"no thanks", want{intents: "no"}},
	})
}

func TestNumbers(t *testing.T) {
	runCases(t, pizzaLex, []tcase{
		{"2", want{number: 2}},
		{"2.", want{number: 2}},
		{" 3 ", want{number: 3}},
		{"opção 2", want{number: 2}},
		{"opcao 4", want{number: 4}},
		{"numero 3", want{number: 3}},
		{"número 3", want{number: 3}},
		{"o 2", want{number: 2}},
		{"a 1", want{number: 1}},
		{"nº 5", want{number: 5}},
		{"opção dois", want{number: 2}},
		{"2️⃣", want{number: 2}},
		{"2 por favor", want{number: 2}},
		{"0", want{}},
		{"2 coca", want{add: "coca x2"}},
		{"um", want{}},
	})
	runCases(t, burgerLex, []tcase{
		{"number 2", want{number: 2}},
		{"option 3", want{number: 3}},
		{"2 please", want{number: 2}},
	})
}

func TestNothing(t *testing.T) {
	for _, l := range []*Lexicon{pizzaLex, burgerLex} {
		runCases(t, l, []tcase{
			{"asdkjh", want{}},
			{"kkkkk", want{}},
			{"hahaha", want{}},
			{"", want{}},
			{"   ", want{}},
			{"?!", want{}},
			{"🍕🍕", want{}},
			{"com", want{}},
			{"quero", want{}},
			{"uma", want{}},
			{"de", want{}},
			{"the", want{}},
			{"and", want{}},
			{"with", want{}},
			{"please", want{}},
			{"sem cebola", want{}},
			{"no onions", want{}},
		})
	}
}

// A menu where stop words and near-misses could match wrongly.
func TestNoFalseMatches(t *testing.T) {
	l := NewLexicon([]Item{
		{ID: "cole", Names: []string{"Cole Slaw"}},
		{ID: "coca", Names: []string{"Coca"}},
		{ID: "combo", Names: []string{"Combo da Casa"}},
		{ID: "menu-kids", Names: []string{"Menu Kids"}},
		{ID: "com", Names: []string{"com"}},
		{ID: "xburger", Names: []string{"X-Burger"}},
	})
	runCases(t, l, []tcase{
		{"coca", want{add: "coca x1"}},
		{"cole slaw", want{add: "cole x1"}},
		{"com", want{}},
		{"quero com coca", want{add: "coca x1"}},
		{"da", want{}},
		{"um combo", want{add: "combo x1"}},
		{"menu kids", want{add: "menu-kids x1"}},
		{"menu", want{intents: "menu"}},
		{"2 x burger", want{add: "xburger x2"}},
		{"xburger", want{add: "xburger x1"}},
		{"um x-burger", want{add: "xburger x1"}},
	})
	// Without "coca" on the menu, "coca" is not a typo of "cole".
	l2 := NewLexicon([]Item{{ID: "cole", Names: []string{"Cole Slaw"}}, {ID: "onion-rings", Names: []string{"Anéis de cebola"}}})
	runCases(t, l2, []tcase{
		{"uma coca", want{}},
		{"quero uma coca", want{unknown: "coca"}},
		{"colee slaw", want{add: "cole x1"}},
		{"sem cebola", want{}},
		{"sem os aneis de cebola", want{remove: "onion-rings x1"}},
	})
}

func TestNilAndEmptyLexicon(t *testing.T) {
	var l *Lexicon
	check(t, l, "quero ver o cardápio", want{intents: "menu"})
	check(t, NewLexicon(nil), "2 cocas", want{})
	check(t, NewLexicon(nil), "quero uma coca", want{unknown: "coca"})
	check(t, NewLexicon([]Item{{ID: ""}, {ID: "x-tudo"}}), "um x tudo", want{add: "x-tudo x1"})
}

func TestNormalize(t *testing.T) {
	for in, out := range map[string]string{
		"São Paulo":           "sao paulo",
		"  Trocar de LOJA!! ": "trocar de loja",
		"2.":                  "2",
		"Coca-Cola 2L 👍":      "coca cola 2l",
		"ÇÃO, é":              "cao e",
		"":                    "",
	} {
		if got := Normalize(in); got != out {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, out)
		}
	}
}

func TestConcurrentParse(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				r := pizzaLex.Parse("quero duas calabreza grandes com borda e uma coca")
				if len(r.Add) != 2 {
					t.Error("concurrent parse differs")
					return
				}
			}
		}()
	}
	wg.Wait()
}

// The tokenizer's fast fold must give the same words as Normalize.
func TestTokenizeMatchesNormalize(t *testing.T) {
	for _, s := range []string{"São Paulo", "Média, Guaraná! ação", "Ñandú Öl ÿ Œuvre", "coca🍕cola", "naïve café",
		"ÀÉÎÕÜ çÇ", "日本 ok", "Ǆ ǅ", "e\u0301 a\u0300"} {
		var words []string
		for _, tk := range tokenize(s) {
			words = append(words, tk.text)
		}
		got := strings.Join(words, " ")
		if want := Normalize(s); got != want {
			t.Errorf("tokenize(%q) = %q, Normalize = %q", s, got, want)
		}
	}
}
