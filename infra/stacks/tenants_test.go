package stacks_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/wabot-platform/wabot/infra/internal/cdktest"
	"github.com/wabot-platform/wabot/infra/tenant"
	"github.com/wabot-platform/wabot/infra/tenant/registration"
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
	// Two per brand, besides the platform's pseudonymisation key (admin_test.go).
	check(t, func() {
		fx.template.ResourcePropertiesCountIs(jsii.String("AWS::SecretsManager::Secret"), clientTagged(), jsii.Number(2*len(demoBrands)))
	})
	check(t, func() {
		fx.template.ResourceCountIs(jsii.String("AWS::SecretsManager::Secret"), jsii.Number(2*len(demoBrands)+1))
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
			// The platform's pseudonymisation key (admin_test.go) is the only secret.
			check(t, func() { fx.template.ResourceCountIs(jsii.String("AWS::SecretsManager::Secret"), jsii.Number(1)) })
			// The runtime's queues, alarms and secret are there; nothing belongs to a tenant.
			for _, typ := range []string{queueType, "AWS::CloudWatch::Alarm", "AWS::SecretsManager::Secret"} {
				check(t, func() { fx.template.ResourcePropertiesCountIs(jsii.String(typ), clientTagged(), jsii.Number(0)) })
			}
		})
	}
}

const (
	customAWSType = "Custom::AWS"
	profileType   = "AWS::Bedrock::ApplicationInferenceProfile"
)

// sameJSON reports whether a and b marshal to the same JSON.
func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// registrationOf returns the Custom::AWS resource of a registration (a brand's or a store's),
// with its logical id, failing t unless it is one.
func registrationOf(t *testing.T, fx *fixture, what string, cr interface{ Node() constructs.Node }) (string, map[string]any) {
	t.Helper()
	id := fx.logicalID(t, cr.Node().FindChild(jsii.String("Resource")))
	res, _ := (*fx.template.ToJSON())["Resources"].(map[string]any)[id].(map[string]any)
	if res == nil || res["Type"] != customAWSType {
		t.Fatalf("%s: registration %s is %v, want a %s resource", what, id, res["Type"], customAWSType)
	}
	return id, res
}

// sdkCalls decodes a registration's Create, Update and Delete calls.
func sdkCalls(t *testing.T, res map[string]any) map[string]map[string]any {
	t.Helper()
	props, _ := res["Properties"].(map[string]any)
	if props["InstallLatestAwsSdk"] != false {
		t.Errorf("InstallLatestAwsSdk = %v, want false (no npm install at deploy time)", props["InstallLatestAwsSdk"])
	}
	out := map[string]map[string]any{}
	for _, phase := range []string{"Create", "Update", "Delete"} {
		call, err := cdktest.SDKCall(props[phase])
		if err != nil {
			t.Fatalf("%s: %v", phase, err)
		}
		out[phase] = call
	}
	return out
}

// checkCalls compares a registration's calls with upsert (create, update) and deactivate
// (delete), as the provider receives them.
func checkCalls(t *testing.T, got map[string]map[string]any, physicalID string, upsert, deactivate map[string]any) {
	t.Helper()
	call := func(params map[string]any, ignore string) map[string]any {
		c := map[string]any{
			"service": "DynamoDB", "action": "updateItem", "parameters": params,
			// Fixed: an update is never a replacement (whose delete would deactivate the record).
			"physicalResourceId": map[string]any{"id": physicalID},
		}
		if ignore != "" {
			c["ignoreErrorCodesMatching"] = ignore
		}
		return c
	}
	for phase, want := range map[string]map[string]any{
		"Create": call(upsert, ""),
		"Update": call(upsert, ""),
		// Deactivates an existing record; a missing one is left missing.
		"Delete": call(deactivate, registration.ConditionalCheckFailed),
	} {
		if !sameJSON(got[phase], want) {
			g, _ := json.MarshalIndent(got[phase], "", "  ")
			w, _ := json.MarshalIndent(want, "", "  ")
			t.Errorf("%s call:\n%s\nwant:\n%s", phase, g, w)
		}
	}
}

// Each store registers its record in WhatsAppBotStoreConfig: on create and update its queue's
// URL and ARN always, storeName, active and createdAt only when absent, version + 1; on
// delete it deactivates the record, never deletes it.
func TestStoresRegisterInStoreConfig(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	storeTable := cdktest.RefPlaceholder(fx.logicalID(t, fx.stack.Data().StoreConfig()))
	names := map[string]string{"centro": "Centro", "paulista": "Paulista", "vila-madalena": "Vila Madalena"}
	for _, c := range fx.stack.Tenants() {
		for _, st := range c.Stores() {
			t.Run(st.ClientID()+"/"+st.StoreID(), func(t *testing.T) {
				_, res := registrationOf(t, fx, st.ClientID()+"/"+st.StoreID(), st.Registration())
				queue := fx.logicalID(t, st.Queue())
				checkCalls(t, sdkCalls(t, res), st.ClientID()+"/"+st.StoreID(),
					registration.StoreUpsert(storeTable, registration.Store{
						ClientID: st.ClientID(), StoreID: st.StoreID(), StoreName: names[st.StoreID()],
						QueueURL: cdktest.RefPlaceholder(queue), QueueARN: cdktest.GetAttPlaceholder(queue, "Arn"),
						CreatedAt: "2025-01-01T00:00:00Z",
					}),
					registration.StoreDeactivate(storeTable, st.ClientID(), st.StoreID()))
			})
		}
	}
}

