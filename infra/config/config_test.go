package config

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/wabot-platform/wabot/shared/resourcenames"
)

func TestForKnownEnvironments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  string
		want Settings
	}{
		{resourcenames.EnvDev, Settings{Env: "dev", LogRetention: awslogs.RetentionDays_ONE_WEEK, RemovalPolicy: awscdk.RemovalPolicy_DESTROY, DeletionProtection: false, PointInTimeRecovery: true,
			WebhookReservedConcurrency: 10, APIRateLimit: 10, APIBurstLimit: 10, WorkerReservedConcurrency: 2, WorkerMaxConcurrency: 2}},
		{resourcenames.EnvStaging, Settings{Env: "staging", LogRetention: awslogs.RetentionDays_ONE_MONTH, RemovalPolicy: awscdk.RemovalPolicy_RETAIN, DeletionProtection: false, PointInTimeRecovery: true,
			WebhookReservedConcurrency: 20, APIRateLimit: 20, APIBurstLimit: 20, WorkerReservedConcurrency: 5, WorkerMaxConcurrency: 5}},
		{resourcenames.EnvProd, Settings{Env: "prod", LogRetention: awslogs.RetentionDays_SIX_MONTHS, RemovalPolicy: awscdk.RemovalPolicy_RETAIN, DeletionProtection: true, PointInTimeRecovery: true,
			WebhookReservedConcurrency: 100, APIRateLimit: 100, APIBurstLimit: 100, WorkerReservedConcurrency: 20, WorkerMaxConcurrency: 20}},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			t.Parallel()
			got, err := For(tt.env)
			if err != nil {
				t.Fatalf("For(%q): %v", tt.env, err)
			}
			if got != tt.want {
				t.Errorf("For(%q) = %+v, want %+v", tt.env, got, tt.want)
			}
		})
	}
}

func TestForEveryNamingEnvironment(t *testing.T) {
	t.Parallel()
	// A new environment added to naming must get settings here, or synth of it fails.
	for _, env := range resourcenames.Environments {
		if _, err := For(env); err != nil {
			t.Errorf("For(%q): %v", env, err)
		}
	}
}

func TestForRejectsUnknownEnvironment(t *testing.T) {
	t.Parallel()
	for _, env := range []string{"", "Dev", "production", "test"} {
		if _, err := For(env); err == nil {
			t.Errorf("For(%q) succeeded, want an error", env)
		}
	}
}

// Lambda keeps at least 100 of an account's concurrent executions unreserved (1,000 by default
// per Region), and all three environments may share one account.
func TestReservedConcurrencyOfAllEnvironmentsFitsOneAccount(t *testing.T) {
	t.Parallel()
	const accountConcurrency, unreservedMinimum = 1000, 100
	total := 0
	for _, env := range resourcenames.Environments {
		s, err := For(env)
		if err != nil {
			t.Fatal(err)
		}
		total += s.WebhookReservedConcurrency + s.WorkerReservedConcurrency
	}
	if total > accountConcurrency-unreservedMinimum {
		t.Errorf("the environments reserve %d concurrent executions, more than %d - %d", total, accountConcurrency, unreservedMinimum)
	}
}

// Prod takes more of everything than staging, staging at least as much as dev.
func TestConcurrencyGrowsTowardsProd(t *testing.T) {
	t.Parallel()
	var prev Settings
	for i, env := range resourcenames.Environments {
		s, err := For(env)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 && (s.WebhookReservedConcurrency < prev.WebhookReservedConcurrency || s.WorkerMaxConcurrency < prev.WorkerMaxConcurrency) {
			t.Errorf("%s takes less concurrency than %s: %+v < %+v", env, prev.Env, s, prev)
		}
		prev = s
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	valid := func() Settings {
		s, err := For(resourcenames.EnvProd)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct {
		name    string
		mutate  func(*Settings)
		wantErr string
	}{
		{"prod", func(*Settings) {}, ""},
		{"no webhook concurrency", func(s *Settings) { s.WebhookReservedConcurrency = 0 }, "webhook reserved concurrency"},
		{"stage rate above the webhook's concurrency", func(s *Settings) { s.APIRateLimit = s.WebhookReservedConcurrency + 1 }, "API rate limit"},
		{"stage burst above the webhook's concurrency", func(s *Settings) { s.APIBurstLimit = s.WebhookReservedConcurrency + 1 }, "API burst limit"},
		{"no stage rate", func(s *Settings) { s.APIRateLimit = 0 }, "API rate limit"},
		{"event source below Lambda's minimum", func(s *Settings) { s.WorkerMaxConcurrency = 1 }, "maximum concurrency 1"},
		{"event source above Lambda's maximum", func(s *Settings) { s.WorkerMaxConcurrency, s.WorkerReservedConcurrency = 1001, 1001 }, "maximum concurrency 1001"},
		{"event source above the worker's reservation", func(s *Settings) { s.WorkerReservedConcurrency = s.WorkerMaxConcurrency - 1 }, "throttled function"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := valid()
			tt.mutate(&s)
			err := s.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
