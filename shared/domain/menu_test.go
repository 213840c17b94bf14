package domain_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/wabot-platform/wabot/shared/domain"
)

// validItem is a pizza with two sizes, an option, an alias and store overrides.
func validItem() domain.MenuItem {
	return domain.MenuItem{
		ItemID: "margherita", CategoryID: "pizzas", Name: "Margherita", Description: "Molho, muçarela e manjericão",
		Sizes:   []domain.ItemSize{{SizeID: "media", Name: "Média", PriceCents: 4500}, {SizeID: "grande", Name: "Grande", PriceCents: 5200}},
		Options: []domain.ItemOption{{OptionID: "borda", Name: "Borda recheada", PriceDeltaCents: 800}, {OptionID: "sem-cebola", Name: "Sem cebola"}},
		Aliases: []string{"marguerita"}, Available: true,
		Stores: map[string]domain.StoreItem{"centro": {SizePrices: map[string]int64{"grande": 5500}}, "norte": {Unavailable: true}},
	}
}

// validMenu has two categories, an item with sizes and three without.
func validMenu() domain.Menu {
	return domain.Menu{
		ClientID:   "demo-pizzaria",
		Categories: []domain.Category{{CategoryID: "pizzas", Name: "Pizzas", Sort: 1}, {CategoryID: "bebidas", Name: "Bebidas", Sort: 2}},
		Items: []domain.MenuItem{
			validItem(),
			{ItemID: "calabresa", CategoryID: "pizzas", Name: "Calabresa", PriceCents: 4800, Available: true,
				Stores: map[string]domain.StoreItem{"centro": {PriceCents: 5000}}},
			{ItemID: "coca", CategoryID: "bebidas", Name: "Coca-Cola", PriceCents: 700, Available: true},
			{ItemID: "suco", CategoryID: "bebidas", Name: "Suco", PriceCents: 900},
		},
	}
}

func TestMenuItemValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		modify func(*domain.MenuItem)
		want   []string // the fields named, relative to the item, in order; none: valid
		check  func(*testing.T, domain.MenuItem)
	}{
		{name: "valid", modify: func(*domain.MenuItem) {}},
		{name: "without sizes", modify: func(it *domain.MenuItem) { it.Sizes, it.Stores, it.PriceCents = nil, nil, 3000 }},
		{name: "store price of an item without sizes", modify: func(it *domain.MenuItem) {
			it.Sizes, it.PriceCents = nil, 3000
			it.Stores = map[string]domain.StoreItem{"centro": {PriceCents: 3500}}
		}},
		{name: "free option", modify: func(it *domain.MenuItem) { it.Options[0].PriceDeltaCents = 0 }},
		{name: "price at the typo guard", modify: func(it *domain.MenuItem) { it.Sizes[0].PriceCents = domain.MaxPriceCents }},
		{name: "limits reached", modify: func(it *domain.MenuItem) {
			it.Sizes, it.Options, it.Aliases, it.Stores = nil, nil, nil, nil
			for i := range domain.MaxItemSizes {
				it.Sizes = append(it.Sizes, domain.ItemSize{SizeID: fmt.Sprintf("s%d", i), Name: "S", PriceCents: 100})
			}
			for i := range domain.MaxItemOptions {
				it.Options = append(it.Options, domain.ItemOption{OptionID: fmt.Sprintf("o%d", i), Name: "O"})
			}
			for i := range domain.MaxAliases {
				it.Aliases = append(it.Aliases, fmt.Sprintf("alias %d", i))
			}
		}},
		{
			name: "names and aliases trimmed",
			modify: func(it *domain.MenuItem) {
				it.Name, it.Sizes[0].Name, it.Options[0].Name, it.Aliases[0] = " Margherita ", " Média", "Borda ", " marguerita "
			},
			check: func(t *testing.T, it domain.MenuItem) {
				t.Helper()
				if it.Name != "Margherita" || it.Sizes[0].Name != "Média" || it.Options[0].Name != "Borda" || it.Aliases[0] != "marguerita" {
					t.Errorf("names not trimmed: %q %q %q %q", it.Name, it.Sizes[0].Name, it.Options[0].Name, it.Aliases[0])
				}
			},
		},

		{name: "no id", modify: func(it *domain.MenuItem) { it.ItemID = "" }, want: []string{"itemId"}},
		{name: "upper-case id", modify: func(it *domain.MenuItem) { it.ItemID = "X-Burger" }, want: []string{"itemId"}},
		{name: "no category", modify: func(it *domain.MenuItem) { it.CategoryID = "" }, want: []string{"categoryId"}},
		{name: "bad category id", modify: func(it *domain.MenuItem) { it.CategoryID = "Pizzas!" }, want: []string{"categoryId"}},
		{name: "blank name", modify: func(it *domain.MenuItem) { it.Name = "  " }, want: []string{"name"}},
		{name: "name too long", modify: func(it *domain.MenuItem) { it.Name = strings.Repeat("n", 81) }, want: []string{"name"}},
		{name: "description too long", modify: func(it *domain.MenuItem) {
			it.Description = strings.Repeat("d", domain.MaxDescription+1)
		}, want: []string{"description"}},
		{name: "no price without sizes", modify: func(it *domain.MenuItem) { it.Sizes, it.Stores = nil, nil }, want: []string{"priceCents"}},
		{name: "negative price without sizes", modify: func(it *domain.MenuItem) {
			it.Sizes, it.Stores, it.PriceCents = nil, nil, -100
		}, want: []string{"priceCents"}},
		{name: "negative price with sizes", modify: func(it *domain.MenuItem) { it.PriceCents = -1 }, want: []string{"priceCents"}},
		{name: "a price with sizes is unused", modify: func(it *domain.MenuItem) { it.PriceCents = 4000 }, want: []string{"priceCents"}},
		{name: "price above the typo guard", modify: func(it *domain.MenuItem) {
			it.Sizes, it.Stores, it.PriceCents = nil, nil, domain.MaxPriceCents+1
		}, want: []string{"priceCents"}},
		{name: "too many sizes", modify: func(it *domain.MenuItem) {
			it.Sizes, it.Stores = nil, nil
			for i := range domain.MaxItemSizes + 1 {
				it.Sizes = append(it.Sizes, domain.ItemSize{SizeID: fmt.Sprintf("s%d", i), Name: "S", PriceCents: 100})
			}
		}, want: []string{"sizes"}},
		{name: "bad size id", modify: func(it *domain.MenuItem) { it.Sizes[1].SizeID = "Grande" }, want: []string{
			// The store's price for "grande" now names a size the item does not have.
			"sizes[1].sizeId", "stores.centro.sizePrices.grande",
		}},
		{name: "duplicate size", modify: func(it *domain.MenuItem) { it.Sizes[1].SizeID = "media" }, want: []string{
			"sizes[1].sizeId", "stores.centro.sizePrices.grande",
		}},
		{name: "size without a name", modify: func(it *domain.MenuItem) { it.Sizes[0].Name = "" }, want: []string{"sizes[0].name"}},
		{name: "size without a price", modify: func(it *domain.MenuItem) { it.Sizes[1].PriceCents = 0 }, want: []string{"sizes[1].priceCents"}},
		{name: "size with a negative price", modify: func(it *domain.MenuItem) { it.Sizes[1].PriceCents = -5200 }, want: []string{"sizes[1].priceCents"}},
		{name: "size above the typo guard", modify: func(it *domain.MenuItem) {
			it.Sizes[0].PriceCents = domain.MaxPriceCents + 1
		}, want: []string{"sizes[0].priceCents"}},
		{name: "too many options", modify: func(it *domain.MenuItem) {
			it.Options = nil
			for i := range domain.MaxItemOptions + 1 {
				it.Options = append(it.Options, domain.ItemOption{OptionID: fmt.Sprintf("o%d", i), Name: "O"})
			}
		}, want: []string{"options"}},
		{name: "bad option id", modify: func(it *domain.MenuItem) { it.Options[0].OptionID = "borda recheada" }, want: []string{"options[0].optionId"}},
		{name: "duplicate option", modify: func(it *domain.MenuItem) { it.Options[1].OptionID = "borda" }, want: []string{"options[1].optionId"}},
		{name: "option without a name", modify: func(it *domain.MenuItem) { it.Options[1].Name = " " }, want: []string{"options[1].name"}},
		{name: "negative option", modify: func(it *domain.MenuItem) { it.Options[0].PriceDeltaCents = -1 }, want: []string{"options[0].priceDeltaCents"}},
		{name: "option above the typo guard", modify: func(it *domain.MenuItem) {
			it.Options[0].PriceDeltaCents = domain.MaxPriceCents + 1
		}, want: []string{"options[0].priceDeltaCents"}},
		{name: "too many aliases", modify: func(it *domain.MenuItem) {
			it.Aliases = nil
			for i := range domain.MaxAliases + 1 {
				it.Aliases = append(it.Aliases, fmt.Sprintf("alias %d", i))
			}
		}, want: []string{"aliases"}},
		{name: "blank alias", modify: func(it *domain.MenuItem) { it.Aliases = []string{"pizza", " "} }, want: []string{"aliases[1]"}},
		{name: "alias too long", modify: func(it *domain.MenuItem) { it.Aliases = []string{strings.Repeat("a", 81)} }, want: []string{"aliases[0]"}},
		{name: "bad store id", modify: func(it *domain.MenuItem) {
			it.Stores["Centro"] = domain.StoreItem{Unavailable: true}
		}, want: []string{"stores.Centro"}},
		{name: "negative store price", modify: func(it *domain.MenuItem) {
			it.Sizes, it.PriceCents = nil, 3000
			it.Stores = map[string]domain.StoreItem{"centro": {PriceCents: -1}}
		}, want: []string{"stores.centro.priceCents"}},
		{name: "store price of an item with sizes is unused", modify: func(it *domain.MenuItem) {
			it.Stores["centro"] = domain.StoreItem{PriceCents: 5000}
		}, want: []string{"stores.centro.priceCents"}},
		{name: "store price of an unknown size", modify: func(it *domain.MenuItem) {
			it.Stores["centro"] = domain.StoreItem{SizePrices: map[string]int64{"gigante": 6000}}
		}, want: []string{"stores.centro.sizePrices.gigante"}},
		{name: "store size price negative", modify: func(it *domain.MenuItem) {
			it.Stores["centro"] = domain.StoreItem{SizePrices: map[string]int64{"grande": -1}}
		}, want: []string{"stores.centro.sizePrices.grande"}},
		{name: "store size prices of an item without sizes", modify: func(it *domain.MenuItem) {
			it.Sizes, it.PriceCents = nil, 3000
		}, want: []string{"stores.centro.sizePrices.grande"}},
		{name: "store overrides in the order of their ids", modify: func(it *domain.MenuItem) {
			it.Stores = map[string]domain.StoreItem{
				"sul":    {SizePrices: map[string]int64{"media": -1, "gigante": 1, "broto": 1}},
				"centro": {PriceCents: -1},
				"Norte":  {},
			}
		}, want: []string{
			"stores.Norte", "stores.centro.priceCents",
			"stores.sul.sizePrices.broto", "stores.sul.sizePrices.gigante", "stores.sul.sizePrices.media",
		}},
		{name: "everything wrong at once, in field order", modify: func(it *domain.MenuItem) {
			*it = domain.MenuItem{
				Name: "", PriceCents: -1,
				Sizes:   []domain.ItemSize{{SizeID: "p", Name: "P", PriceCents: -1}, {SizeID: "p", Name: "", PriceCents: 0}},
				Options: []domain.ItemOption{{OptionID: "", Name: "X", PriceDeltaCents: -1}},
				Aliases: []string{""},
				Stores:  map[string]domain.StoreItem{"centro": {SizePrices: map[string]int64{"g": 1}}},
			}
		}, want: []string{
			"itemId", "categoryId", "name", "priceCents",
			"sizes[0].priceCents", "sizes[1].sizeId", "sizes[1].name", "sizes[1].priceCents",
			"options[0].optionId", "options[0].priceDeltaCents", "aliases[0]", "stores.centro.sizePrices.g",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			it := validItem()
			tt.modify(&it)
			checkInvalidFields(t, it.Validate(), tt.want...)
			if tt.check != nil {
				tt.check(t, it)
			}
		})
	}
}

