// Package directory finds brands, their stores and their menus, through one in-memory cache
// with a bounded TTL shared by every path of a function: the webhook finds a brand by the
// number that was called, the conversation engine by its id, with its stores and its menu.
// An operator's change reaches a warm function within the TTL.
package directory

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wabot-platform/wabot/shared/cache"
	"github.com/wabot-platform/wabot/shared/domain"
)

// Cache bounds.
const (
	// DefaultTTL is how long configuration is cached.
	DefaultTTL = 60 * time.Second
	// MaxTTL bounds the TTL, so a deactivated store or brand is never served for long.
	MaxTTL = 10 * time.Minute
	// size bounds each cache; a function serves far fewer brands.
	size = 10000
)

// ClientFinder is what the directory reads brands with; StoreLister and MenuReader are
// optional (a function that never needs stores or menus does not pass them).
type ClientFinder interface {
	GetClient(ctx context.Context, clientID string) (*domain.Client, error)
	FindClientByPhoneNumber(ctx context.Context, number string) (*domain.Client, error)
}

// StoreLister lists a brand's stores.
type StoreLister interface {
	ListStores(ctx context.Context, clientID string) ([]domain.Store, error)
}

// MenuReader reads a brand's menu.
type MenuReader interface {
	GetMenu(ctx context.Context, clientID string) (*domain.Menu, error)
}

// Deps are the directory's sources. Clients is required.
type Deps struct {
	Clients ClientFinder
	Stores  StoreLister
	Menus   MenuReader
	// TTL defaults to DefaultTTL; at most MaxTTL.
	TTL time.Duration
	Now func() time.Time
}

// Directory is safe for concurrent use. Values it returns are shared: read only.
type Directory struct {
	d        Deps
	byNumber *cache.Cache[string, *domain.Client]
	byID     *cache.Cache[string, *domain.Client]
	stores   *cache.Cache[string, []domain.Store]
	menus    *cache.Cache[string, *domain.Menu]
}

// New validates d and returns a directory.
func New(d Deps) (*Directory, error) {
	if d.Clients == nil {
		return nil, errors.New("directory: a client source is required")
	}
	if d.TTL < 0 || d.TTL > MaxTTL {
		return nil, fmt.Errorf("directory: TTL must be between 0 (default %s) and %s, got %s", DefaultTTL, MaxTTL, d.TTL)
	}
	if d.TTL == 0 {
		d.TTL = DefaultTTL
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Directory{
		d:        d,
		byNumber: cache.New[string, *domain.Client](d.TTL, size).WithClock(d.Now),
		byID:     cache.New[string, *domain.Client](d.TTL, size).WithClock(d.Now),
		stores:   cache.New[string, []domain.Store](d.TTL, size).WithClock(d.Now),
		menus:    cache.New[string, *domain.Menu](d.TTL, size).WithClock(d.Now),
	}, nil
}

// TTL is how long the directory keeps what it read.
func (d *Directory) TTL() time.Duration { return d.d.TTL }

// BrandByNumber returns the brand whose WhatsApp number is number; ENOTFOUND (remembered for
// the TTL, so a flood to an unknown number costs one read) when none is.
func (d *Directory) BrandByNumber(ctx context.Context, number string) (*domain.Client, error) {
	return d.byNumber.Get(ctx, number, func(ctx context.Context) (*domain.Client, error) {
		// Platform scope: this lookup is how the tenant is found, before there is one.
		return d.d.Clients.FindClientByPhoneNumber(domain.NewPlatformContext(ctx), number)
	}, cache.Remember(domain.IsNotFound, d.d.TTL))
}

// Brand returns the brand with clientID; ENOTFOUND (remembered for the TTL) when none is.
func (d *Directory) Brand(ctx context.Context, clientID string) (*domain.Client, error) {
	return d.byID.Get(ctx, clientID, func(ctx context.Context) (*domain.Client, error) {
		return d.d.Clients.GetClient(ctx, clientID)
	}, cache.Remember(domain.IsNotFound, d.d.TTL))
}

// Stores returns every store of the brand, inactive ones too (a customer mapped to one is
// told its name), ordered by storeId.
func (d *Directory) Stores(ctx context.Context, clientID string) ([]domain.Store, error) {
	if d.d.Stores == nil {
		return nil, errors.New("directory: built without stores")
	}
	return d.stores.Get(ctx, clientID, func(ctx context.Context) ([]domain.Store, error) {
		return d.d.Stores.ListStores(ctx, clientID)
	}, nil)
}

// Store returns one store of the brand from the cached list; ENOTFOUND when it has none.
func (d *Directory) Store(ctx context.Context, clientID, storeID string) (*domain.Store, error) {
	stores, err := d.Stores(ctx, clientID)
	if err != nil {
		return nil, err
	}
	for i := range stores {
		if stores[i].StoreID == storeID {
			s := stores[i]
			return &s, nil
		}
	}
	return nil, domain.Errorf(domain.ENOTFOUND, "store %q of client %q not found", storeID, clientID)
}

// Menu returns the brand's menu (empty when it has none).
func (d *Directory) Menu(ctx context.Context, clientID string) (*domain.Menu, error) {
	if d.d.Menus == nil {
		return nil, errors.New("directory: built without menus")
	}
	return d.menus.Get(ctx, clientID, func(ctx context.Context) (*domain.Menu, error) {
		return d.d.Menus.GetMenu(ctx, clientID)
	}, nil)
}
