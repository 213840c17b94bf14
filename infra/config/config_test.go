package config

import (
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
		{resourcenames.EnvDev, Settings{Env: "dev", LogRetention: awslogs.RetentionDays_ONE_WEEK, RemovalPolicy: awscdk.RemovalPolicy_DESTROY, DeletionProtection: false, PointInTimeRecovery: true}},
		{resourcenames.EnvStaging, Settings{Env: "staging", LogRetention: awslogs.RetentionDays_ONE_MONTH, RemovalPolicy: awscdk.RemovalPolicy_RETAIN, DeletionProtection: false, PointInTimeRecovery: true}},
		{resourcenames.EnvProd, Settings{Env: "prod", LogRetention: awslogs.RetentionDays_SIX_MONTHS, RemovalPolicy: awscdk.RemovalPolicy_RETAIN, DeletionProtection: true, PointInTimeRecovery: true}},
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