// Each brand registers its record in WhatsAppBotClientConfig: on create and update its number
// and its secrets' and inference profile's ARNs always, name, defaultLanguage, active,
// asaasSandbox and createdAt only when absent, version + 1; on delete it deactivates it.
func TestBrandsRegisterInClientConfig(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	clientTable := cdktest.RefPlaceholder(fx.logicalID(t, fx.stack.Data().ClientConfig()))
	want := map[string]struct{ name, lang string }{
		"demo-pizzaria": {"Pizzaria Demo", "pt-BR"},
		"demo-burger":   {"Burger Demo", "en-US"},
	}
	for _, c := range fx.stack.Tenants() {
		t.Run(c.ClientID(), func(t *testing.T) {
			_, res := registrationOf(t, fx, c.ClientID(), c.Registration())
			checkCalls(t, sdkCalls(t, res), c.ClientID(),
				registration.ClientUpsert(clientTable, registration.Client{
					ClientID: c.ClientID(), TwilioPhoneNumber: demoBrands[c.ClientID()],
					Name: want[c.ClientID()].name, DefaultLanguage: want[c.ClientID()].lang, CreatedAt: "2025-01-01T00:00:00Z",
					TwilioSecretARN:     cdktest.RefPlaceholder(fx.logicalID(t, c.TwilioSecret())),
					AsaasSecretARN:      cdktest.RefPlaceholder(fx.logicalID(t, c.AsaasSecret())),
					InferenceProfileARN: cdktest.GetAttPlaceholder(fx.logicalID(t, c.InferenceProfile()), "InferenceProfileArn"),
				}),
				registration.ClientDeactivate(clientTable, c.ClientID()))
		})
	}
	check(t, func() {
		fx.template.ResourceCountIs(jsii.String(customAWSType), jsii.Number(len(demoBrands)+len(demoStores)))
	})
}

