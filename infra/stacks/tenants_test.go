package stacks_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/wabot-platform/wabot/infra/tenant"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

type demoStore struct{ clientID, storeID string }

// The dev catalog's demo stores: the local stack and the runtime's tests rely on them.
var demoStores = []demoStore{
	{"demo-pizzaria", "centro"},
	{"demo-pizzaria", "paulista"},
	{"demo-burger", "vila-madalena"},
}

var demoBrands = map[string]string{
	"demo-pizzaria": "whatsapp:+5511990000001",
	"demo-burger":   "whatsapp:+5511990000002",
}

const queueType = "AWS::SQS::Queue"

// storeTagged matches resources tagged with a storeId: a store's, not the runtime's.
func storeTagged() map[string]any {
	return map[string]any{"Tags": assertions.Match_ArrayWith(&[]any{
		assertions.Match_ObjectLike(&map[string]any{"Key": resourcenames.TagStoreID}),
	})}
}

// clientTagged matches resources tagged with a clientId: a tenant's.
func clientTagged() map[string]any {
	return map[string]any{"Tags": assertions.Match_ArrayWith(&[]any{
		assertions.Match_ObjectLike(&map[string]any{"Key": resourcenames.TagClientID}),
	})}
}

func TestDevHasOneQueueAndDLQPerDemoStore(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	check(t, func() {
		fx.template.ResourcePropertiesCountIs(jsii.String(queueType), storeTagged(), jsii.Number(2*len(demoStores)))
	})
	for _, s := range demoStores {
		for _, name := range []string{
			resourcenames.StoreOrderQueue(resourcenames.EnvDev, s.clientID, s.storeID),
			resourcenames.StoreOrderDLQ(resourcenames.EnvDev, s.clientID, s.storeID),
		} {
			t.Run(name, func(t *testing.T) {
				check(t, func() {
					fx.template.ResourcePropertiesCountIs(jsii.String(queueType), map[string]any{"QueueName": name}, jsii.Number(1))
				})
			})
		}
	}
}

// dlqID finds the logical id of a store's dead-letter queue.
func dlqID(t *testing.T, fx *fixture, s demoStore) string {
	t.Helper()
	found := *fx.template.FindResources(jsii.String(queueType), map[string]any{
		"Properties": map[string]any{"QueueName": resourcenames.StoreOrderDLQ(resourcenames.EnvDev, s.clientID, s.storeID)},
	})
	if len(found) != 1 {
		t.Fatalf("%d dead-letter queues for %s/%s, want 1", len(found), s.clientID, s.storeID)
	}
	for id := range found {
		return id
	}
	return ""
}

func TestStoreQueueRedrivesToItsOwnDLQ(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	for _, s := range demoStores {
		t.Run(s.clientID+"/"+s.storeID, func(t *testing.T) {
			dlq := dlqID(t, fx, s)
			check(t, func() {
				fx.template.HasResourceProperties(jsii.String(queueType), map[string]any{
					"QueueName":                 resourcenames.StoreOrderQueue(resourcenames.EnvDev, s.clientID, s.storeID),
					"FifoQueue":                 true,
					"ContentBasedDeduplication": false,
					"VisibilityTimeout":         60,
					"MessageRetentionPeriod":    4 * 24 * 3600,
					"KmsMasterKeyId":            fx.keyArn(),
					"RedrivePolicy": assertions.Match_Exact(map[string]any{
						"deadLetterTargetArn": map[string]any{"Fn::GetAtt": []any{dlq, "Arn"}},
						"maxReceiveCount":     5,
					}),
				})
			})
		})
	}
}

func TestStoreDLQ(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	for _, s := range demoStores {
		t.Run(s.clientID+"/"+s.storeID, func(t *testing.T) {
			check(t, func() {
				fx.template.HasResourceProperties(jsii.String(queueType), map[string]any{
					"QueueName":                 resourcenames.StoreOrderDLQ(resourcenames.EnvDev, s.clientID, s.storeID),
					"FifoQueue":                 true,
					"ContentBasedDeduplication": false,
					"MessageRetentionPeriod":    14 * 24 * 3600,
					"KmsMasterKeyId":            fx.keyArn(),
					"RedrivePolicy":             assertions.Match_Absent(),
				})
			})
		})
	}
}

func TestStoreQueuesAreTaggedWithTenant(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	for _, s := range demoStores {
		for _, name := range []string{
			resourcenames.StoreOrderQueue(resourcenames.EnvDev, s.clientID, s.storeID),
			resourcenames.StoreOrderDLQ(resourcenames.EnvDev, s.clientID, s.storeID),
		} {
			t.Run(name, func(t *testing.T) {
				check(t, func() {
					fx.template.HasResourceProperties(jsii.String(queueType), map[string]any{
						"QueueName": name,
						"Tags": assertions.Match_ArrayWith(&[]any{
							tag(resourcenames.TagClientID, s.clientID),
							tag(resourcenames.TagStoreID, s.storeID),
						}),
					})
				})
			})
		}
	}
}

