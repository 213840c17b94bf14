// Package awsclients builds AWS SDK clients: the default credential chain in AWS, or the local
// emulator through an endpoint override, and hands them out per tenant so tenant-scoped
// credentials (STS AssumeRole with a clientId session tag) can plug in without touching the
// adapters or the domain.
package awsclients

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// DefaultRegion is used when none is configured: the platform serves Brazil.
const DefaultRegion = "sa-east-1"

// Options says where the SDK talks to.
type Options struct {
	// Region defaults to AWS_REGION, then DefaultRegion.
	Region string
	// Endpoint, when set, sends every call to an emulator (e.g. "http://127.0.0.1:5000") with
	// static dummy credentials. Empty means real AWS with the default credential chain.
	Endpoint string
}

// Load returns an aws.Config for opts.
func Load(ctx context.Context, opts Options) (aws.Config, error) {
	var loads []func(*config.LoadOptions) error
	if opts.Region != "" {
		loads = append(loads, config.WithRegion(opts.Region))
	}
	if opts.Endpoint != "" {
		loads = append(loads,
			config.WithBaseEndpoint(opts.Endpoint),
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")),
		)
	}
	cfg, err := config.LoadDefaultConfig(ctx, loads...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	return cfg, nil
}

// TenantClients hands out SDK clients for a tenant. tenant "" is platform scope: only the
// lookup of a client by its WhatsApp number runs there, before any tenant is known.
type TenantClients interface {
	DynamoDB(ctx context.Context, tenant string) (*dynamodb.Client, error)
	SQS(ctx context.Context, tenant string) (*sqs.Client, error)
	SecretsManager(ctx context.Context, tenant string) (*secretsmanager.Client, error)
	// AWSConfig is the tenant's config (its credentials), for a client of another service
	// built where it is needed: the language model's Bedrock Runtime client (shared/bedrock)
	// is linked into the worker only.
	AWSConfig(ctx context.Context, tenant string) (aws.Config, error)
}

// Static gives every tenant the same clients, built once from one config. It is the provider
// for the local stack and for a deployment that relies on the function role alone.
type Static struct {
	cfg aws.Config
	ddb *dynamodb.Client
	sqs *sqs.Client
	sm  *secretsmanager.Client
}

// NewStatic builds the clients once (at cold start).
func NewStatic(cfg aws.Config) *Static {
	return &Static{
		cfg: cfg,
		ddb: dynamodb.NewFromConfig(cfg),
		sqs: sqs.NewFromConfig(cfg),
		sm:  secretsmanager.NewFromConfig(cfg),
	}
}

// DynamoDB implements TenantClients.
func (s *Static) DynamoDB(context.Context, string) (*dynamodb.Client, error) { return s.ddb, nil }

// SQS implements TenantClients.
func (s *Static) SQS(context.Context, string) (*sqs.Client, error) { return s.sqs, nil }

// SecretsManager implements TenantClients.
func (s *Static) SecretsManager(context.Context, string) (*secretsmanager.Client, error) {
	return s.sm, nil
}

// AWSConfig implements TenantClients: the one config.
func (s *Static) AWSConfig(context.Context, string) (aws.Config, error) { return s.cfg, nil }
