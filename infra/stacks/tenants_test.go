package stacks_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/wabot-platform/wabot/infra/internal/cdktest"
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

const customAWSType = "Custom::AWS"

// storeRegistration returns the Custom::AWS resource that registers store st's queue, with
// its logical id.
func storeRegistration(t *testing.T, fx *fixture, st tenant.TenantStore) (string, map[string]any) {
	t.Helper()
	id := fx.logicalID(t, st.Registration().Node().FindChild(jsii.String("Resource")))
	res, _ := (*fx.template.ToJSON())["Resources"].(map[string]any)[id].(map[string]any)
	if res == nil || res["Type"] != customAWSType {
		t.Fatalf("%s/%s: registration %s is %v, want a %s resource", st.ClientID(), st.StoreID(), id, res["Type"], customAWSType)
	}
	return id, res
}

// Each store writes its queue's URL and ARN into its own record of WhatsAppBotStoreConfig on
// create and on update, with an UpdateItem that changes those two attributes only, and never
// touches the record on delete.
func TestStoresRegisterTheirQueuesInStoreConfig(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	storeTable := fx.logicalID(t, fx.stack.Data().StoreConfig())
	check(t, func() { fx.template.ResourceCountIs(jsii.String(customAWSType), jsii.Number(len(demoStores))) })
	for _, c := range fx.stack.Tenants() {
		for _, st := range c.Stores() {
			t.Run(st.ClientID()+"/"+st.StoreID(), func(t *testing.T) {
				_, res := storeRegistration(t, fx, st)
				props, _ := res["Properties"].(map[string]any)
				if d, ok := props["Delete"]; ok {
					t.Errorf("registration has a Delete call %v, want none", d)
				}
				if props["InstallLatestAwsSdk"] != false {
					t.Errorf("InstallLatestAwsSdk = %v, want false (no npm install at deploy time)", props["InstallLatestAwsSdk"])
				}
				queue := fx.logicalID(t, st.Queue())
				want := map[string]any{
					"service": "DynamoDB",
					"action":  "updateItem",
					"parameters": map[string]any{
						"TableName": cdktest.RefPlaceholder(storeTable),
						"Key": map[string]any{
							resourcenames.AttrClientID: map[string]any{"S": st.ClientID()},
							resourcenames.AttrStoreID:  map[string]any{"S": st.StoreID()},
						},
						"UpdateExpression": "SET sqsQueueUrl = :u, sqsQueueArn = :a",
						"ExpressionAttributeValues": map[string]any{
							":u": map[string]any{"S": cdktest.RefPlaceholder(queue)},
							":a": map[string]any{"S": cdktest.GetAttPlaceholder(queue, "Arn")},
						},
					},
					// Fixed: an update is never a replacement.
					"physicalResourceId": map[string]any{"id": st.ClientID() + "/" + st.StoreID()},
				}
				for _, phase := range []string{"Create", "Update"} {
					call, err := cdktest.SDKCall(props[phase])
					if err != nil {
						t.Fatalf("%s: %v", phase, err)
					}
					if !jsonEqual(call, want) {
						got, _ := json.MarshalIndent(call, "", "  ")
						exp, _ := json.MarshalIndent(want, "", "  ")
						t.Errorf("%s call:\n%s\nwant:\n%s", phase, got, exp)
					}
				}
			})
		}
	}
}

