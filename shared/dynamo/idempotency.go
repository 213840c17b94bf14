package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/wabot-platform/wabot/shared/domain"
)

// MaxIdempotencyKey bounds a key: DynamoDB allows a sort key of 1024 bytes, and the keys we
// claim (a Twilio MessageSid, an order id plus event) are far shorter.
const MaxIdempotencyKey = 512

// claim is the item of the idempotency table.
type claim struct {
	ClientID       string    `dynamodbav:"clientId"`
	IdempotencyKey string    `dynamodbav:"idempotencyKey"`
	TTL            int64     `dynamodbav:"ttl"`
	CreatedAt      time.Time `dynamodbav:"createdAt"`
}

func validKey(ctx context.Context, clientID, key string) error {
	if err := domain.CheckTenant(ctx, clientID); err != nil {
		return err
	}
	if key == "" || len(key) > MaxIdempotencyKey {
		return domain.Errorf(domain.EINVALID, "idempotency key is required (at most %d bytes)", MaxIdempotencyKey)
	}
	return nil
}

// Release implements domain.IdempotencyRepository.
func (r *Repositories) Release(ctx context.Context, clientID, key string) error {
	if err := validKey(ctx, clientID, key); err != nil {
		return err
	}
	api, err := r.api(ctx, clientID)
	if err != nil {
		return err
	}
	k, err := attributevalue.MarshalMap(map[string]string{attrClientID: clientID, attrIdempotencyKey: key})
	if err != nil {
		return err
	}
	if _, err := api.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &r.tables.Idempotency, Key: k}); err != nil {
		return fmt.Errorf("dynamo: delete from %s: %w", r.tables.Idempotency, err)
	}
	return nil
}

// Claim implements domain.IdempotencyRepository with one conditional put, so two deliveries
// racing for the same key cannot both win.
func (r *Repositories) Claim(ctx context.Context, clientID, key string, ttl time.Duration) (bool, error) {
	if err := validKey(ctx, clientID, key); err != nil {
		return false, err
	}
	if ttl <= 0 {
		return false, domain.Errorf(domain.EINVALID, "idempotency ttl must be positive, got %s", ttl)
	}
	api, err := r.api(ctx, clientID)
	if err != nil {
		return false, err
	}
	now := r.clock()
	// Round the expiry up to a whole second: rounding down could make a sub-second claim
	// expire the moment it is written.
	expires := now.Add(ttl)
	exp := expires.Unix()
	if expires.Nanosecond() > 0 {
		exp++
	}
	item := claim{ClientID: clientID, IdempotencyKey: key, TTL: exp, CreatedAt: now}
	switch err := putIf(ctx, api, r.tables.Idempotency, item, absentCond(true, now)); {
	case errors.Is(err, errConditionFailed):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}