func TestMenuItemValidateMessages(t *testing.T) {
	t.Parallel()
	it := validItem()
	it.Sizes[1].SizeID = "media"
	it.Sizes[0].PriceCents = -4500
	it.Stores["centro"] = domain.StoreItem{SizePrices: map[string]int64{"gigante": 6000}}
	want := []domain.FieldError{
		{Field: "sizes[0].priceCents", Message: "must not be negative"},
		{Field: "sizes[1].sizeId", Message: `"media" appears twice (first at sizes[0])`},
		{Field: "stores.centro.sizePrices.gigante", Message: `"gigante" is not a size of the item`},
	}
	if got := domain.FieldsOf(it.Validate()); !slices.Equal(got, want) {
		t.Errorf("fields = %q\nwant %q", got, want)
	}
}

func TestMenuValidateNamesFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		modify func(*domain.Menu)
		want   []string // the fields named, in order; none: valid
	}{
		{name: "valid", modify: func(*domain.Menu) {}},
		{name: "empty menu", modify: func(m *domain.Menu) { m.Categories, m.Items = nil, nil }},
		{name: "a category without items", modify: func(m *domain.Menu) {
			m.Categories = append(m.Categories, domain.Category{CategoryID: "sobremesas", Name: "Sobremesas"})
		}},
		{name: "as many items as allowed", modify: func(m *domain.Menu) {
			m.Items = nil
			for i := range domain.MaxMenuItems {
				m.Items = append(m.Items, domain.MenuItem{ItemID: fmt.Sprintf("x-%d", i), CategoryID: "pizzas", Name: "X", PriceCents: 1})
			}
		}},

		{name: "bad client id", modify: func(m *domain.Menu) { m.ClientID = "BAD" }, want: []string{"clientId"}},
		{name: "no client id", modify: func(m *domain.Menu) { m.ClientID = "" }, want: []string{"clientId"}},
		{name: "bad category id", modify: func(m *domain.Menu) { m.Categories[1].CategoryID = "Bebidas" }, want: []string{
			// ... and both drinks now name a category that is not on the menu.
			"categories[1].categoryId", "items[2].categoryId", "items[3].categoryId",
		}},
		{name: "duplicate category", modify: func(m *domain.Menu) {
			m.Categories = append(m.Categories, domain.Category{CategoryID: "pizzas", Name: "Pizzas de novo"})
		}, want: []string{"categories[2].categoryId"}},
		{name: "category without a name", modify: func(m *domain.Menu) { m.Categories[0].Name = "" }, want: []string{"categories[0].name"}},
		{name: "too many items", modify: func(m *domain.Menu) {
			for i := range domain.MaxMenuItems {
				m.Items = append(m.Items, domain.MenuItem{ItemID: fmt.Sprintf("x-%d", i), CategoryID: "pizzas", Name: "X", PriceCents: 1})
			}
		}, want: []string{"items"}},
		{name: "duplicate item", modify: func(m *domain.Menu) { m.Items = append(m.Items, m.Items[2]) }, want: []string{"items[4].itemId"}},
		{name: "an item three times", modify: func(m *domain.Menu) { m.Items = append(m.Items, m.Items[1], m.Items[1]) }, want: []string{
			"items[4].itemId", "items[5].itemId",
		}},
		{name: "unknown category", modify: func(m *domain.Menu) { m.Items[2].CategoryID = "sobremesas" }, want: []string{"items[2].categoryId"}},
		{name: "an item's own problem under its index", modify: func(m *domain.Menu) { m.Items[0].Sizes[1].PriceCents = -1 }, want: []string{
			"items[0].sizes[1].priceCents",
		}},
		{name: "a store override under its item", modify: func(m *domain.Menu) {
			m.Items[0].Stores["centro"] = domain.StoreItem{SizePrices: map[string]int64{"gigante": 6000}}
		}, want: []string{"items[0].stores.centro.sizePrices.gigante"}},
		{name: "an invalid item id is not also a duplicate", modify: func(m *domain.Menu) {
			m.Items[1].ItemID, m.Items[2].ItemID = "X", "X"
		}, want: []string{"items[1].itemId", "items[2].itemId"}},
		{name: "an invalid category id is not also unknown", modify: func(m *domain.Menu) { m.Items[1].CategoryID = "" }, want: []string{"items[1].categoryId"}},
		{name: "duplicate and unknown category come first in the item", modify: func(m *domain.Menu) {
			m.Items = append(m.Items, domain.MenuItem{ItemID: "coca", CategoryID: "sobremesas", Name: "", PriceCents: -1})
		}, want: []string{"items[4].itemId", "items[4].categoryId", "items[4].name", "items[4].priceCents"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := validMenu()
			tt.modify(&m)
			checkInvalidFields(t, m.Validate(), tt.want...)
		})
	}
}

