package emulator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Options changes how a template is applied.
type Options struct {
	// Rename maps a physical name from the template to the name to create. Tests use it to
	// give each test its own tables; nil keeps the template's names.
	Rename func(string) string
}

func (o Options) name(n string) string {
	if o.Rename == nil {
		return n
	}
	return o.Rename(n)
}

// Result says what Apply created or found.
type Result struct {
	Tables  []string          // physical table names
	Queues  map[string]string // physical queue name -> queue URL
	Secrets []string          // secret names
	// UserPools are the Cognito user pools by name, with their app clients and groups.
	UserPools map[string]UserPool
}

// Apply creates the template's tables, queues, secrets and user pools in the emulator behind
// cfg. It is idempotent: what exists already is kept as it is (a restarted `make dev` against
// a running emulator works), so a secret value set by a seed is not replaced.
func Apply(ctx context.Context, cfg aws.Config, t *Template, opts Options) (*Result, error) {
	res := &Result{Queues: map[string]string{}}
	tables, err := ApplyTables(ctx, dynamodb.NewFromConfig(cfg), t, opts)
	if err != nil {
		return nil, err
	}
	res.Tables = tables
	if res.Queues, err = ApplyQueues(ctx, sqs.NewFromConfig(cfg), t, opts); err != nil {
		return nil, err
	}
	if res.Secrets, err = ApplySecrets(ctx, secretsmanager.NewFromConfig(cfg), t, opts); err != nil {
		return nil, err
	}
	if res.UserPools, err = ApplyUserPools(ctx, cognitoidentityprovider.NewFromConfig(cfg), t, opts); err != nil {
		return nil, err
	}
	return res, nil
}

// ApplyTables creates the template's DynamoDB tables (keys, indexes, on-demand billing, TTL,
// point-in-time recovery) and returns their names.
func ApplyTables(ctx context.Context, db *dynamodb.Client, t *Template, opts Options) ([]string, error) {
	specs, err := t.Tables()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, s := range specs {
		name := opts.name(s.TableName)
		in := &dynamodb.CreateTableInput{
			TableName:            aws.String(name),
			KeySchema:            s.KeySchema,
			AttributeDefinitions: s.AttributeDefinitions,
			BillingMode:          ddbtypes.BillingModePayPerRequest,
		}
		if len(s.GlobalIndexes) > 0 {
			in.GlobalSecondaryIndexes = s.GlobalIndexes
		}
		for k, v := range s.Tags {
			in.Tags = append(in.Tags, ddbtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
		}
		_, err := db.CreateTable(ctx, in)
		var inUse *ddbtypes.ResourceInUseException
		switch {
		case errors.As(err, &inUse):
			names = append(names, name)
			continue
		case err != nil:
			return nil, fmt.Errorf("create table %s: %w", name, err)
		}
		if err := dynamodb.NewTableExistsWaiter(db).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 30*time.Second); err != nil {
			return nil, fmt.Errorf("wait for table %s: %w", name, err)
		}
		if s.TTLAttribute != "" {
			if _, err := db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
				TableName: aws.String(name),
				TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{
					AttributeName: aws.String(s.TTLAttribute), Enabled: aws.Bool(true),
				},
			}); err != nil {
				return nil, fmt.Errorf("enable TTL on %s: %w", name, err)
			}
		}
		if s.PointInTimeRecovery {
			if _, err := db.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{
				TableName: aws.String(name),
				PointInTimeRecoverySpecification: &ddbtypes.PointInTimeRecoverySpecification{
					PointInTimeRecoveryEnabled: aws.Bool(true),
				},
			}); err != nil {
				return nil, fmt.Errorf("enable point-in-time recovery on %s: %w", name, err)
			}
		}
		names = append(names, name)
	}
	return names, nil
}