// policyStatements returns the statements of the one IAM policy a registration depends on.
func policyStatements(t *testing.T, fx *fixture, res map[string]any) []any {
	t.Helper()
	deps, _ := res["DependsOn"].([]any)
	policies := *fx.template.FindResources(jsii.String("AWS::IAM::Policy"), nil)
	var statements []any
	var n int
	for _, d := range deps {
		if p := policies[d.(string)]; p != nil {
			n++
			doc, _ := (*p)["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)
			statements, _ = doc["Statement"].([]any)
		}
	}
	if n != 1 {
		t.Fatalf("registration depends on %d policies (DependsOn %v), want its own one: it could run before it may write", n, deps)
	}
	return statements
}

// Each registration's own policy allows UpdateItem on its table's ARN (no index, no other
// table, no other DynamoDB action: never DeleteItem) and the write actions on the data key,
// without a wildcard, and the custom resource waits for it.
func TestRegistrationPoliciesAreUpdateItemOnTheirTable(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	want := func(table awsdynamodb.ITable) []any {
		return []any{
			map[string]any{"Action": "dynamodb:UpdateItem", "Effect": "Allow", "Resource": getAtt(fx.logicalID(t, table), "Arn")},
			map[string]any{
				"Action": []any{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"},
				"Effect": "Allow", "Resource": fx.keyArn(),
			},
		}
	}
	for _, c := range fx.stack.Tenants() {
		t.Run(c.ClientID(), func(t *testing.T) {
			_, res := registrationOf(t, fx, c.ClientID(), c.Registration())
			if got := policyStatements(t, fx, res); !sameJSON(got, want(fx.stack.Data().ClientConfig())) {
				b, _ := json.MarshalIndent(got, "", "  ")
				t.Errorf("registration policy statements:\n%s\nwant UpdateItem on the client table and the data key's write actions", b)
			}
		})
		for _, st := range c.Stores() {
			t.Run(st.ClientID()+"/"+st.StoreID(), func(t *testing.T) {
				_, res := registrationOf(t, fx, st.StoreID(), st.Registration())
				if got := policyStatements(t, fx, res); !sameJSON(got, want(fx.stack.Data().StoreConfig())) {
					b, _ := json.MarshalIndent(got, "", "  ")
					t.Errorf("registration policy statements:\n%s\nwant UpdateItem on the store table and the data key's write actions", b)
				}
			})
		}
	}
}

// The registrations share one provider function (AwsCustomResource's per-stack singleton) with
// a role of our own: no managed policy (AWSLambdaBasicExecutionRole would allow writing to
// every log group), logs to its own log group only, with the environment's retention, and the
// registrations' UpdateItem policies attached. cdk-nag finds nothing to suppress on it.
func TestRegistrationProviderRole(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	providers := *fx.template.FindResources(jsii.String("AWS::Lambda::Function"), map[string]any{
		"Properties": map[string]any{"Handler": "index.handler"},
	})
	if len(providers) != 1 {
		t.Fatalf("%d registration provider functions, want 1 shared by every registration", len(providers))
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
			crs := []interface{ Node() constructs.Node }{c.Registration()}
			for _, st := range c.Stores() {
				crs = append(crs, st.Registration())
			}
			for _, cr := range crs {
				_, res := registrationOf(t, fx, *cr.Node().Path(), cr)
				if token := res["Properties"].(map[string]any)["ServiceToken"]; !sameJSON(token, getAtt(id, "Arn")) {
					t.Errorf("%s is served by %v, want %s", *cr.Node().Path(), token, id)
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
	fx.hasResource(t, "AWS::Logs::LogGroup", logs, map[string]any{"RetentionInDays": 7}) // dev: a week
	// The role has its default policy (logs) and one policy per registration (UpdateItem).
	var logWriters []any
	var updateItem int
	for _, p := range *fx.template.FindResources(jsii.String("AWS::IAM::Policy"), map[string]any{
		"Properties": map[string]any{"Roles": assertions.Match_Exact([]any{ref(role)})},
	}) {
		doc, _ := (*p)["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)
		list, _ := doc["Statement"].([]any)
		for _, s := range list {
			st, _ := s.(map[string]any)
			b, _ := json.Marshal(st["Action"])
			switch {
			case strings.Contains(string(b), "logs:PutLogEvents"):
				logWriters = append(logWriters, st["Resource"])
			case strings.Contains(string(b), "dynamodb:UpdateItem"):
				updateItem++
			}
		}
	}
	if !sameJSON(logWriters, []any{getAtt(logs, "Arn")}) {
		t.Errorf("provider may write logs to %v, want only its log group %s", logWriters, logs)
	}
	if want := len(demoBrands) + len(demoStores); updateItem != want {
		t.Errorf("%d UpdateItem statements on the provider role, want one per registration (%d)", updateItem, want)
	}
}

// One application inference profile per brand: named wabot-<env>-<clientId>, copied from the
// brand's catalog model (a foundation model of the stack's region), tagged with its clientId
// and the application's tags; its ARN is what the brand's record holds.
func TestBrandInferenceProfiles(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	check(t, func() { fx.template.ResourceCountIs(jsii.String(profileType), jsii.Number(len(demoBrands))) })
	models := map[string]string{"demo-pizzaria": tenant.DefaultModel, "demo-burger": "anthropic.claude-3-5-haiku-20241022-v1:0"}
	for _, c := range fx.stack.Tenants() {
		t.Run(c.ClientID(), func(t *testing.T) {
			if c.Model() != models[c.ClientID()] {
				t.Errorf("model %s, want %s", c.Model(), models[c.ClientID()])
			}
			fx.hasResource(t, profileType, fx.logicalID(t, c.InferenceProfile()), map[string]any{
				"InferenceProfileName": tenant.InferenceProfileName(resourcenames.EnvDev, c.ClientID(), models[c.ClientID()]),
				"ModelSource": assertions.Match_Exact(map[string]any{"CopyFrom": map[string]any{"Fn::Join": []any{"", []any{
					"arn:", ref("AWS::Partition"), ":bedrock:", ref("AWS::Region"), "::foundation-model/" + models[c.ClientID()],
				}}}}),
				// ArrayWith keeps order: CDK sorts tags by key.
				"Tags": assertions.Match_ArrayWith(&[]any{
					tag(resourcenames.TagApp, resourcenames.AppName),
					tag(resourcenames.TagClientID, c.ClientID()),
					tag(resourcenames.TagEnv, resourcenames.EnvDev),
				}),
			})
		})
	}
}

// Staging and prod declare no tenants yet: no registration, no provider, no profile.
func TestNoRegistrationWithoutTenants(t *testing.T) {
	for _, env := range []string{resourcenames.EnvStaging, resourcenames.EnvProd} {
		t.Run(env, func(t *testing.T) {
			fx := envFixture(t, env)
			check(t, func() { fx.template.ResourceCountIs(jsii.String(customAWSType), jsii.Number(0)) })
			check(t, func() { fx.template.ResourceCountIs(jsii.String(profileType), jsii.Number(0)) })
			check(t, func() {
				fx.template.ResourcePropertiesCountIs(jsii.String("AWS::Lambda::Function"), map[string]any{"Handler": "index.handler"}, jsii.Number(0))
			})
		})
	}
}
