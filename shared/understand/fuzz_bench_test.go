package understand

import (
	"fmt"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"2 cheese burgers with bacon and a coke", "quero duas calabreza grandes com borda e uma coca",
		"tira a coca", "opção 2", "coca x2", "2x coca", "meia dúzia de cocas", "👍", "kkkkk",
		"não, obrigado", "sem a coca", "um x tudo", "99 cocas", "100 cocas", "cheeseburger",
		"a couple of", "x", "+ + +", "sem", "no", "uma grande", "com borda",
	} {
		f.Add(s)
	}
	lexs := []*Lexicon{pizzaLex, burgerLex, bigLex, nil}
	known := map[string]bool{}
	for _, items := range [][]Item{pizzeria(), burgers(), bigMenu()} {
		for _, it := range items {
			known[it.ID] = true
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, l := range lexs {
			r := l.Parse(s)
			for _, list := range [][]ItemRequest{r.Add, r.Remove} {
				for _, rq := range list {
					if !known[rq.ItemID] {
						t.Fatalf("unknown item id %q from %q", rq.ItemID, s)
					}
					if rq.Quantity < 1 || rq.Quantity > 99 {
						t.Fatalf("quantity %d from %q", rq.Quantity, s)
					}
				}
			}
			for _, a := range r.Ambiguous {
				if len(a.ItemIDs) < 2 || a.Quantity < 1 || a.Quantity > 99 {
					t.Fatalf("bad ambiguity %+v from %q", a, s)
				}
				for _, id := range a.ItemIDs {
					if !known[id] {
						t.Fatalf("unknown item id %q from %q", id, s)
					}
				}
			}
			if r.Number < 0 || r.Number > 99 {
				t.Fatalf("number %d from %q", r.Number, s)
			}
			if r.Number > 0 && (len(r.Add)+len(r.Remove)+len(r.Intents)) > 0 {
				t.Fatalf("number with other content from %q", s)
			}
			seen := map[Intent]bool{}
			for _, in := range r.Intents {
				if seen[in] {
					t.Fatalf("duplicate intent %s from %q", in, s)
				}
				seen[in] = true
			}
		}
	})
}

// bigMenu is a 20-item menu for the benchmark.
func bigMenu() []Item {
	items := append(pizzeria(), burgers()...)
	for i, n := range []string{"Portuguesa", "Frango com Catupiry", "Pepperoni", "Lasanha Bolonhesa",
		"Suco de Laranja", "Água sem gás", "Brownie", "Pudim"} {
		items = append(items, Item{ID: fmt.Sprintf("extra-%d", i), Names: []string{n}, Sizes: sizesMP()})
	}
	return items
}

var bigLex = NewLexicon(bigMenu())

func BenchmarkParse(b *testing.B) {
	msgs := []string{
		"quero duas calabreza grandes com borda e uma coca",
		"2 cheese burgers with bacon and a coke",
		"oi, quero ver o cardapio",
		"tira a coca",
		"sim",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		bigLex.Parse(msgs[i%len(msgs)])
	}
}

func BenchmarkNewLexicon(b *testing.B) {
	items := bigMenu()
	b.ReportAllocs()
	for b.Loop() {
		NewLexicon(items)
	}
}
