package emulator

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// ProvisionStore's refusals: a store that has no record yet, an id that cannot name one.
var (
	ErrStoreNotFound = errors.New("the store has no record: create it first (admin API or UI)")
	ErrInvalidID     = errors.New("invalid id")
)

// StoreQueues are a provisioned store's queues.
type StoreQueues struct {
	QueueURL string `json:"queueUrl"`
	QueueARN string `json:"queueArn"`
	DLQURL   string `json:"deadLetterQueueUrl"`
}

// ProvisionStore does for a store created through the admin API what `cdk deploy` of its
// TenantStore construct does in AWS: it creates the store's FIFO queue to its point of sale
// and the queue's dead-letter queue, with the attributes, redrive policy and tags the
// template gives the demo stores' queues (resourcenames.StoreOrderQueue and StoreOrderDLQ),
// then writes the queue's URL and ARN on the store's record (the registration's
// infrastructure-owned attributes, version + 1), leaving every operator-owned attribute as it
// is. The store can then be activated. The record must exist (ErrStoreNotFound).
func ProvisionStore(ctx context.Context, q *sqs.Client, db *dynamodb.Client, t *Template, env, storeTable, clientID, storeID string) (StoreQueues, error) {
	var out StoreQueues
	for _, id := range []struct{ name, value string }{{"clientId", clientID}, {"storeId", storeID}} {
		if err := resourcenames.ValidateID(id.name, id.value); err != nil {
			return out, fmt.Errorf("%w: %v", ErrInvalidID, err)
		}
	}
	model, dlqModel, err := storeQueueModel(t)
	if err != nil {
		return out, err
	}
	tags := func(s QueueSpec) map[string]string {
		m := map[string]string{}
		for k, v := range s.Tags {
			m[k] = v
		}
		m["clientId"], m["storeId"] = clientID, storeID
		return m
	}
	dlqURL, dlqARN, err := createQueue(ctx, q, resourcenames.StoreOrderDLQ(env, clientID, storeID), dlqModel, tags(dlqModel), "")
	if err != nil {
		return out, err
	}
	queueURL, queueARN, err := createQueue(ctx, q, resourcenames.StoreOrderQueue(env, clientID, storeID), model, tags(model), dlqARN)
	if err != nil {
		return out, err
	}
	out = StoreQueues{QueueURL: queueURL, QueueARN: queueARN, DLQURL: dlqURL}

	update := expression.Set(expression.Name("sqsQueueUrl"), expression.Value(out.QueueURL)).
		Set(expression.Name("sqsQueueArn"), expression.Value(out.QueueARN)).
		Set(expression.Name("version"), expression.Name("version").Plus(expression.Value(1)))
	expr, err := expression.NewBuilder().WithUpdate(update).
		WithCondition(expression.AttributeExists(expression.Name("storeId"))).Build()
	if err != nil {
		return out, err
	}
	_, err = db.UpdateItem(domain.NewPlatformContext(ctx), &dynamodb.UpdateItemInput{
		TableName: aws.String(storeTable),
		Key: map[string]ddbtypes.AttributeValue{
			"clientId": &ddbtypes.AttributeValueMemberS{Value: clientID},
			"storeId":  &ddbtypes.AttributeValueMemberS{Value: storeID},
		},
		UpdateExpression: expr.Update(), ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	var ccf *ddbtypes.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return out, ErrStoreNotFound
	}
	if err != nil {
		return out, fmt.Errorf("register the store's queue: %w", err)
	}
	return out, nil
}

// storeQueueModel returns a TenantStore construct's queue and dead-letter queue from the
// template: any store's, they are all alike but for their names and tags.
func storeQueueModel(t *Template) (queue, dlq QueueSpec, err error) {
	specs, err := t.Queues()
	if err != nil {
		return queue, dlq, err
	}
	byID := map[string]QueueSpec{}
	for _, s := range specs {
		byID[s.LogicalID] = s
	}
	for _, s := range specs {
		if strings.HasSuffix(s.QueueName, "-orders.fifo") && s.Tags["storeId"] != "" && s.DeadLetterQueue != "" {
			if d, ok := byID[s.DeadLetterQueue]; ok {
				return s, d, nil
			}
		}
	}
	return queue, dlq, errors.New("the template has no store queue to model a new store's on (no TenantStore construct)")
}
