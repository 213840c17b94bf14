package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

const (
	attrOrderID     = resourcenames.AttrOrderID
	attrCustomerKey = resourcenames.AttrCustomerKey
)

// customerKey is the order's key in resourcenames.OrdersByCustomerIndex,
// "<clientId>#<phoneNumber>", while its customerPhone is a WhatsApp address. A pseudonymised
// order (PseudonymiseOrder) has none: every write of it leaves the index, and no later write
// can put it back under anyone's number.
func customerKey(o *domain.Order) (string, bool) {
	num, err := domain.ParseWhatsAppAddress(o.CustomerPhone)
	if err != nil {
		return "", false
	}
	return resourcenames.TenantKey(o.ClientID, num), true
}

func orderEntity(table string) *entity[domain.Order] {
	return &entity[domain.Order]{
		kind:     "order",
		table:    table,
		keyNames: []string{attrClientID, attrOrderID},
		keys:     func(o *domain.Order) []string { return []string{o.ClientID, o.OrderID} },
		pk:       true,
		// A store's orders by status, oldest first (resourcenames.OrdersByStoreIndex), and a
		// customer's orders (resourcenames.OrdersByCustomerIndex, for the LGPD export and
		// erasure).
		derive: func(o *domain.Order) map[string]types.AttributeValue {
			av := map[string]types.AttributeValue{
				attrStoreShard:      stringValue(storeShard(o.ClientID, o.StoreID, o.OrderID)),
				attrStatusCreatedAt: stringValue(string(o.Status) + resourcenames.KeySeparator + o.CreatedAt.UTC().Format(time.RFC3339Nano)),
			}
			if k, ok := customerKey(o); ok {
				av[attrCustomerKey] = stringValue(k)
			}
			return av
		},
		fields: func(o *domain.Order) fields {
			return fields{Version: &o.Version, CreatedAt: &o.CreatedAt, UpdatedAt: &o.UpdatedAt}
		},
		validate: (*domain.Order).Validate,
		// The order id is shown to customers and kitchens; no phone number is in it.
		describe: func(k []string) string { return fmt.Sprintf("order %q of client %q", k[1], k[0]) },
	}
}

// orderKeys validates an order's key; the tenant check comes first, as in storeKeys.
func orderKeys(ctx context.Context, clientID, orderID string) ([]string, error) {
	if err := domain.CheckTenant(ctx, clientID); err != nil {
		return nil, err
	}
	// The same rule as domain.Order.Validate, so a key that could never be stored is refused
	// before a read.
	if orderID == "" || len(orderID) > 64 {
		return nil, domain.Errorf(domain.EINVALID, "orderId is required (at most 64 characters)")
	}
	return []string{clientID, orderID}, nil
}

// GetOrder implements domain.OrderRepository.
func (r *Repositories) GetOrder(ctx context.Context, clientID, orderID string) (*domain.Order, error) {
	if err := configured(r.tables.Orders, "orders"); err != nil {
		return nil, err
	}
	keys, err := orderKeys(ctx, clientID, orderID)
	if err != nil {
		return nil, err
	}
	return read(ctx, r, r.orders, keys)
}

// CreateOrder implements domain.OrderRepository. On success o holds what was stored. The
// order id is derived from the confirming message, so ECONFLICT here means "this confirmation
// was already processed": callers read the order instead of creating another.
func (r *Repositories) CreateOrder(ctx context.Context, o *domain.Order) error {
	if err := configured(r.tables.Orders, "orders"); err != nil {
		return err
	}
	return create(ctx, r, r.orders, o)
}

// UpdateOrder implements domain.OrderRepository. Status changes go through fn calling
// o.MoveTo, so the state machine is checked against the stored status on every attempt.
func (r *Repositories) UpdateOrder(ctx context.Context, clientID, orderID string, fn func(*domain.Order) error) (*domain.Order, error) {
	if err := configured(r.tables.Orders, "orders"); err != nil {
		return nil, err
	}
	keys, err := orderKeys(ctx, clientID, orderID)
	if err != nil {
		return nil, err
	}
	return update(ctx, r, r.orders, keys, fn)
}
