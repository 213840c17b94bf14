package domain

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Menu is a brand's catalog: its categories and items, with per-store availability and
// prices. Stored in WhatsAppBotMenu under the brand's clientId (tenant-first keys). Money is
// always integer centavos.
type Menu struct {
	ClientID   string     `json:"clientId"`
	Categories []Category `json:"categories"`
	Items      []MenuItem `json:"items"`
	UpdatedAt  time.Time  `json:"updatedAt"`
}

// Category groups items on the menu; Sort orders categories (then their id).
type Category struct {
	CategoryID string `dynamodbav:"categoryId" json:"categoryId"`
	Name       string `dynamodbav:"name" json:"name"`
	Sort       int    `dynamodbav:"sort" json:"sort"`
}

// MenuItem is one dish or drink. An item with Sizes is priced by its size (the customer
// picks exactly one; PriceCents is then unused); without sizes it costs PriceCents. Options
// are extras with a price delta, any number of them per line.
type MenuItem struct {
	ItemID      string       `dynamodbav:"itemId" json:"itemId"`
	CategoryID  string       `dynamodbav:"categoryId" json:"categoryId"`
	Name        string       `dynamodbav:"name" json:"name"`
	Description string       `dynamodbav:"description,omitempty" json:"description,omitempty"`
	PriceCents  int64        `dynamodbav:"priceCents" json:"priceCents"`
	Sizes       []ItemSize   `dynamodbav:"sizes,omitempty" json:"sizes,omitempty"`
	Options     []ItemOption `dynamodbav:"options,omitempty" json:"options,omitempty"`
	// Aliases are other names customers use for the item ("coca", "refri"); matching also
	// tolerates missing accents and small typos, so aliases are for different words only.
	Aliases []string `dynamodbav:"aliases,omitempty" json:"aliases,omitempty"`
	// Available false hides the item in every store.
	Available bool `dynamodbav:"available" json:"available"`
	// Stores overrides availability and price per storeId.
	Stores map[string]StoreItem `dynamodbav:"stores,omitempty" json:"stores,omitempty"`
	Sort   int                  `dynamodbav:"sort" json:"sort"`
}

// ItemSize is a size of an item with its own full price ("grande" R$ 52,00).
type ItemSize struct {
	SizeID     string `dynamodbav:"sizeId" json:"sizeId"`
	Name       string `dynamodbav:"name" json:"name"`
	PriceCents int64  `dynamodbav:"priceCents" json:"priceCents"`
}

// ItemOption is an extra with a price delta ("borda recheada" +R$ 8,00).
type ItemOption struct {
	OptionID        string `dynamodbav:"optionId" json:"optionId"`
	Name            string `dynamodbav:"name" json:"name"`
	PriceDeltaCents int64  `dynamodbav:"priceDeltaCents" json:"priceDeltaCents"`
}

// StoreItem is a store's override of an item: unavailable there, or another price. Zero
// prices mean "the brand's price".
type StoreItem struct {
	Unavailable bool             `dynamodbav:"unavailable,omitempty" json:"unavailable,omitempty"`
	PriceCents  int64            `dynamodbav:"priceCents,omitempty" json:"priceCents,omitempty"`
	SizePrices  map[string]int64 `dynamodbav:"sizePrices,omitempty" json:"sizePrices,omitempty"`
}

// Menu limits: a WhatsApp list stays readable, an item stays far below DynamoDB's item size.
const (
	MaxMenuItems     = 500
	MaxItemOptions   = 20
	MaxItemSizes     = 10
	MaxDescription   = 500
	MaxPriceCents    = 100_000_00 // R$ 100.000,00: a typo guard, not a business rule
	MaxAliases       = 10
	maxMenuNameRunes = 80
)

