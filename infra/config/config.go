// Package config holds the settings that differ between environments. Everything else in the
// CDK app is the same code for dev, staging and prod, so a difference between environments is
// visible in one place and reviewed as such.
package config

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Settings are the per-environment choices of the CDK app.
type Settings struct {
	// Env is the environment name (resourcenames.EnvDev ...), part of every physical name.
	Env string
	// LogRetention is how long Lambda and API log groups keep their events. Functions are
	// added later; they read it from here so that log cost and evidence follow the environment.
	LogRetention awslogs.RetentionDays
	// RemovalPolicy applies to stateful resources (key, tables, queues, secrets). Dev is
	// disposable; staging and prod keep data if a resource leaves the template by mistake.
	RemovalPolicy awscdk.RemovalPolicy
	// DeletionProtection turns on DynamoDB deletion protection, so that not even a console or
	// API call can drop a production table.
	DeletionProtection bool
	// PointInTimeRecovery turns on DynamoDB continuous backups. On everywhere: dev and staging
	// hold the data people test with, and the cost is small.
	PointInTimeRecovery bool

	// Concurrency and back-pressure: how much of the account the message path may take, and
	// where a surge waits. docs/operations.md ("Concurrency and back-pressure") sets these
	// numbers against the account's Lambda, DynamoDB, SQS and Twilio limits. Validate checks
	// how they depend on each other.

	// WebhookReservedConcurrency reserves, and caps, the webhook function's concurrent
	// executions: the webhook always has them, whatever else the account runs, and never
	// takes more. Past it Lambda throttles and API Gateway answers 500, which Twilio retries.
	WebhookReservedConcurrency int
	// APIRateLimit (requests per second) and APIBurstLimit (the token bucket) throttle the
	// API's $default stage; past them API Gateway answers 429, which Twilio retries. Both are
	// at most WebhookReservedConcurrency: a webhook request holds an execution environment for
	// less than a second even on a cold start, so all that the stage admits can run at once.
	APIRateLimit  int
	APIBurstLimit int
	// WorkerReservedConcurrency reserves, and caps, the worker function's concurrent
	// executions; WorkerMaxConcurrency (2 to 1,000) caps the inbound queue's event source, so
	// that a surge waits in the queue instead of reaching DynamoDB and Twilio. AWS advises a
	// maximum concurrency no higher than the reserved concurrency (past it the event source
	// would invoke a throttled function); they are equal here.
	WorkerReservedConcurrency int
	WorkerMaxConcurrency      int
}

// Bounds of Lambda's event source maximum concurrency (ScalingConfig.MaximumConcurrency).
const (
	MinEventSourceConcurrency = 2
	MaxEventSourceConcurrency = 1000
)

// Validate reports the first inconsistency between s's concurrency settings, or nil.
func (s Settings) Validate() error {
	switch {
	case s.WebhookReservedConcurrency < 1:
		return fmt.Errorf("%s: webhook reserved concurrency %d, want at least 1", s.Env, s.WebhookReservedConcurrency)
	case s.APIRateLimit < 1 || s.APIRateLimit > s.WebhookReservedConcurrency:
		return fmt.Errorf("%s: API rate limit %d/s, want 1 to the webhook's reserved concurrency %d", s.Env, s.APIRateLimit, s.WebhookReservedConcurrency)
	case s.APIBurstLimit < 1 || s.APIBurstLimit > s.WebhookReservedConcurrency:
		return fmt.Errorf("%s: API burst limit %d, want 1 to the webhook's reserved concurrency %d", s.Env, s.APIBurstLimit, s.WebhookReservedConcurrency)
	case s.WorkerMaxConcurrency < MinEventSourceConcurrency || s.WorkerMaxConcurrency > MaxEventSourceConcurrency:
		return fmt.Errorf("%s: worker event source maximum concurrency %d, want %d to %d", s.Env, s.WorkerMaxConcurrency, MinEventSourceConcurrency, MaxEventSourceConcurrency)
	case s.WorkerReservedConcurrency < s.WorkerMaxConcurrency:
		return fmt.Errorf("%s: worker reserved concurrency %d is below its event source's maximum concurrency %d: the event source would invoke a throttled function", s.Env, s.WorkerReservedConcurrency, s.WorkerMaxConcurrency)
	}
	return nil
}

// For returns the settings of env, or an error naming the known environments.
func For(env string) (Settings, error) {
	s, err := settingsOf(env)
	if err != nil {
		return Settings{}, err
	}
	if err := s.Validate(); err != nil {
		return Settings{}, err
	}
	return s, nil
}

func settingsOf(env string) (Settings, error) {
	switch env {
	case resourcenames.EnvDev:
		return Settings{
			Env:                 env,
			LogRetention:        awslogs.RetentionDays_ONE_WEEK,
			RemovalPolicy:       awscdk.RemovalPolicy_DESTROY,
			DeletionProtection:  false,
			PointInTimeRecovery: true,
			// Enough for people trying the bot by hand; a load test runs locally (make load).
			WebhookReservedConcurrency: 10,
			APIRateLimit:               10,
			APIBurstLimit:              10,
			WorkerReservedConcurrency:  2,
			WorkerMaxConcurrency:       2,
		}, nil
	case resourcenames.EnvStaging:
		return Settings{
			Env:                        env,
			LogRetention:               awslogs.RetentionDays_ONE_MONTH,
			RemovalPolicy:              awscdk.RemovalPolicy_RETAIN,
			DeletionProtection:         false,
			PointInTimeRecovery:        true,
			WebhookReservedConcurrency: 20,
			APIRateLimit:               20,
			APIBurstLimit:              20,
			WorkerReservedConcurrency:  5,
			WorkerMaxConcurrency:       5,
		}, nil
	case resourcenames.EnvProd:
		return Settings{
			Env:                 env,
			LogRetention:        awslogs.RetentionDays_SIX_MONTHS,
			RemovalPolicy:       awscdk.RemovalPolicy_RETAIN,
			DeletionProtection:  true,
			PointInTimeRecovery: true,
			// Up to 100 incoming messages a second; 20 customers' turns at a time, whose Twilio
			// sends stay near one WhatsApp sender's default 80 a second (docs/operations.md).
			WebhookReservedConcurrency: 100,
			APIRateLimit:               100,
			APIBurstLimit:              100,
			WorkerReservedConcurrency:  20,
			WorkerMaxConcurrency:       20,
		}, nil
	default:
		return Settings{}, fmt.Errorf("unknown environment %q: choose one of %s (cdk synth -c env=dev)",
			env, strings.Join(resourcenames.Environments, ", "))
	}
}
