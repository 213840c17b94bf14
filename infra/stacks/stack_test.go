package stacks_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/wabot-platform/wabot/infra/internal/cdktest"
	"github.com/wabot-platform/wabot/infra/stacks"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

func TestEnvFromContext(t *testing.T) {
	tests := []struct {
		name    string
		context map[string]any
		want    string
		wantErr bool
	}{
		{"default is dev", nil, resourcenames.EnvDev, false},
		{"dev", map[string]any{"env": "dev"}, resourcenames.EnvDev, false},
		{"staging", map[string]any{"env": "staging"}, resourcenames.EnvStaging, false},
		{"prod", map[string]any{"env": "prod"}, resourcenames.EnvProd, false},
		{"unknown", map[string]any{"env": "qa"}, "", true},
		{"wrong case", map[string]any{"env": "Prod"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := stacks.EnvFromContext(cdktest.NewApp(tt.context))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("EnvFromContext = %q, want an error", got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("EnvFromContext = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestBuildRejectsUnknownEnvironment(t *testing.T) {
	if _, err := stacks.Build(newApp(nil), "qa"); err == nil {
		t.Fatal("Build(qa) succeeded, want an error")
	}
}

func TestStackIsNamedPerEnvironmentAndEnvironmentAgnostic(t *testing.T) {
	for _, env := range resourcenames.Environments {
		t.Run(env, func(t *testing.T) {
			stack := envFixture(t, env).stack
			if got, want := *stack.StackName(), resourcenames.StackName(env); got != want {
				t.Errorf("stack name = %q, want %q", got, want)
			}
			// Unresolved account and region: synth needs no credentials and no lookups.
			if got := *stack.Environment(); got != "aws://unknown-account/unknown-region" {
				t.Errorf("stack environment = %q, want it environment-agnostic", got)
			}
		})
	}
}

func TestStackTags(t *testing.T) {
	for _, env := range resourcenames.Environments {
		t.Run(env, func(t *testing.T) {
			tags := envFixture(t, env).stack.Tags().TagValues()
			want := map[string]string{resourcenames.TagApp: resourcenames.AppName, resourcenames.TagEnv: env}
			for k, v := range want {
				if got := (*tags)[k]; got == nil || *got != v {
					t.Errorf("stack tag %s = %v, want %q", k, got, v)
				}
			}
		})
	}
}

// Every taggable resource carries application and environment: cost allocation and the
// environment condition of IAM policies rely on it.
func TestEveryTaggableResourceIsTagged(t *testing.T) {
	taggable := []string{
		"AWS::KMS::Key", "AWS::DynamoDB::Table", "AWS::SQS::Queue",
		"AWS::SecretsManager::Secret", "AWS::CloudWatch::Alarm",
		"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::Logs::LogGroup", "AWS::Lambda::EventSourceMapping",
	}
	for _, env := range resourcenames.Environments {
		fx := envFixture(t, env)
		for _, typ := range taggable {
			if len(*fx.template.FindResources(jsii.String(typ), nil)) == 0 {
				continue // staging and prod have no tenant resources yet
			}
			t.Run(env+"/"+typ, func(t *testing.T) {
				check(t, func() {
					fx.template.AllResourcesProperties(jsii.String(typ), map[string]any{
						"Tags": assertions.Match_ArrayWith(&[]any{tag(resourcenames.TagApp, resourcenames.AppName), tag(resourcenames.TagEnv, env)}),
					})
				})
			})
		}
	}
}

func TestNoAwsSolutionsErrors(t *testing.T) {
	for _, env := range resourcenames.Environments {
		t.Run(env, func(t *testing.T) {
			fx := envFixture(t, env)
			check(t, func() {
				fx.annotations.HasNoError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
			})
		})
	}
}

func TestNoAwsSolutionsWarnings(t *testing.T) {
	for _, env := range resourcenames.Environments {
		t.Run(env, func(t *testing.T) {
			fx := envFixture(t, env)
			check(t, func() {
				fx.annotations.HasNoWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
			})
		})
	}
}

// The zero-findings tests above can fail: Build applies the pack, and its findings are error
// annotations. Under cdk.json's @aws-cdk/core:annotationsInValidationReport the app's own
// synthesis then fails with a validation report naming the rule, and so does cdk synth.
func TestAwsSolutionsFindingFailsSynthesis(t *testing.T) {
	stack, err := stacks.Build(newApp(nil), resourcenames.EnvStaging)
	if err != nil {
		t.Fatal(err)
	}
	awssqs.NewQueue(stack, jsii.String("PlainTextQueue"), &awssqs.QueueProps{
		Encryption: awssqs.QueueEncryption_UNENCRYPTED,
		EnforceSSL: jsii.Bool(false),
	})
	r := cdktest.Panics(func() { assertions.Template_FromStack(stack, nil) })
	if r == nil {
		t.Fatal("synthesis of a queue without encryption or TLS succeeded, want a validation failure")
	}
	violations, err := cdktest.Violations(r)
	if err != nil {
		t.Fatalf("synthesis failed without a validation report: %v", err)
	}
	for _, rule := range []string{"AwsSolutions-SQS2", "AwsSolutions-SQS4"} {
		found := false
		for _, v := range violations {
			if strings.HasPrefix(v.Finding, rule+":") && slices.Contains(v.Paths, "Wabot-staging/PlainTextQueue/Resource") {
				found = true
			}
		}
		if !found {
			t.Errorf("validation report has no %s on the queue: %+v", rule, violations)
		}
	}
}