func TestEveryQueueDeniesPlainHTTP(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	// One per queue: the stores' and the runtime's inbound queue and dead-letter queue.
	check(t, func() {
		fx.template.ResourceCountIs(jsii.String("AWS::SQS::QueuePolicy"), jsii.Number(2*len(demoStores)+2))
	})
	check(t, func() {
		fx.template.AllResourcesProperties(jsii.String("AWS::SQS::QueuePolicy"), map[string]any{
			// Inside ArrayWith, plain objects match exactly: ObjectLike allows Principal and Resource.
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Effect":    "Deny",
				"Action":    "sqs:*",
				"Principal": map[string]any{"AWS": "*"},
				"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
			})})},
		})
	})
}

func TestStoreDLQAlarm(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	check(t, func() {
		fx.template.ResourcePropertiesCountIs(jsii.String("AWS::CloudWatch::Alarm"), storeTagged(), jsii.Number(len(demoStores)))
	})
	for _, s := range demoStores {
		t.Run(s.clientID+"/"+s.storeID, func(t *testing.T) {
			dlq := dlqID(t, fx, s)
			check(t, func() {
				fx.template.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
					"Namespace":  "AWS/SQS",
					"MetricName": "ApproximateNumberOfMessagesVisible",
					"Dimensions": assertions.Match_Exact([]any{map[string]any{
						"Name":  "QueueName",
						"Value": map[string]any{"Fn::GetAtt": []any{dlq, "QueueName"}},
					}}),
					"ComparisonOperator": "GreaterThanOrEqualToThreshold",
					"Threshold":          1,
					"EvaluationPeriods":  1,
					"DatapointsToAlarm":  1,
					"Period":             300,
					"TreatMissingData":   "notBreaching",
				})
			})
		})
	}
}

func TestBrandSecrets(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	check(t, func() {
		fx.template.ResourceCountIs(jsii.String("AWS::SecretsManager::Secret"), jsii.Number(2*len(demoBrands)))
	})
	for clientID := range demoBrands {
		tests := []struct {
			name, template, generated string
		}{
			{resourcenames.TwilioSecret(resourcenames.EnvDev, clientID), `{"accountSid":""}`, "authToken"},
			{resourcenames.AsaasSecret(resourcenames.EnvDev, clientID), `{"webhookToken":""}`, "apiKey"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				check(t, func() {
					fx.template.HasResourceProperties(jsii.String("AWS::SecretsManager::Secret"), map[string]any{
						"Name":     tt.name,
						"KmsKeyId": fx.keyArn(),
						// A generated placeholder, never a value from code.
						"GenerateSecretString": assertions.Match_Exact(map[string]any{
							"SecretStringTemplate": tt.template,
							"GenerateStringKey":    tt.generated,
						}),
						"SecretString": assertions.Match_Absent(),
						"Tags":         assertions.Match_ArrayWith(&[]any{tag(resourcenames.TagClientID, clientID)}),
					})
				})
			})
		}
	}
}

func TestDevTenantResourcesAreDisposable(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	for _, typ := range []string{queueType, "AWS::SecretsManager::Secret"} {
		check(t, func() {
			fx.template.AllResources(jsii.String(typ), map[string]any{"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"})
		})
	}
	// Staging and prod catalogs are empty today: package tenant checks Retain on constructs.
}

func TestDevCatalogDeclaresDemoTenants(t *testing.T) {
	got := envFixture(t, resourcenames.EnvDev).stack.Tenants()
	if len(got) != len(demoBrands) {
		t.Fatalf("%d brands, want %d", len(got), len(demoBrands))
	}
	var stores []demoStore
	for _, c := range got {
		if want := demoBrands[c.ClientID()]; c.TwilioPhoneNumber() != want {
			t.Errorf("brand %s number = %q, want %q", c.ClientID(), c.TwilioPhoneNumber(), want)
		}
		for _, s := range c.Stores() {
			stores = append(stores, demoStore{s.ClientID(), s.StoreID()})
		}
	}
	if len(stores) != len(demoStores) {
		t.Fatalf("stores = %v, want %v", stores, demoStores)
	}
	for i := range stores {
		if stores[i] != demoStores[i] {
			t.Errorf("store %d = %v, want %v", i, stores[i], demoStores[i])
		}
	}
	if err := tenant.CheckUnique(got); err != nil {
		t.Error(err)
	}
}

func TestStagingAndProdHaveNoTenantsYet(t *testing.T) {
	for _, env := range []string{resourcenames.EnvStaging, resourcenames.EnvProd} {
		t.Run(env, func(t *testing.T) {
			fx := envFixture(t, env)
			check(t, func() { fx.template.ResourceCountIs(jsii.String("AWS::SecretsManager::Secret"), jsii.Number(0)) })
			// The runtime's queues and alarms are there; nothing belongs to a tenant.
			for _, typ := range []string{queueType, "AWS::CloudWatch::Alarm"} {
				check(t, func() { fx.template.ResourcePropertiesCountIs(jsii.String(typ), clientTagged(), jsii.Number(0)) })
			}
		})
	}
}