// Validate checks the whole catalog and reports every line at fault, in document order (an
// EINVALID error whose Fields are JSON paths into the menu, or nil): the client id, each
// category ("categories[2].categoryId", a duplicate naming where the id first appeared),
// the number of items, then each item: its own problems (MenuItem.Validate, under
// "items[i]"), an id that appears twice ("items[7].itemId") and a category that is not on
// the menu ("items[3].categoryId"). At most MaxFieldErrors are listed, then one entry says
// how many more there are. Names are trimmed in place.
func (m *Menu) Validate() error {
	var p problems
	p.id("clientId", "clientId", m.ClientID)
	cats := map[string]int{}
	for i := range m.Categories {
		c := &m.Categories[i]
		field := fmt.Sprintf("categories[%d]", i)
		if p.id(field+".categoryId", "categoryId", c.CategoryID) {
			if msg := duplicate(cats, "categories", c.CategoryID, i); msg != "" {
				p.add(field+".categoryId", "%s", msg)
			}
		}
		if msg := nameProblem(&c.Name); msg != "" {
			p.add(field+".name", "%s", msg)
		}
	}
	if len(m.Items) > MaxMenuItems {
		p.add("items", "a menu has at most %d items, got %d", MaxMenuItems, len(m.Items))
	}
	items := map[string]int{}
	for i := range m.Items {
		it := &m.Items[i]
		fields := it.problems()
		if idProblem("itemId", it.ItemID) == "" {
			if msg := duplicate(items, "items", it.ItemID, i); msg != "" {
				fields = append(fields, FieldError{Field: "itemId", Message: msg})
			}
		}
		if _, ok := cats[it.CategoryID]; !ok && idProblem("categoryId", it.CategoryID) == "" {
			fields = append(fields, FieldError{Field: "categoryId", Message: fmt.Sprintf("%q is not a category of the menu", it.CategoryID)})
		}
		// The item's fields in its own order: the id and the category first.
		slices.SortStableFunc(fields, func(a, b FieldError) int { return itemFieldRank(a.Field) - itemFieldRank(b.Field) })
		p.addAll(FieldsOf(Prefixed(fmt.Sprintf("items[%d]", i), Invalid(fields))))
	}
	return p.err()
}

func itemFieldRank(field string) int {
	switch field {
	case "itemId":
		return 0
	case "categoryId":
		return 1
	}
	return 2
}

// duplicate records that id is at index i of list, and says so when seen had it already
// ("" the first time): `"x" appears twice (first at items[2])`.
func duplicate(seen map[string]int, list, id string, i int) string {
	if first, dup := seen[id]; dup {
		return fmt.Sprintf("%q appears twice (first at %s[%d])", id, list, first)
	}
	seen[id] = i
	return ""
}

// nameProblem trims a name in place and says what is wrong with it ("" when nothing is).
func nameProblem(s *string) string {
	*s = strings.TrimSpace(*s)
	if *s == "" || utf8.RuneCountInString(*s) > maxMenuNameRunes {
		return fmt.Sprintf("is required, at most %d characters", maxMenuNameRunes)
	}
	return ""
}

// priceProblem says what is wrong with an amount of money ("" when nothing is): negative,
// or above MaxPriceCents.
func priceProblem(cents int64) string {
	switch {
	case cents < 0:
		return "must not be negative"
	case cents > MaxPriceCents:
		return fmt.Sprintf("must be at most %d centavos (R$ %d,%02d)", int64(MaxPriceCents), MaxPriceCents/100, MaxPriceCents%100)
	}
	return ""
}

// Validate checks one item and reports every field at fault, named relative to the item
// ("priceCents", "sizes[1].priceCents", "stores.centro.sizePrices.grande"), so a route that
// takes one item reports them as they are and Menu.Validate puts them under "items[i]". It
// checks the category id's form, not that the category exists: see Menu.Validate. Names and
// aliases are trimmed in place.
func (it *MenuItem) Validate() error {
	var p problems
	p.addAll(it.problems())
	return p.err()
}

