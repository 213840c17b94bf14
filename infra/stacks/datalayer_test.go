package stacks_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/jsii-runtime-go"

	"github.com/wabot-platform/wabot/infra/stacks"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

const tableType = "AWS::DynamoDB::Table"

func keySchema(pk, sk string) []any {
	s := []any{map[string]any{"AttributeName": pk, "KeyType": "HASH"}}
	if sk != "" {
		s = append(s, map[string]any{"AttributeName": sk, "KeyType": "RANGE"})
	}
	return s
}

func stringAttrs(names ...string) []any {
	var a []any
	for _, n := range names {
		a = append(a, map[string]any{"AttributeName": n, "AttributeType": "S"})
	}
	return a
}

func TestTablesHaveContractKeySchemas(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	names := resourcenames.TablesFor(resourcenames.EnvDev)
	tests := []struct {
		table, pk, sk string
		attrs         []any // every attribute used by the table and its indexes
	}{
		{names.ClientConfig, "clientId", "", stringAttrs("clientId", "twilioPhoneNumber")},
		{names.StoreConfig, "clientId", "storeId", stringAttrs("clientId", "storeId")},
		{names.PhoneMapping, "clientId", "phoneNumber", stringAttrs("clientId", "phoneNumber")},
		{names.ConversationState, "clientId", "phoneNumber", stringAttrs("clientId", "phoneNumber", "sessionId")},
		{names.Idempotency, "clientId", "idempotencyKey", stringAttrs("clientId", "idempotencyKey")},
		// A brand's menu is one Query on its partition; rows are category#<id> and item#<id>.
		{names.Menu, "clientId", "menuKey", stringAttrs("clientId", "menuKey")},
		{names.Orders, "clientId", "orderId", stringAttrs("clientId", "orderId")},
	}
	check(t, func() { fx.template.ResourceCountIs(jsii.String(tableType), jsii.Number(len(tests))) })
	for _, tt := range tests {
		t.Run(tt.table, func(t *testing.T) {
			check(t, func() {
				fx.template.HasResourceProperties(jsii.String(tableType), map[string]any{
					"TableName":            tt.table,
					"KeySchema":            assertions.Match_Exact(keySchema(tt.pk, tt.sk)),
					"AttributeDefinitions": assertions.Match_Exact(tt.attrs),
					"BillingMode":          "PAY_PER_REQUEST",
				})
			})
		})
	}
}

func TestClientConfigHasClientByPhoneIndex(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	check(t, func() {
		fx.template.HasResourceProperties(jsii.String(tableType), map[string]any{
			"TableName": resourcenames.TablesFor(resourcenames.EnvDev).ClientConfig,
			"GlobalSecondaryIndexes": assertions.Match_Exact([]any{map[string]any{
				"IndexName":  resourcenames.ClientByPhoneIndex,
				"KeySchema":  keySchema("twilioPhoneNumber", ""),
				"Projection": map[string]any{"ProjectionType": "ALL"},
			}}),
		})
	})
}

func TestConversationStateHasSessionIndex(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	check(t, func() {
		fx.template.HasResourceProperties(jsii.String(tableType), map[string]any{
			"TableName": resourcenames.TablesFor(resourcenames.EnvDev).ConversationState,
			"GlobalSecondaryIndexes": assertions.Match_Exact([]any{map[string]any{
				"IndexName":  resourcenames.ConversationBySessionIndex,
				"KeySchema":  keySchema("clientId", "sessionId"),
				"Projection": map[string]any{"ProjectionType": "KEYS_ONLY"},
			}}),
		})
	})
}

func TestTimeToLive(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	names := resourcenames.TablesFor(resourcenames.EnvDev)
	ttl := map[string]any{"AttributeName": resourcenames.TTLAttribute, "Enabled": true}
	tests := []struct {
		table string
		want  any
	}{
		{names.ConversationState, ttl},
		{names.Idempotency, ttl},
		// Config and mappings are kept until an operator deletes them.
		{names.ClientConfig, assertions.Match_Absent()},
		{names.StoreConfig, assertions.Match_Absent()},
		{names.PhoneMapping, assertions.Match_Absent()},
		// The menu is maintained by operators; orders are business records (payments, POS).
		{names.Menu, assertions.Match_Absent()},
		{names.Orders, assertions.Match_Absent()},
	}
	for _, tt := range tests {
		t.Run(tt.table, func(t *testing.T) {
			check(t, func() {
				fx.template.HasResourceProperties(jsii.String(tableType), map[string]any{
					"TableName":               tt.table,
					"TimeToLiveSpecification": tt.want,
				})
			})
		})
	}
}

