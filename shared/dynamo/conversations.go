package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

func conversationEntity(table string) *entity[domain.Conversation] {
	return &entity[domain.Conversation]{
		kind:     "conversation",
		table:    table,
		keyNames: []string{attrClientID, attrPhoneNumber},
		keys:     func(c *domain.Conversation) []string { return []string{c.ClientID, c.PhoneNumber} },
		pk:       true,
		// A store's conversations by last message (resourcenames.ConversationsByStoreIndex,
		// sorted by lastMessageTimestamp) and a conversation by its session id.
		derive: func(c *domain.Conversation) map[string]types.AttributeValue {
			return map[string]types.AttributeValue{
				attrStoreShard: stringValue(storeShard(c.ClientID, c.StoreID, c.PhoneNumber)),
				attrSessionKey: stringValue(resourcenames.TenantKey(c.ClientID, c.SessionID)),
			}
		},
		// updatedAt is the last write; lastInteraction, moved by the engine through Touch, is
		// the customer's activity.
		fields: func(c *domain.Conversation) fields {
			return fields{Version: &c.Version, CreatedAt: &c.CreatedAt, UpdatedAt: &c.UpdatedAt, TTL: &c.TTL}
		},
		validate: (*domain.Conversation).Validate,
		describe: describeCustomer("conversation"),
	}
}

// GetConversation implements domain.ConversationRepository.
func (r *Repositories) GetConversation(ctx context.Context, clientID, phoneNumber string) (*domain.Conversation, error) {
	keys, err := customerKeys(ctx, clientID, phoneNumber)
	if err != nil {
		return nil, err
	}
	return read(ctx, r, r.conversations, keys)
}

// CreateConversation implements domain.ConversationRepository. A zero TTL is set to
// now + domain.ConversationTTL, so no conversation outlives its window by accident; a TTL
// already past is refused (EINVALID). On success c holds what was stored.
func (r *Repositories) CreateConversation(ctx context.Context, c *domain.Conversation) error {
	return create(ctx, r, r.conversations, c)
}

// UpdateConversation implements domain.ConversationRepository. fn decides the new TTL (the
// engine calls Touch); the write also requires that the stored conversation has not expired
// since it was read.
func (r *Repositories) UpdateConversation(ctx context.Context, clientID, phoneNumber string, fn func(*domain.Conversation) error) (*domain.Conversation, error) {
	keys, err := customerKeys(ctx, clientID, phoneNumber)
	if err != nil {
		return nil, err
	}
	return update(ctx, r, r.conversations, keys, fn)
}

// DeleteConversation implements domain.ConversationRepository.
func (r *Repositories) DeleteConversation(ctx context.Context, clientID, phoneNumber string) error {
	keys, err := customerKeys(ctx, clientID, phoneNumber)
	if err != nil {
		return err
	}
	api, err := r.api(ctx, clientID)
	if err != nil {
		return err
	}
	e := r.conversations
	if _, err := api.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &e.table, Key: e.key(keys)}); err != nil {
		return fmt.Errorf("dynamo: delete from %s: %w", e.table, err)
	}
	return nil
}

// SaveConversation implements domain.ConversationRepository: one conditional UpdateItem of
// what changed since prev, or one conditional PutItem of the whole item without prev.
func (r *Repositories) SaveConversation(ctx context.Context, prev, c *domain.Conversation) error {
	return saveChanges(ctx, r, r.conversations, prev, c)
}

// SaveDelivery implements domain.ConversationRepository: one conditional UpdateItem of
// repliesDelivered alone.
func (r *Repositories) SaveDelivery(ctx context.Context, clientID, phoneNumber string, version int64, d domain.Delivery) error {
	keys, err := customerKeys(ctx, clientID, phoneNumber)
	if err != nil {
		return err
	}
	if version <= 0 || d.MessageSid == "" || d.Sent < 0 {
		return domain.Errorf(domain.EINVALID, "a delivery record needs a stored version, a messageSid and a count")
	}
	av, err := attributevalue.Marshal(d)
	if err != nil {
		return fmt.Errorf("dynamo: marshal delivery: %w", err)
	}
	now := r.clock()
	expr, err := expression.NewBuilder().
		WithUpdate(expression.Set(expression.Name(attrRepliesDelivered), expression.Value(av))).
		WithCondition(versionCond(version).And(liveCond(now))).
		Build()
	if err != nil {
		return fmt.Errorf("dynamo: build delivery update: %w", err)
	}
	return updateIf(ctx, r, r.conversations, keys, expr)
}

// attrRepliesDelivered is domain.Conversation.Delivery's attribute.
const attrRepliesDelivered = "repliesDelivered"