// problems lists every field of the item at fault, in the item's field order.
func (it *MenuItem) problems() []FieldError {
	var f []FieldError
	add := func(field, format string, args ...any) {
		f = append(f, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if msg := idProblem("itemId", it.ItemID); msg != "" {
		add("itemId", "%s", msg)
	}
	if msg := idProblem("categoryId", it.CategoryID); msg != "" {
		add("categoryId", "%s", msg)
	}
	if msg := nameProblem(&it.Name); msg != "" {
		add("name", "%s", msg)
	}
	if utf8.RuneCountInString(it.Description) > MaxDescription {
		add("description", "is longer than %d characters", MaxDescription)
	}
	switch {
	case it.PriceCents < 0 || it.PriceCents > MaxPriceCents:
		add("priceCents", "%s", priceProblem(it.PriceCents))
	case len(it.Sizes) == 0 && it.PriceCents == 0:
		add("priceCents", "is required for an item without sizes")
	case len(it.Sizes) > 0 && it.PriceCents != 0:
		add("priceCents", "is unused for an item with sizes: price each size and leave priceCents 0")
	}
	if len(it.Sizes) > MaxItemSizes {
		add("sizes", "an item has at most %d sizes, got %d", MaxItemSizes, len(it.Sizes))
	}
	sizes := map[string]int{}
	for i := range it.Sizes {
		s := &it.Sizes[i]
		field := fmt.Sprintf("sizes[%d]", i)
		if msg := idProblem("sizeId", s.SizeID); msg != "" {
			add(field+".sizeId", "%s", msg)
		} else if msg := duplicate(sizes, "sizes", s.SizeID, i); msg != "" {
			add(field+".sizeId", "%s", msg)
		}
		if msg := nameProblem(&s.Name); msg != "" {
			add(field+".name", "%s", msg)
		}
		if s.PriceCents == 0 {
			add(field+".priceCents", "is required")
		} else if msg := priceProblem(s.PriceCents); msg != "" {
			add(field+".priceCents", "%s", msg)
		}
	}
	if len(it.Options) > MaxItemOptions {
		add("options", "an item has at most %d options, got %d", MaxItemOptions, len(it.Options))
	}
	opts := map[string]int{}
	for i := range it.Options {
		o := &it.Options[i]
		field := fmt.Sprintf("options[%d]", i)
		if msg := idProblem("optionId", o.OptionID); msg != "" {
			add(field+".optionId", "%s", msg)
		} else if msg := duplicate(opts, "options", o.OptionID, i); msg != "" {
			add(field+".optionId", "%s", msg)
		}
		if msg := nameProblem(&o.Name); msg != "" {
			add(field+".name", "%s", msg)
		}
		if msg := priceProblem(o.PriceDeltaCents); msg != "" {
			add(field+".priceDeltaCents", "%s", msg)
		}
	}
	if len(it.Aliases) > MaxAliases {
		add("aliases", "an item has at most %d aliases, got %d", MaxAliases, len(it.Aliases))
	}
	for i := range it.Aliases {
		if msg := nameProblem(&it.Aliases[i]); msg != "" {
			add(fmt.Sprintf("aliases[%d]", i), "%s", msg)
		}
	}
	storeIDs := make([]string, 0, len(it.Stores))
	for id := range it.Stores {
		storeIDs = append(storeIDs, id)
	}
	sort.Strings(storeIDs)
	for _, storeID := range storeIDs {
		s := it.Stores[storeID]
		field := "stores." + storeID
		if msg := idProblem("storeId", storeID); msg != "" {
			add(field, "%s", msg)
			continue
		}
		if msg := priceProblem(s.PriceCents); msg != "" {
			add(field+".priceCents", "%s", msg)
		} else if s.PriceCents != 0 && len(it.Sizes) > 0 {
			add(field+".priceCents", "is unused for an item with sizes: use sizePrices")
		}
		sizeIDs := make([]string, 0, len(s.SizePrices))
		for id := range s.SizePrices {
			sizeIDs = append(sizeIDs, id)
		}
		sort.Strings(sizeIDs)
		for _, sizeID := range sizeIDs {
			if _, ok := sizes[sizeID]; !ok {
				add(field+".sizePrices."+sizeID, "%q is not a size of the item", clip(sizeID))
			} else if msg := priceProblem(s.SizePrices[sizeID]); msg != "" {
				add(field+".sizePrices."+sizeID, "%s", msg)
			}
		}
	}
	return f
}

// Size returns the item's size with id, if it has one.
func (it *MenuItem) Size(id string) (ItemSize, bool) {
	for _, s := range it.Sizes {
		if s.SizeID == id {
			return s, true
		}
	}
	return ItemSize{}, false
}

// Option returns the item's option with id, if it has one.
func (it *MenuItem) Option(id string) (ItemOption, bool) {
	for _, o := range it.Options {
		if o.OptionID == id {
			return o, true
		}
	}
	return ItemOption{}, false
}

// AvailableAt reports whether the item can be ordered at storeID.
func (it *MenuItem) AvailableAt(storeID string) bool {
	return it.Available && !it.Stores[storeID].Unavailable
}

// PriceAt is the price of the item (of size sizeID, for an item with sizes) at storeID, with
// the store's override where it has one. ok is false for a size the item does not have.
func (it *MenuItem) PriceAt(storeID, sizeID string) (cents int64, ok bool) {
	over := it.Stores[storeID]
	if len(it.Sizes) == 0 {
		if sizeID != "" {
			return 0, false
		}
		if over.PriceCents > 0 {
			return over.PriceCents, true
		}
		return it.PriceCents, true
	}
	s, found := it.Size(sizeID)
	if !found {
		return 0, false
	}
	if p := over.SizePrices[sizeID]; p > 0 {
		return p, true
	}
	return s.PriceCents, true
}

// MenuRepository stores brands' menus.
type MenuRepository interface {
	// GetMenu returns the brand's whole catalog; a menu with no items (not ENOTFOUND) when
	// the brand has none.
	GetMenu(ctx context.Context, clientID string) (*Menu, error)
	// PutMenu validates m and replaces the brand's catalog with it: items and categories
	// not in m are removed.
	PutMenu(ctx context.Context, m *Menu) error
}
