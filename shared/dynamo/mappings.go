package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

func mappingEntity(table string) *entity[domain.PhoneMapping] {
	return &entity[domain.PhoneMapping]{
		kind:     "phone mapping",
		table:    table,
		keyNames: []string{attrClientID, attrPhoneNumber},
		keys:     func(m *domain.PhoneMapping) []string { return []string{m.ClientID, m.PhoneNumber} },
		pk:       true,
		// A brand's customers, listed shard by shard (resourcenames.MappingsByBrandIndex).
		derive: func(m *domain.PhoneMapping) map[string]types.AttributeValue {
			return map[string]types.AttributeValue{
				attrBrandShard: stringValue(resourcenames.ShardKey(m.ClientID, resourcenames.Shard(m.PhoneNumber))),
			}
		},
		fields: func(m *domain.PhoneMapping) fields {
			return fields{Version: &m.Version, CreatedAt: &m.CreatedAt, UpdatedAt: &m.UpdatedAt}
		},
		validate: (*domain.PhoneMapping).Validate,
		describe: describeCustomer("phone mapping"),
	}
}

// describeCustomer names an item keyed by (clientId, phoneNumber) with the number masked:
// messages may reach logs and users, customers' numbers must not.
func describeCustomer(kind string) func([]string) string {
	return func(k []string) string {
		return fmt.Sprintf("%s of %s with client %q", kind, domain.Mask(k[1]), k[0])
	}
}

// customerKeys validates the key of an item keyed by (clientId, phoneNumber) and returns it
// with the number in canonical form, as items are stored.
func customerKeys(ctx context.Context, clientID, phoneNumber string) ([]string, error) {
	if err := domain.CheckTenant(ctx, clientID); err != nil {
		return nil, err
	}
	num, err := domain.ParseWhatsAppAddress(phoneNumber)
	if err != nil {
		return nil, err
	}
	return []string{clientID, num}, nil
}

// GetMapping implements domain.PhoneMappingRepository.
func (r *Repositories) GetMapping(ctx context.Context, clientID, phoneNumber string) (*domain.PhoneMapping, error) {
	keys, err := customerKeys(ctx, clientID, phoneNumber)
	if err != nil {
		return nil, err
	}
	return read(ctx, r, r.mappings, keys)
}

// CreateMapping implements domain.PhoneMappingRepository. On success m holds what was stored.
func (r *Repositories) CreateMapping(ctx context.Context, m *domain.PhoneMapping) error {
	return create(ctx, r, r.mappings, m)
}

// UpdateMapping implements domain.PhoneMappingRepository.
func (r *Repositories) UpdateMapping(ctx context.Context, clientID, phoneNumber string, fn func(*domain.PhoneMapping) error) (*domain.PhoneMapping, error) {
	keys, err := customerKeys(ctx, clientID, phoneNumber)
	if err != nil {
		return nil, err
	}
	return update(ctx, r, r.mappings, keys, fn)
}
