package admin

import (
	"slices"

	"github.com/wabot-platform/wabot/shared/domain"
)

// MenuImport is a brand's whole menu: PUT replaces the catalog with it, after validating
// every category and item (all the invalid lines are reported at once, as errors with the
// line's index: "items[12].priceCents").
type MenuImport struct {
	Categories []domain.Category `json:"categories"`
	Items      []domain.MenuItem `json:"items"`
}

// MenuSummary is the result of an import.
type MenuSummary struct {
	Categories int `json:"categories"`
	Items      int `json:"items"`
}

func (c *call) getMenu() (any, error) {
	if _, err := c.brandExists(); err != nil {
		return nil, err
	}
	m, err := c.h.d.Repos.GetMenu(c.ctx, c.clientID)
	if err != nil {
		return nil, err
	}
	if m.Categories == nil {
		m.Categories = []domain.Category{}
	}
	if m.Items == nil {
		m.Items = []domain.MenuItem{}
	}
	return m, nil
}

func (c *call) importMenu() (any, error) {
	var in MenuImport
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if _, err := c.brandExists(); err != nil {
		return nil, err
	}
	return c.replaceMenu("menu.import", &domain.Menu{ClientID: c.clientID, Categories: in.Categories, Items: in.Items})
}

// replaceMenu validates and stores m, auditing the change as counts and ids (a menu is
// large; its previous version is what the audit's before keeps, in the same form).
func (c *call) replaceMenu(action string, m *domain.Menu) (any, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	before, err := c.h.d.Repos.GetMenu(c.ctx, c.clientID)
	if err != nil {
		return nil, err
	}
	if err := c.h.d.Repos.PutMenu(c.ctx, m); err != nil {
		return nil, err
	}
	c.audit(c.ctx, action, "brands/"+c.clientID+"/menu", menuIDs(before), menuIDs(m))
	return MenuSummary{Categories: len(m.Categories), Items: len(m.Items)}, nil
}

func menuIDs(m *domain.Menu) any {
	if m == nil {
		return nil
	}
	cats := make([]string, len(m.Categories))
	for i, x := range m.Categories {
		cats[i] = x.CategoryID
	}
	items := make([]string, len(m.Items))
	for i, x := range m.Items {
		items[i] = x.ItemID
	}
	return map[string]any{"categories": cats, "items": items}
}

// editMenu reads the brand's menu, lets fn change it, and stores it.
func (c *call) editMenu(action string, fn func(m *domain.Menu) error) (*domain.Menu, error) {
	if _, err := c.brandExists(); err != nil {
		return nil, err
	}
	m, err := c.h.d.Repos.GetMenu(c.ctx, c.clientID)
	if err != nil {
		return nil, err
	}
	beforeIDs := menuIDs(m)
	if err := fn(m); err != nil {
		return nil, err
	}
	m.ClientID = c.clientID
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if err := c.h.d.Repos.PutMenu(c.ctx, m); err != nil {
		return nil, err
	}
	c.audit(c.ctx, action, "brands/"+c.clientID+"/menu", beforeIDs, menuIDs(m))
	return m, nil
}

func (c *call) putItem() (any, error) {
	var in domain.MenuItem
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	id := c.param("itemId")
	if in.ItemID == "" {
		in.ItemID = id
	}
	if in.ItemID != id {
		return nil, domain.InvalidField("itemId", "must match the path")
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var stored domain.MenuItem
	_, err := c.editMenu("menu.item.put", func(m *domain.Menu) error {
		if !slices.ContainsFunc(m.Categories, func(x domain.Category) bool { return x.CategoryID == in.CategoryID }) {
			return domain.InvalidField("categoryId", "%q is not a category of the menu", in.CategoryID)
		}
		i := slices.IndexFunc(m.Items, func(x domain.MenuItem) bool { return x.ItemID == id })
		if i < 0 {
			m.Items = append(m.Items, in)
		} else {
			m.Items[i] = in
		}
		stored = in
		return nil
	})
	if err != nil {
		return nil, err
	}
	return stored, nil
}

func (c *call) deleteItem() (any, error) {
	id := c.param("itemId")
	_, err := c.editMenu("menu.item.delete", func(m *domain.Menu) error {
		i := slices.IndexFunc(m.Items, func(x domain.MenuItem) bool { return x.ItemID == id })
		if i < 0 {
			return errNotFound("no such item")
		}
		m.Items = slices.Delete(m.Items, i, i+1)
		return nil
	})
	return nil, err
}

func (c *call) putCategory() (any, error) {
	var in domain.Category
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	id := c.param("categoryId")
	if in.CategoryID == "" {
		in.CategoryID = id
	}
	if in.CategoryID != id {
		return nil, domain.InvalidField("categoryId", "must match the path")
	}
	var stored domain.Category
	_, err := c.editMenu("menu.category.put", func(m *domain.Menu) error {
		i := slices.IndexFunc(m.Categories, func(x domain.Category) bool { return x.CategoryID == id })
		if i < 0 {
			m.Categories = append(m.Categories, in)
			i = len(m.Categories) - 1
		} else {
			m.Categories[i] = in
		}
		stored = m.Categories[i]
		return nil
	})
	if err != nil {
		return nil, err
	}
	return stored, nil
}

func (c *call) deleteCategory() (any, error) {
	id := c.param("categoryId")
	_, err := c.editMenu("menu.category.delete", func(m *domain.Menu) error {
		i := slices.IndexFunc(m.Categories, func(x domain.Category) bool { return x.CategoryID == id })
		if i < 0 {
			return errNotFound("no such category")
		}
		if slices.ContainsFunc(m.Items, func(x domain.MenuItem) bool { return x.CategoryID == id }) {
			return errConflict("the category has items: move or delete them first")
		}
		m.Categories = slices.Delete(m.Categories, i, i+1)
		return nil
	})
	return nil, err
}