// PITR and the customer-managed key on every table of every environment: AllResourcesProperties
// fails if a single table lacks them.
func TestEveryTableHasPITRAndCustomerManagedKey(t *testing.T) {
	for _, env := range resourcenames.Environments {
		t.Run(env, func(t *testing.T) {
			fx := envFixture(t, env)
			check(t, func() {
				fx.template.ResourceCountIs(jsii.String(tableType), jsii.Number(len(resourcenames.TablesFor(env).All())))
			})
			check(t, func() {
				fx.template.AllResourcesProperties(jsii.String(tableType), map[string]any{
					"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
					"SSESpecification": assertions.Match_Exact(map[string]any{
						"SSEEnabled":     true,
						"SSEType":        "KMS",
						"KMSMasterKeyId": fx.keyArn(),
					}),
				})
			})
		})
	}
}

func TestTableNamesFollowNaming(t *testing.T) {
	for _, env := range resourcenames.Environments {
		t.Run(env, func(t *testing.T) {
			fx := envFixture(t, env)
			for _, name := range resourcenames.TablesFor(env).All() {
				check(t, func() {
					fx.template.ResourcePropertiesCountIs(jsii.String(tableType), map[string]any{"TableName": name}, jsii.Number(1))
				})
			}
		})
	}
}

func TestDataKey(t *testing.T) {
	for _, env := range resourcenames.Environments {
		t.Run(env, func(t *testing.T) {
			fx := envFixture(t, env)
			check(t, func() {
				fx.template.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{"EnableKeyRotation": true})
			})
			check(t, func() {
				fx.template.HasResourceProperties(jsii.String("AWS::KMS::Alias"), map[string]any{
					"AliasName":   stacks.DataKeyAlias(env),
					"TargetKeyId": fx.keyArn(),
				})
			})
		})
	}
}

func TestRemovalPolicies(t *testing.T) {
	tests := []struct {
		env                string
		policy             string
		deletionProtection bool
	}{
		{resourcenames.EnvDev, "Delete", false},
		{resourcenames.EnvStaging, "Retain", false},
		{resourcenames.EnvProd, "Retain", true},
	}
	for _, tt := range tests {
		fx := envFixture(t, tt.env)
		t.Run(tt.env+"/tables", func(t *testing.T) {
			check(t, func() {
				fx.template.AllResources(jsii.String(tableType), map[string]any{
					"DeletionPolicy":      tt.policy,
					"UpdateReplacePolicy": tt.policy,
					"Properties":          map[string]any{"DeletionProtectionEnabled": tt.deletionProtection},
				})
			})
		})
		t.Run(tt.env+"/key", func(t *testing.T) {
			check(t, func() {
				fx.template.AllResources(jsii.String("AWS::KMS::Key"), map[string]any{
					"DeletionPolicy":      tt.policy,
					"UpdateReplacePolicy": tt.policy,
				})
			})
		})
	}
}

func TestDataLayerAccessors(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	data := fx.stack.Data()
	if data.Key() == nil {
		t.Error("Key() is nil")
	}
	want := resourcenames.TablesFor(resourcenames.EnvDev).All()
	got := data.Tables()
	if len(got) != len(want) {
		t.Fatalf("Tables() has %d tables, want %d", len(got), len(want))
	}
	tables := *fx.template.FindResources(jsii.String(tableType), nil)
	for i, table := range got {
		// Inside its own stack a table name resolves to a Ref to the table's logical id.
		ref, _ := fx.stack.Resolve(table.TableName()).(map[string]any)
		id, _ := ref["Ref"].(string)
		res, ok := tables[id]
		if !ok {
			t.Errorf("Tables()[%d] resolves to %v, not a table of the template", i, ref)
			continue
		}
		props, _ := (*res)["Properties"].(map[string]any)
		if name := props["TableName"]; name != want[i] {
			t.Errorf("Tables()[%d] is %v, want %q", i, name, want[i])
		}
	}
	names := resourcenames.TablesFor(resourcenames.EnvDev)
	for accessor, tt := range map[string]struct {
		table awsdynamodb.ITable
		want  string
	}{
		"Menu":   {data.Menu(), names.Menu},
		"Orders": {data.Orders(), names.Orders},
	} {
		ref, _ := fx.stack.Resolve(tt.table.TableName()).(map[string]any)
		id, _ := ref["Ref"].(string)
		res, ok := tables[id]
		if !ok {
			t.Errorf("%s() resolves to %v, not a table of the template", accessor, ref)
			continue
		}
		if name := (*res)["Properties"].(map[string]any)["TableName"]; name != tt.want {
			t.Errorf("%s() is %v, want %q", accessor, name, tt.want)
		}
	}
}
