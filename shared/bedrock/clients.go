package bedrock

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
)

// Configs hands out a tenant's AWS config: awsclients.TenantSessions (the brand's session,
// STS AssumeRole tagged clientId) and awsclients.Static do.
type Configs interface {
	AWSConfig(ctx context.Context, tenant string) (aws.Config, error)
}

// ClientsFrom returns the Clients that build each tenant's Bedrock Runtime client once, from
// the tenant's config (its credentials are renewed by the config's cache, not by the
// client). endpoint, when not empty, is the clients' BaseEndpoint: another server speaking
// Converse (the local model stand-in, shared/dev/localmodel), whatever the config's own
// endpoint (the AWS emulator, which has no Converse).
//
// The Bedrock Runtime client is built here, not in awsclients, so only the functions that
// call the model (the worker, and the admin function for its test chat) link it.
func ClientsFrom(configs Configs, endpoint string) Clients {
	return &tenantClients{configs: configs, endpoint: endpoint, built: map[string]*bedrockruntime.Client{}}
}

type tenantClients struct {
	configs  Configs
	endpoint string
	mu       sync.Mutex
	built    map[string]*bedrockruntime.Client
}

// BedrockRuntime implements Clients.
func (c *tenantClients) BedrockRuntime(ctx context.Context, tenant string) (*bedrockruntime.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.built[tenant]; ok {
		return cl, nil
	}
	cfg, err := c.configs.AWSConfig(ctx, tenant)
	if err != nil {
		return nil, err
	}
	cl := bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) {
		if c.endpoint != "" {
			o.BaseEndpoint = aws.String(c.endpoint)
		}
	})
	c.built[tenant] = cl
	return cl, nil
}
