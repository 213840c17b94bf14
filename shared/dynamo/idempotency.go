package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Claim states as stored. A record without a state was written by Claim: it is done.
const (
	claimPending = "PENDING"
	claimDone    = "DONE"

	attrClaimState = "claimState"
	attrLeaseUntil = "leaseUntilMs"
)

// claim is the item of the idempotency table, keyed by pk = "<clientId>#<idempotencyKey>":
// every claim is its own partition, so a brand's busiest minute spreads over many. The
// table is platform-level: the functions reach it with their own role, never with a tenant
// session (docs/security.md), so its calls ask for the platform's client ("").
type claim struct {
	PK             string    `dynamodbav:"pk"`
	ClientID       string    `dynamodbav:"clientId"`
	IdempotencyKey string    `dynamodbav:"idempotencyKey"`
	TTL            int64     `dynamodbav:"ttl"`
	CreatedAt      time.Time `dynamodbav:"createdAt"`
	// State is claimPending while a holder's lease runs (Begin), claimDone after Complete;
	// empty for Claim's one-phase records, which are done.
	State string `dynamodbav:"claimState,omitempty"`
	// LeaseUntilMs is when a pending claim may be taken over (Unix milliseconds).
	LeaseUntilMs int64 `dynamodbav:"leaseUntilMs,omitempty"`
}

// claimKey is the key of a claim's item.
func claimKey(clientID, key string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: &types.AttributeValueMemberS{Value: resourcenames.TenantKey(clientID, key)}}
}

// newClaim is the item of key's claim for clientID.
func newClaim(clientID, key string, now time.Time, ttl time.Duration) claim {
	return claim{PK: resourcenames.TenantKey(clientID, key), ClientID: clientID, IdempotencyKey: key, TTL: expiry(now, ttl), CreatedAt: now}
}

// expiry is now+ttl in Unix seconds, rounded up: rounding down could make a sub-second claim
// expire the moment it is written.
func expiry(now time.Time, ttl time.Duration) int64 {
	expires := now.Add(ttl)
	exp := expires.Unix()
	if expires.Nanosecond() > 0 {
		exp++
	}
	return exp
}

// Release implements domain.IdempotencyRepository.
func (r *Repositories) Release(ctx context.Context, clientID, key string) error {
	if err := domain.CheckClaimKey(ctx, clientID, key); err != nil {
		return err
	}
	api, err := r.api(ctx, platform)
	if err != nil {
		return err
	}
	k := claimKey(clientID, key)
	if _, err := api.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &r.tables.Idempotency, Key: k}); err != nil {
		return fmt.Errorf("dynamo: delete from %s: %w", r.tables.Idempotency, err)
	}
	return nil
}

