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
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
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
	// BedrockEndpoint, when set, sends the Bedrock Runtime calls (and only those) there, e.g.
	// the local model stand-in (shared/dev/localmodel): the emulator behind Endpoint has no
	// Converse. The calls keep the config's credentials: the static dummy ones when Endpoint
	// is set, the default chain otherwise. Load does not read it (an aws.Config has no room
	// for one service's endpoint); pass ClientOptions to NewStatic or NewTenantSessions.
	BedrockEndpoint string
}

// ClientOptions returns the options of NewStatic and NewTenantSessions that opts asks for
// (today only BedrockEndpoint), so a caller that loaded its config from opts builds its
// clients from the same opts.
func (o Options) ClientOptions() []ClientOption {
	var out []ClientOption
	if o.BedrockEndpoint != "" {
		out = append(out, WithBedrockEndpoint(o.BedrockEndpoint))
	}
	return out
}

// ClientOption tunes the clients NewStatic and NewTenantSessions build beyond what their
// aws.Config says.
type ClientOption func(*clientOptions)

type clientOptions struct {
	bedrockEndpoint string
}

// WithBedrockEndpoint sends the Bedrock Runtime client's calls to url (its BaseEndpoint)
// whatever the config's endpoint is. Empty leaves the config's endpoint.
func WithBedrockEndpoint(url string) ClientOption {
	return func(o *clientOptions) { o.bedrockEndpoint = url }
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
}

// Static gives every tenant the same clients, built once from one config. It is the provider
// for the local stack and for a deployment that relies on the function role alone.
type Static struct {
	ddb     *dynamodb.Client
	sqs     *sqs.Client
	sm      *secretsmanager.Client
	bedrock *bedrockruntime.Client
}

// NewStatic builds the clients once (at cold start).
func NewStatic(cfg aws.Config, opts ...ClientOption) *Static {
	var o clientOptions
	for _, opt := range opts {
		opt(&o)
	}
	return &Static{
		ddb: dynamodb.NewFromConfig(cfg),
		sqs: sqs.NewFromConfig(cfg),
		sm:  secretsmanager.NewFromConfig(cfg),
		bedrock: bedrockruntime.NewFromConfig(cfg, func(b *bedrockruntime.Options) {
			if o.bedrockEndpoint != "" {
				b.BaseEndpoint = aws.String(o.bedrockEndpoint)
			}
		}),
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

// BedrockRuntime returns the Bedrock Runtime client (the language model's). It is not part of
// TenantClients: only the model adapter (shared/bedrock) needs it, and it asks for it through
// an interface of its own.
func (s *Static) BedrockRuntime(context.Context, string) (*bedrockruntime.Client, error) {
	return s.bedrock, nil
}