// TestMenuValidateReportsEveryBadLine is the bulk import's view: a menu with bad lines all
// over returns all of them, in document order, with their messages.
func TestMenuValidateReportsEveryBadLine(t *testing.T) {
	t.Parallel()
	m := validMenu()
	m.Categories = append(m.Categories, domain.Category{CategoryID: "pizzas", Name: " "})
	m.Items[0].Sizes[1].PriceCents = -5200
	m.Items[1].PriceCents = -4800
	m.Items[2].CategoryID = "refrigerantes"
	m.Items = append(m.Items,
		domain.MenuItem{ItemID: "x-burger", CategoryID: "pizzas", Name: "X-Burger", PriceCents: 3000},
		domain.MenuItem{ItemID: "agua", CategoryID: "bebidas", Name: "Água", Options: []domain.ItemOption{{OptionID: "gelo", Name: "Gelo", PriceDeltaCents: -50}}},
		domain.MenuItem{ItemID: "x-burger", CategoryID: "pizzas", Name: "X-Burger duplo", PriceCents: 3500},
	)
	err := m.Validate()
	want := []domain.FieldError{
		{Field: "categories[2].categoryId", Message: `"pizzas" appears twice (first at categories[0])`},
		{Field: "categories[2].name", Message: "is required, at most 80 characters"},
		{Field: "items[0].sizes[1].priceCents", Message: "must not be negative"},
		{Field: "items[1].priceCents", Message: "must not be negative"},
		{Field: "items[2].categoryId", Message: `"refrigerantes" is not a category of the menu`},
		{Field: "items[5].priceCents", Message: "is required for an item without sizes"},
		{Field: "items[5].options[0].priceDeltaCents", Message: "must not be negative"},
		{Field: "items[6].itemId", Message: `"x-burger" appears twice (first at items[4])`},
	}
	if got := domain.FieldsOf(err); !slices.Equal(got, want) {
		t.Fatalf("fields =\n%q\nwant\n%q", got, want)
	}
	if got, want := domain.ErrorMessage(err), `categories[2].categoryId: "pizzas" appears twice (first at categories[0]) (and 7 more)`; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}