// Each registration's own policy allows UpdateItem on the store table's ARN (no index, no
// other table, no other DynamoDB action) and the write actions on the data key, and the
// custom resource waits for it.
func TestStoreRegistrationPolicyIsUpdateItemOnStoreTable(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	storeTable := fx.logicalID(t, fx.stack.Data().StoreConfig())
	wantStatements := []any{
		map[string]any{"Action": "dynamodb:UpdateItem", "Effect": "Allow", "Resource": getAtt(storeTable, "Arn")},
		map[string]any{
			"Action": []any{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"},
			"Effect": "Allow", "Resource": fx.keyArn(),
		},
	}
	for _, c := range fx.stack.Tenants() {
		for _, st := range c.Stores() {
			t.Run(st.ClientID()+"/"+st.StoreID(), func(t *testing.T) {
				_, res := storeRegistration(t, fx, st)
				deps, _ := res["DependsOn"].([]any)
				policies := *fx.template.FindResources(jsii.String(policyType), nil)
				var policy map[string]any
				for _, d := range deps {
					if p := policies[d.(string)]; p != nil {
						if policy != nil {
							t.Fatalf("registration depends on more than one policy: %v", deps)
						}
						policy = (*p)["Properties"].(map[string]any)
					}
				}
				if policy == nil {
					t.Fatalf("registration depends on no policy (DependsOn %v): it could run before it may write", deps)
				}
				doc, _ := policy["PolicyDocument"].(map[string]any)
				if got, _ := doc["Statement"].([]any); !slices.EqualFunc(got, wantStatements, jsonEqual) {
					b, _ := json.MarshalIndent(got, "", "  ")
					t.Errorf("registration policy statements:\n%s\nwant UpdateItem on the store table and the data key's write actions", b)
				}
			})
		}
	}
}

// The stores share one provider function (AwsCustomResource's per-stack singleton) with a
// role of our own: no managed policy (AWSLambdaBasicExecutionRole would allow writing to every
// log group), logs to its own log group only, and the stores' UpdateItem policies attached.
func TestStoreRegistrationProviderRole(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	providers := *fx.template.FindResources(jsii.String(functionType), map[string]any{
		"Properties": map[string]any{"Handler": "index.handler"},
	})
	if len(providers) != 1 {
		t.Fatalf("%d registration provider functions, want 1 shared by every store", len(providers))
	}
	var role, logs string
	for id, p := range providers {
		props := (*p)["Properties"].(map[string]any)
		roleArn, _ := props["Role"].(map[string]any)["Fn::GetAtt"].([]any)
		if len(roleArn) == 2 {
			role, _ = roleArn[0].(string)
		}
		lc, _ := props["LoggingConfig"].(map[string]any)
		lg, _ := lc["LogGroup"].(map[string]any)
		logs, _ = lg["Ref"].(string)
		for _, c := range fx.stack.Tenants() {
			for _, st := range c.Stores() {
				_, res := storeRegistration(t, fx, st)
				if token := res["Properties"].(map[string]any)["ServiceToken"]; !jsonEqual(token, getAtt(id, "Arn")) {
					t.Errorf("%s/%s's registration is served by %v, want %s", st.ClientID(), st.StoreID(), token, id)
				}
			}
		}
	}
	if role == "" || logs == "" {
		t.Fatalf("provider role %q, log group %q: want both from the template", role, logs)
	}
	roles := *fx.template.FindResources(jsii.String("AWS::IAM::Role"), map[string]any{
		"Properties": map[string]any{"ManagedPolicyArns": assertions.Match_Absent()},
	})
	if roles[role] == nil {
		t.Errorf("provider role %s is not in the template or has managed policies", role)
	}
	// The role has its default policy (logs) and one policy per store (UpdateItem).
	var write []map[string]any
	for _, p := range *fx.template.FindResources(jsii.String(policyType), map[string]any{
		"Properties": map[string]any{"Roles": assertions.Match_Exact([]any{ref(role)})},
	}) {
		doc, _ := (*p)["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)
		write = append(write, statements(doc, "logs:PutLogEvents")...)
	}
	if len(write) != 1 || !slices.EqualFunc(resources(write[0]), []any{getAtt(logs, "Arn")}, jsonEqual) {
		t.Errorf("provider may write logs to %v, want only its log group %s", write, logs)
	}
	attached := *fx.template.FindResources(jsii.String(policyType), map[string]any{
		"Properties": map[string]any{
			"Roles":          assertions.Match_Exact([]any{ref(role)}),
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{"Action": "dynamodb:UpdateItem"})})},
		},
	})
	if len(attached) != len(demoStores) {
		t.Errorf("%d UpdateItem policies on the provider role, want one per store (%d)", len(attached), len(demoStores))
	}
}

// Staging and prod declare no stores yet: no registration, no provider.
func TestNoStoreRegistrationWithoutStores(t *testing.T) {
	for _, env := range []string{resourcenames.EnvStaging, resourcenames.EnvProd} {
		t.Run(env, func(t *testing.T) {
			fx := envFixture(t, env)
			check(t, func() { fx.template.ResourceCountIs(jsii.String(customAWSType), jsii.Number(0)) })
			check(t, func() {
				fx.template.ResourcePropertiesCountIs(jsii.String(functionType), map[string]any{"Handler": "index.handler"}, jsii.Number(0))
			})
		})
	}
}
