package ordering

import (
	"sort"
	"strings"

	"github.com/wabot-platform/wabot/shared/domain"
)

// StoreMenu is the brand's menu as one store sells it: categories in order, each with the
// items available at the store, and the store's prices.
type StoreMenu struct {
	StoreID    string
	Categories []MenuSection
	// Unavailable are the brand's items the store does not sell now, so the bot can say "not
	// available at this store" instead of "I don't know that".
	Unavailable []domain.MenuItem
}

// MenuSection is one category with its available items.
type MenuSection struct {
	Category domain.Category
	Items    []domain.MenuItem
}

// ForStore resolves menu for storeID: categories ordered by Sort then id, items by Sort then
// name, categories with no available item left out.
func ForStore(menu *domain.Menu, storeID string) StoreMenu {
	sm := StoreMenu{StoreID: storeID}
	if menu == nil {
		return sm
	}
	cats := append([]domain.Category(nil), menu.Categories...)
	sort.SliceStable(cats, func(i, j int) bool {
		if cats[i].Sort != cats[j].Sort {
			return cats[i].Sort < cats[j].Sort
		}
		return cats[i].CategoryID < cats[j].CategoryID
	})
	items := append([]domain.MenuItem(nil), menu.Items...)
	sort.SliceStable(items, func(i, j int) bool {
		if items[i].Sort != items[j].Sort {
			return items[i].Sort < items[j].Sort
		}
		return items[i].Name < items[j].Name
	})
	for _, c := range cats {
		sec := MenuSection{Category: c}
		for _, it := range items {
			if it.CategoryID != c.CategoryID {
				continue
			}
			if it.AvailableAt(storeID) {
				sec.Items = append(sec.Items, it)
			} else {
				sm.Unavailable = append(sm.Unavailable, it)
			}
		}
		if len(sec.Items) > 0 {
			sm.Categories = append(sm.Categories, sec)
		}
	}
	return sm
}

// Item returns the available item with id.
func (sm StoreMenu) Item(id string) (domain.MenuItem, bool) {
	for _, c := range sm.Categories {
		for _, it := range c.Items {
			if it.ItemID == id {
				return it, true
			}
		}
	}
	return domain.MenuItem{}, false
}

// Items returns every available item, in menu order.
func (sm StoreMenu) Items() []domain.MenuItem {
	var out []domain.MenuItem
	for _, c := range sm.Categories {
		out = append(out, c.Items...)
	}
	return out
}

// Empty reports whether the store sells nothing.
func (sm StoreMenu) Empty() bool { return len(sm.Categories) == 0 }

// FromPrice is the lowest price of an item at the store (its smallest size), for menus.
func FromPrice(it domain.MenuItem, storeID string) int64 {
	if len(it.Sizes) == 0 {
		p, _ := it.PriceAt(storeID, "")
		return p
	}
	var low int64 = -1
	for _, s := range it.Sizes {
		if p, ok := it.PriceAt(storeID, s.SizeID); ok && (low < 0 || p < low) {
			low = p
		}
	}
	return low
}

// Prices are an item's prices at the store, as every menu shows them: "R$ 40,00", or each
// size with its own, "Média R$ 42,00 · Grande R$ 52,00".
func Prices(it domain.MenuItem, storeID string) string {
	if len(it.Sizes) == 0 {
		p, _ := it.PriceAt(storeID, "")
		return FormatBRL(p)
	}
	ps := make([]string, 0, len(it.Sizes))
	for _, s := range it.Sizes {
		p, _ := it.PriceAt(storeID, s.SizeID)
		ps = append(ps, s.Name+" "+FormatBRL(p))
	}
	return strings.Join(ps, " · ")
}

// OptionLabel is an extra with its price, as menus show it: "Borda recheada +R$ 8,00".
func OptionLabel(o domain.ItemOption) string {
	return o.Name + " +" + FormatBRL(o.PriceDeltaCents)
}