// ApplyQueues creates the template's SQS queues, dead-letter queues first so that redrive
// policies can name their ARNs, and returns name -> URL.
func ApplyQueues(ctx context.Context, q *sqs.Client, t *Template, opts Options) (map[string]string, error) {
	specs, err := t.Queues()
	if err != nil {
		return nil, err
	}
	byID := map[string]QueueSpec{}
	for _, s := range specs {
		byID[s.LogicalID] = s
	}
	urls := map[string]string{}
	arns := map[string]string{} // logical id -> ARN
	var create func(s QueueSpec, depth int) error
	create = func(s QueueSpec, depth int) error {
		if _, done := arns[s.LogicalID]; done {
			return nil
		}
		if depth > len(specs) {
			return fmt.Errorf("queue %s: redrive policies form a cycle", s.LogicalID)
		}
		dlqARN := ""
		if s.DeadLetterQueue != "" {
			dlq, ok := byID[s.DeadLetterQueue]
			if !ok {
				return fmt.Errorf("queue %s: dead-letter queue %s is not a queue of the template", s.LogicalID, s.DeadLetterQueue)
			}
			if err := create(dlq, depth+1); err != nil {
				return err
			}
			dlqARN = arns[dlq.LogicalID]
		}
		name := opts.name(s.QueueName)
		url, arn, err := createQueue(ctx, q, name, s, s.Tags, dlqARN)
		if err != nil {
			return err
		}
		urls[name], arns[s.LogicalID] = url, arn
		return nil
	}
	for _, s := range specs {
		if err := create(s, 0); err != nil {
			return nil, err
		}
	}
	return urls, nil
}

// createQueue creates the queue name with the attributes of s, the tags given, and when
// dlqARN is set a redrive policy to it after s.MaxReceiveCount receives; it returns the
// queue's URL and ARN.
func createQueue(ctx context.Context, q *sqs.Client, name string, s QueueSpec, tags map[string]string, dlqARN string) (url, arn string, err error) {
	attrs := map[string]string{}
	for k, v := range s.Attributes {
		attrs[k] = v
	}
	if dlqARN != "" {
		rp, _ := json.Marshal(map[string]string{"deadLetterTargetArn": dlqARN, "maxReceiveCount": strconv.Itoa(s.MaxReceiveCount)})
		attrs["RedrivePolicy"] = string(rp)
	}
	out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs, Tags: tags})
	if err != nil {
		return "", "", fmt.Errorf("create queue %s: %w", name, err)
	}
	got, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: out.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return "", "", fmt.Errorf("read ARN of queue %s: %w", name, err)
	}
	return aws.ToString(out.QueueUrl), got.Attributes[string(sqstypes.QueueAttributeNameQueueArn)], nil
}

// ApplySecrets creates the template's secrets. Like CloudFormation's GenerateSecretString, a
// new secret gets its template JSON with a random value under the generated key; operators
// (or the local seed) put the real value afterwards.
func ApplySecrets(ctx context.Context, sm *secretsmanager.Client, t *Template, opts Options) ([]string, error) {
	specs, err := t.Secrets()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, s := range specs {
		name := opts.name(s.Name)
		value, err := generatedValue(s)
		if err != nil {
			return nil, fmt.Errorf("secret %s: %w", name, err)
		}
		in := &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)}
		if s.Description != "" {
			in.Description = aws.String(s.Description)
		}
		for k, v := range s.Tags {
			in.Tags = append(in.Tags, smtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
		}
		_, err = sm.CreateSecret(ctx, in)
		var exists *smtypes.ResourceExistsException
		if err != nil && !errors.As(err, &exists) {
			return nil, fmt.Errorf("create secret %s: %w", name, err)
		}
		names = append(names, name)
	}
	return names, nil
}

func generatedValue(s SecretSpec) (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	random := hex.EncodeToString(b)
	if s.SecretStringTemplate == "" || s.GenerateStringKey == "" {
		return random, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s.SecretStringTemplate), &m); err != nil {
		return "", fmt.Errorf("SecretStringTemplate is not a JSON object: %w", err)
	}
	m[s.GenerateStringKey] = random
	out, err := json.Marshal(m)
	return string(out), err
}
