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

// gsi is one GlobalSecondaryIndexes entry of a table (on-demand: no throughput).
func gsi(name, pk, sk string, projection map[string]any) map[string]any {
	return map[string]any{"IndexName": name, "KeySchema": keySchema(pk, sk), "Projection": projection}
}

var (
	projectAll      = map[string]any{"ProjectionType": "ALL"}
	projectKeysOnly = map[string]any{"ProjectionType": "KEYS_ONLY"}
)

// The key schemas, attribute types, indexes and projections of docs/data-model.md, exactly.
func TestTablesHaveContractKeySchemas(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	names := resourcenames.TablesFor(resourcenames.EnvDev)
	tests := []struct {
		table, pk, sk string
		attrs         []any // every attribute used by the table and its indexes
		indexes       []any // nil: none
	}{
		{
			names.ClientConfig, "clientId", "",
			stringAttrs("clientId", "twilioPhoneNumber", "brandList"),
			[]any{
				// The platform-level lookup by the number called exposes the clientId alone.
				gsi("twilioPhoneNumber-index", "twilioPhoneNumber", "", projectKeysOnly),
				// A platform admin's list of brands: one partition, a list's few attributes.
				gsi("brandList-index", "brandList", "clientId", map[string]any{
					"ProjectionType":   "INCLUDE",
					"NonKeyAttributes": []any{"name", "active", "defaultLanguage", "twilioPhoneNumber", "updatedAt"},
				}),
			},
		},
		{names.StoreConfig, "clientId", "storeId", stringAttrs("clientId", "storeId"), nil},
		{
			names.PhoneMapping, "pk", "",
			stringAttrs("pk", "brandShard", "phoneNumber"),
			[]any{gsi("brandShard-index", "brandShard", "phoneNumber", projectAll)},
		},
		{
			names.ConversationState, "pk", "",
			stringAttrs("pk", "sessionKey", "storeShard", "phoneNumber"),
			[]any{
				gsi("sessionId-index", "sessionKey", "", projectKeysOnly),
				gsi("storeShard-index", "storeShard", "phoneNumber", projectKeysOnly),
			},
		},
		{names.Idempotency, "pk", "", stringAttrs("pk"), nil},
		// A brand's menu is one Query on its partition; rows are category#<id> and item#<id>.
		{names.Menu, "clientId", "menuKey", stringAttrs("clientId", "menuKey"), nil},
		{
			names.Orders, "pk", "",
			stringAttrs("pk", "storeShard", "statusCreatedAt", "customerKey", "createdAt"),
			[]any{
				gsi("storeShard-status-index", "storeShard", "statusCreatedAt", projectAll),
				// A customer's orders (LGPD export and erasure); each order is then read by pk.
				gsi("customerKey-index", "customerKey", "createdAt", projectKeysOnly),
			},
		},
		// The admin API's audit: per brand in time order, and per day across brands.
		{
			names.Audit, "clientId", "auditKey",
			stringAttrs("clientId", "auditKey", "auditDay"),
			[]any{gsi("auditDay-index", "auditDay", "auditKey", projectAll)},
		},
		// The daily counters per brand and store: a brand's days are one Query.
		{names.DailyMetrics, "clientId", "metricKey", stringAttrs("clientId", "metricKey"), nil},
	}
	check(t, func() { fx.template.ResourceCountIs(jsii.String(tableType), jsii.Number(len(tests))) })
	for _, tt := range tests {
		t.Run(tt.table, func(t *testing.T) {
			var indexes any = assertions.Match_Absent()
			if tt.indexes != nil {
				indexes = assertions.Match_Exact(tt.indexes)
			}
			check(t, func() {
				fx.template.HasResourceProperties(jsii.String(tableType), map[string]any{
					"TableName":              tt.table,
					"KeySchema":              assertions.Match_Exact(keySchema(tt.pk, tt.sk)),
					"AttributeDefinitions":   assertions.Match_Exact(tt.attrs),
					"GlobalSecondaryIndexes": indexes,
					"LocalSecondaryIndexes":  assertions.Match_Absent(),
					"BillingMode":            "PAY_PER_REQUEST",
				})
			})
		})
	}
}

// The test above spells the contract out; this one ties it to the constants the runtime uses,
// so that a rename in resourcenames without the table following (or the reverse) fails.
func TestTableKeysAreTheRuntimeContract(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	names := resourcenames.TablesFor(resourcenames.EnvDev)
	tests := []struct {
		table, pk string
		indexes   map[string][2]string // index name → partition key, sort key
	}{
		{names.ClientConfig, resourcenames.AttrClientID, map[string][2]string{
			resourcenames.ClientByPhoneIndex: {resourcenames.AttrTwilioPhoneNumber, ""},
			resourcenames.BrandsIndex:        {resourcenames.AttrBrandList, resourcenames.AttrClientID}}},
		{names.PhoneMapping, resourcenames.AttrPK, map[string][2]string{
			resourcenames.MappingsByBrandIndex: {resourcenames.AttrBrandShard, resourcenames.AttrPhoneNumber}}},
		{names.ConversationState, resourcenames.AttrPK, map[string][2]string{
			resourcenames.ConversationBySessionIndex: {resourcenames.AttrSessionKey, ""},
			resourcenames.ConversationsByStoreIndex:  {resourcenames.AttrStoreShard, resourcenames.AttrPhoneNumber}}},
		{names.Idempotency, resourcenames.AttrPK, nil},
		{names.Orders, resourcenames.AttrPK, map[string][2]string{
			resourcenames.OrdersByStoreIndex:    {resourcenames.AttrStoreShard, resourcenames.AttrStatusCreatedAt},
			resourcenames.OrdersByCustomerIndex: {resourcenames.AttrCustomerKey, resourcenames.AttrCreatedAt}}},
	}
	for _, tt := range tests {
		t.Run(tt.table, func(t *testing.T) {
			check(t, func() {
				fx.template.HasResourceProperties(jsii.String(tableType), map[string]any{
					"TableName": tt.table, "KeySchema": keySchema(tt.pk, ""),
				})
			})
			for name, keys := range tt.indexes {
				check(t, func() {
					fx.template.HasResourceProperties(jsii.String(tableType), map[string]any{
						"TableName": tt.table,
						"GlobalSecondaryIndexes": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
							"IndexName": name, "KeySchema": keySchema(keys[0], keys[1]),
						})}),
					})
				})
			}
		})
	}
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
		// Audit records and daily counters expire (resourcenames.AuditRetentionDays,
		// DailyMetricsRetentionDays): the writers set ttl.
		{names.Audit, ttl},
		{names.DailyMetrics, ttl},
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
		"Menu":         {data.Menu(), names.Menu},
		"Orders":       {data.Orders(), names.Orders},
		"Audit":        {data.Audit(), names.Audit},
		"DailyMetrics": {data.DailyMetrics(), names.DailyMetrics},
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