// TestMenuValidateCapsTheList: a menu with more problems than MaxFieldErrors lists that many,
// then one entry about the whole menu with how many more there are.
func TestMenuValidateCapsTheList(t *testing.T) {
	t.Parallel()
	m := domain.Menu{ClientID: "demo-pizzaria", Categories: []domain.Category{{CategoryID: "tudo", Name: "Tudo"}}}
	const bad = domain.MaxFieldErrors + 57
	for i := range bad {
		m.Items = append(m.Items, domain.MenuItem{ItemID: fmt.Sprintf("item-%d", i), CategoryID: "tudo", Name: "Item", PriceCents: -1})
	}
	fields := domain.FieldsOf(m.Validate())
	if len(fields) != domain.MaxFieldErrors+1 {
		t.Fatalf("%d fields, want %d and a last one", len(fields), domain.MaxFieldErrors)
	}
	if fields[0].Field != "items[0].priceCents" {
		t.Errorf("first field = %q, want items[0].priceCents", fields[0].Field)
	}
	if f := fields[domain.MaxFieldErrors-1]; f.Field != fmt.Sprintf("items[%d].priceCents", domain.MaxFieldErrors-1) {
		t.Errorf("last listed field = %q", f.Field)
	}
	last := fields[domain.MaxFieldErrors]
	if want := fmt.Sprintf("%d more errors not listed", bad-domain.MaxFieldErrors); last.Field != "" || last.Message != want {
		t.Errorf("last entry = %+v, want {Field: \"\", Message: %q}", last, want)
	}
}
