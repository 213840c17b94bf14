package conversation

import (
	"sync"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/ordering"
	"github.com/wabot-platform/wabot/shared/understand"
)

// storeCatalog is a store's menu ready for a turn: what it sells, at its prices, and the
// lexicon that matches customers' words against it.
type storeCatalog struct {
	menu ordering.StoreMenu
	lex  *understand.Lexicon
	// all is every item of the brand, so the bot can tell "not sold here" from "unknown".
	all *understand.Lexicon
}

// catalogs builds storeCatalogs once per menu value: the directory hands out the same *Menu
// until its cache entry expires, so a warm worker builds a store's lexicon once per TTL.
type catalogs struct {
	mu    sync.Mutex
	built map[catalogKey]*storeCatalog
}

type catalogKey struct {
	menu    *domain.Menu
	storeID string
}

func newCatalogs() *catalogs { return &catalogs{built: map[catalogKey]*storeCatalog{}} }

// maxCatalogs bounds the memo; past it, it starts over (old menus are garbage anyway).
const maxCatalogs = 4096

func (cs *catalogs) get(menu *domain.Menu, storeID string) *storeCatalog {
	if menu == nil || len(menu.Items) == 0 {
		return nil
	}
	k := catalogKey{menu, storeID}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if c, ok := cs.built[k]; ok {
		return c
	}
	if len(cs.built) >= maxCatalogs {
		cs.built = map[catalogKey]*storeCatalog{}
	}
	sm := ordering.ForStore(menu, storeID)
	c := &storeCatalog{menu: sm, lex: understand.NewLexicon(lexItems(sm.Items())), all: understand.NewLexicon(lexItems(menu.Items))}
	cs.built[k] = c
	return c
}

func lexItems(items []domain.MenuItem) []understand.Item {
	out := make([]understand.Item, 0, len(items))
	for _, it := range items {
		li := understand.Item{ID: it.ItemID, Names: append([]string{it.Name}, it.Aliases...)}
		for _, s := range it.Sizes {
			li.Sizes = append(li.Sizes, understand.Variant{ID: s.SizeID, Names: []string{s.Name}})
		}
		for _, o := range it.Options {
			li.Options = append(li.Options, understand.Variant{ID: o.OptionID, Names: []string{o.Name}})
		}
		out = append(out, li)
	}
	return out
}