// Claim implements domain.IdempotencyRepository with one conditional put, so two deliveries
// racing for the same key cannot both win.
func (r *Repositories) Claim(ctx context.Context, clientID, key string, ttl time.Duration) (bool, error) {
	if err := domain.CheckClaimKey(ctx, clientID, key); err != nil {
		return false, err
	}
	if err := domain.CheckClaimTTL(ttl); err != nil {
		return false, err
	}
	api, err := r.api(ctx, platform)
	if err != nil {
		return false, err
	}
	now := r.clock()
	av, err := attributevalue.MarshalMap(newClaim(clientID, key, now, ttl))
	if err != nil {
		return false, fmt.Errorf("dynamo: marshal claim: %w", err)
	}
	switch err := putIf(ctx, api, r.tables.Idempotency, av, absentCond(true, now)); {
	case errors.Is(err, errConditionFailed):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// Begin implements domain.IdempotencyRepository with one conditional put: the key is taken
// when it is absent, expired, or pending with a lease that ran out. When the condition fails
// DynamoDB returns the stored item (ReturnValuesOnConditionCheckFailure), which tells done
// from in progress without a second call.
func (r *Repositories) Begin(ctx context.Context, clientID, key string, lease, ttl time.Duration) (domain.ClaimState, error) {
	if err := domain.CheckClaimKey(ctx, clientID, key); err != nil {
		return 0, err
	}
	if err := domain.CheckClaimLease(lease, ttl); err != nil {
		return 0, err
	}
	api, err := r.api(ctx, platform)
	if err != nil {
		return 0, err
	}
	now := r.clock()
	item := newClaim(clientID, key, now, ttl)
	item.State, item.LeaseUntilMs = claimPending, now.Add(lease).UnixMilli()
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return 0, fmt.Errorf("dynamo: marshal claim: %w", err)
	}
	lapsed := expression.Name(attrClaimState).Equal(expression.Value(claimPending)).
		And(expression.Name(attrLeaseUntil).LessThan(expression.Value(now.UnixMilli())))
	expr, err := expression.NewBuilder().WithCondition(absentCond(true, now).Or(lapsed)).Build()
	if err != nil {
		return 0, fmt.Errorf("dynamo: build claim condition: %w", err)
	}
	_, err = api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           &r.tables.Idempotency,
		Item:                                av,
		ConditionExpression:                 expr.Condition(),
		ExpressionAttributeNames:            expr.Names(),
		ExpressionAttributeValues:           expr.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case err == nil:
		return domain.ClaimTaken, nil
	case errors.As(err, &ccf):
		var old claim
		if err := attributevalue.UnmarshalMap(ccf.Item, &old); err != nil {
			return 0, fmt.Errorf("dynamo: unmarshal claim: %w", err)
		}
		if old.State == claimPending {
			return domain.ClaimInProgress, nil
		}
		return domain.ClaimDone, nil
	default:
		return 0, fmt.Errorf("dynamo: put into %s: %w", r.tables.Idempotency, err)
	}
}

// Complete implements domain.IdempotencyRepository with one BatchWriteItem; what DynamoDB
// leaves unprocessed (throttling) is written again a few times before giving up.
func (r *Repositories) Complete(ctx context.Context, clientID string, keys []string, ttl time.Duration) error {
	if len(keys) == 0 {
		return nil
	}
	if err := domain.CheckComplete(ctx, clientID, keys, ttl); err != nil {
		return err
	}
	seen := map[string]bool{}
	var reqs []types.WriteRequest
	now := r.clock()
	for _, k := range keys {
		if seen[k] { // BatchWriteItem refuses two writes to one key
			continue
		}
		seen[k] = true
		done := newClaim(clientID, k, now, ttl)
		done.State = claimDone
		av, err := attributevalue.MarshalMap(done)
		if err != nil {
			return fmt.Errorf("dynamo: marshal claim: %w", err)
		}
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: av}})
	}
	api, err := r.api(ctx, platform)
	if err != nil {
		return err
	}
	return r.batchWrite(ctx, api, r.tables.Idempotency, reqs)
}

// Lookup implements domain.IdempotencyRepository with one strongly consistent GetItem.
func (r *Repositories) Lookup(ctx context.Context, clientID, key string) (domain.ClaimState, error) {
	if err := domain.CheckClaimKey(ctx, clientID, key); err != nil {
		return 0, err
	}
	api, err := r.api(ctx, platform)
	if err != nil {
		return 0, err
	}
	k := claimKey(clientID, key)
	out, err := api.GetItem(ctx, &dynamodb.GetItemInput{TableName: &r.tables.Idempotency, Key: k, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return 0, fmt.Errorf("dynamo: get from %s: %w", r.tables.Idempotency, err)
	}
	if out.Item == nil {
		return 0, nil
	}
	var c claim
	if err := attributevalue.UnmarshalMap(out.Item, &c); err != nil {
		return 0, fmt.Errorf("dynamo: unmarshal claim: %w", err)
	}
	switch {
	case domain.Expired(c.TTL, r.clock()):
		return 0, nil
	case c.State == claimPending:
		return domain.ClaimInProgress, nil
	}
	return domain.ClaimDone, nil
}
