package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

func storeEntity(table string) *entity[domain.Store] {
	return &entity[domain.Store]{
		kind:     "store",
		table:    table,
		keyNames: []string{attrClientID, attrStoreID},
		keys:     func(s *domain.Store) []string { return []string{s.ClientID, s.StoreID} },
		fields: func(s *domain.Store) fields {
			return fields{Version: &s.Version, CreatedAt: &s.CreatedAt, UpdatedAt: &s.UpdatedAt}
		},
		validate: (*domain.Store).Validate,
		describe: func(k []string) string { return fmt.Sprintf("store %q of client %q", k[1], k[0]) },
	}
}

// storeKeys validates a store's key; the tenant check comes first in read and update.
func storeKeys(ctx context.Context, clientID, storeID string) ([]string, error) {
	if err := domain.CheckTenant(ctx, clientID); err != nil {
		return nil, err
	}
	if err := resourcenames.ValidateID("storeId", storeID); err != nil {
		return nil, domain.Errorf(domain.EINVALID, "%s", err.Error())
	}
	return []string{clientID, storeID}, nil
}

// GetStore implements domain.StoreRepository.
func (r *Repositories) GetStore(ctx context.Context, clientID, storeID string) (*domain.Store, error) {
	keys, err := storeKeys(ctx, clientID, storeID)
	if err != nil {
		return nil, err
	}
	return read(ctx, r, r.stores, keys)
}

// CreateStore implements domain.StoreRepository. On success s holds what was stored.
func (r *Repositories) CreateStore(ctx context.Context, s *domain.Store) error {
	return create(ctx, r, r.stores, s)
}

// UpdateStore implements domain.StoreRepository.
func (r *Repositories) UpdateStore(ctx context.Context, clientID, storeID string, fn func(*domain.Store) error) (*domain.Store, error) {
	keys, err := storeKeys(ctx, clientID, storeID)
	if err != nil {
		return nil, err
	}
	return update(ctx, r, r.stores, keys, fn)
}

// ListStores implements domain.StoreRepository: one strongly consistent Query on the brand's
// partition, every page, in the sort key's (storeId's) order.
func (r *Repositories) ListStores(ctx context.Context, clientID string) ([]domain.Store, error) {
	if err := domain.CheckTenant(ctx, clientID); err != nil {
		return nil, err
	}
	api, err := r.api(ctx, clientID)
	if err != nil {
		return nil, err
	}
	rows, err := r.queryPartition(ctx, api, r.tables.StoreConfig, clientID)
	if err != nil {
		return nil, err
	}
	var stores []domain.Store
	if err := attributevalue.UnmarshalListOfMaps(rows, &stores); err != nil {
		return nil, fmt.Errorf("dynamo: unmarshal stores: %w", err)
	}
	if stores == nil {
		stores = []domain.Store{} // an empty brand lists as [], not null
	}
	return stores, nil
}
