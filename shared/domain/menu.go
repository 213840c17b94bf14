package domain

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wabot-platform/wabot/shared/resourcenames"
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

// Validate checks the whole catalog: ids, names, prices, references to categories, and no
// duplicate ids. It reports the first problem with the item's id.
func (m *Menu) Validate() error {
	if err := resourcenames.ValidateID("clientId", m.ClientID); err != nil {
		return Errorf(EINVALID, "%s", err.Error())
	}
	if len(m.Items) > MaxMenuItems {
		return Errorf(EINVALID, "a menu has at most %d items, got %d", MaxMenuItems, len(m.Items))
	}
	cats := map[string]bool{}
	for i := range m.Categories {
		c := &m.Categories[i]
		if err := resourcenames.ValidateID("categoryId", c.CategoryID); err != nil {
			return Errorf(EINVALID, "%s", err.Error())
		}
		if cats[c.CategoryID] {
			return Errorf(EINVALID, "category %q appears twice", c.CategoryID)
		}
		cats[c.CategoryID] = true
		if err := validName("category "+c.CategoryID, &c.Name); err != nil {
			return err
		}
	}
	items := map[string]bool{}
	for i := range m.Items {
		if err := m.Items[i].Validate(); err != nil {
			return err
		}
		it := m.Items[i]
		if items[it.ItemID] {
			return Errorf(EINVALID, "item %q appears twice", it.ItemID)
		}
		items[it.ItemID] = true
		if !cats[it.CategoryID] {
			return Errorf(EINVALID, "item %q: category %q is not on the menu", it.ItemID, it.CategoryID)
		}
	}
	return nil
}

func validName(what string, s *string) error {
	*s = strings.TrimSpace(*s)
	if *s == "" || utf8.RuneCountInString(*s) > maxMenuNameRunes {
		return Errorf(EINVALID, "%s: a name is required (at most %d characters)", what, maxMenuNameRunes)
	}
	return nil
}

func validPrice(what string, cents int64) error {
	if cents < 0 || cents > MaxPriceCents {
		return Errorf(EINVALID, "%s: price %d centavos is out of range (0 to %d)", what, cents, int64(MaxPriceCents))
	}
	return nil
}

// Validate checks one item (not its category reference: see Menu.Validate).
func (it *MenuItem) Validate() error {
	if err := resourcenames.ValidateID("itemId", it.ItemID); err != nil {
		return Errorf(EINVALID, "%s", err.Error())
	}
	what := "item " + it.ItemID
	if err := validName(what, &it.Name); err != nil {
		return err
	}
	if utf8.RuneCountInString(it.Description) > MaxDescription {
		return Errorf(EINVALID, "%s: description is longer than %d characters", what, MaxDescription)
	}
	if len(it.Sizes) == 0 && it.PriceCents <= 0 {
		return Errorf(EINVALID, "%s: a price (or sizes with prices) is required", what)
	}
	if err := validPrice(what, it.PriceCents); err != nil {
		return err
	}
	if len(it.Sizes) > MaxItemSizes || len(it.Options) > MaxItemOptions || len(it.Aliases) > MaxAliases {
		return Errorf(EINVALID, "%s: at most %d sizes, %d options and %d aliases", what, MaxItemSizes, MaxItemOptions, MaxAliases)
	}
	sizes := map[string]bool{}
	for i := range it.Sizes {
		s := &it.Sizes[i]
		if err := resourcenames.ValidateID("sizeId", s.SizeID); err != nil || sizes[s.SizeID] {
			return Errorf(EINVALID, "%s: size ids must be unique lower-case ids, got %q", what, s.SizeID)
		}
		sizes[s.SizeID] = true
		if err := validName(what+" size "+s.SizeID, &s.Name); err != nil {
			return err
		}
		if s.PriceCents <= 0 {
			return Errorf(EINVALID, "%s size %s: a price is required", what, s.SizeID)
		}
		if err := validPrice(what, s.PriceCents); err != nil {
			return err
		}
	}
	opts := map[string]bool{}
	for i := range it.Options {
		o := &it.Options[i]
		if err := resourcenames.ValidateID("optionId", o.OptionID); err != nil || opts[o.OptionID] {
			return Errorf(EINVALID, "%s: option ids must be unique lower-case ids, got %q", what, o.OptionID)
		}
		opts[o.OptionID] = true
		if err := validName(what+" option "+o.OptionID, &o.Name); err != nil {
			return err
		}
		if err := validPrice(what+" option "+o.OptionID, o.PriceDeltaCents); err != nil {
			return err
		}
	}
	for storeID, s := range it.Stores {
		if err := resourcenames.ValidateID("storeId", storeID); err != nil {
			return Errorf(EINVALID, "%s: %s", what, err.Error())
		}
		if err := validPrice(what+" in store "+storeID, s.PriceCents); err != nil {
			return err
		}
		for sizeID, p := range s.SizePrices {
			if !sizes[sizeID] {
				return Errorf(EINVALID, "%s in store %s: size %q does not exist", what, storeID, sizeID)
			}
			if err := validPrice(what+" in store "+storeID, p); err != nil {
				return err
			}
		}
	}
	return nil
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
