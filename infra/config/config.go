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
}

// For returns the settings of env, or an error naming the known environments.
func For(env string) (Settings, error) {
	switch env {
	case resourcenames.EnvDev:
		return Settings{
			Env:                 env,
			LogRetention:        awslogs.RetentionDays_ONE_WEEK,
			RemovalPolicy:       awscdk.RemovalPolicy_DESTROY,
			DeletionProtection:  false,
			PointInTimeRecovery: true,
		}, nil
	case resourcenames.EnvStaging:
		return Settings{
			Env:                 env,
			LogRetention:        awslogs.RetentionDays_ONE_MONTH,
			RemovalPolicy:       awscdk.RemovalPolicy_RETAIN,
			DeletionProtection:  false,
			PointInTimeRecovery: true,
		}, nil
	case resourcenames.EnvProd:
		return Settings{
			Env:                 env,
			LogRetention:        awslogs.RetentionDays_SIX_MONTHS,
			RemovalPolicy:       awscdk.RemovalPolicy_RETAIN,
			DeletionProtection:  true,
			PointInTimeRecovery: true,
		}, nil
	default:
		return Settings{}, fmt.Errorf("unknown environment %q: choose one of %s (cdk synth -c env=dev)",
			env, strings.Join(resourcenames.Environments, ", "))
	}
}
