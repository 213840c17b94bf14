package tenant_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"

	"github.com/wabot-platform/wabot/infra/config"
	"github.com/wabot-platform/wabot/infra/internal/cdktest"
	"github.com/wabot-platform/wabot/infra/tenant"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

// fakeKey satisfies awskms.IKey for validation tests, which only check that a key is given.
type fakeKey struct{ awskms.IKey }

// fakeTable satisfies awsdynamodb.ITable for validation tests, likewise.
type fakeTable struct{ awsdynamodb.ITable }

func settings(t *testing.T, env string) config.Settings {
	t.Helper()
	s, err := config.For(env)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTenantClientPropsValidate(t *testing.T) {
	valid := func() tenant.TenantClientProps {
		return tenant.TenantClientProps{
			ClientID:          "demo-pizzaria",
			TwilioPhoneNumber: "whatsapp:+5511990000001",
			Key:               fakeKey{},
			StoreTable:        fakeTable{},
			Settings:          settings(t, resourcenames.EnvDev),
		}
	}
	tests := []struct {
		name    string
		mutate  func(*tenant.TenantClientProps)
		wantErr string // empty: valid
	}{
		{"valid", func(*tenant.TenantClientProps) {}, ""},
		{"empty id", func(p *tenant.TenantClientProps) { p.ClientID = "" }, "clientId is required"},
		{"upper case id", func(p *tenant.TenantClientProps) { p.ClientID = "Demo" }, "lower-case"},
		{"leading hyphen", func(p *tenant.TenantClientProps) { p.ClientID = "-demo" }, "lower-case"},
		{"underscore", func(p *tenant.TenantClientProps) { p.ClientID = "demo_pizza" }, "lower-case"},
		{"too long id", func(p *tenant.TenantClientProps) { p.ClientID = strings.Repeat("a", resourcenames.MaxIDLength+1) }, "longer than"},
		{"number without prefix", func(p *tenant.TenantClientProps) { p.TwilioPhoneNumber = "+5511990000001" }, "whatsapp:+"},
		{"number without plus", func(p *tenant.TenantClientProps) { p.TwilioPhoneNumber = "whatsapp:5511990000001" }, "whatsapp:+"},
		{"number with spaces", func(p *tenant.TenantClientProps) { p.TwilioPhoneNumber = "whatsapp:+55 11 99000 0001" }, "whatsapp:+"},
		{"number too long", func(p *tenant.TenantClientProps) { p.TwilioPhoneNumber = "whatsapp:+5511990000001234" }, "whatsapp:+"},
		{"number starting with 0", func(p *tenant.TenantClientProps) { p.TwilioPhoneNumber = "whatsapp:+0511990000001" }, "whatsapp:+"},
		{"no key", func(p *tenant.TenantClientProps) { p.Key = nil }, "KMS key"},
		{"no store table", func(p *tenant.TenantClientProps) { p.StoreTable = nil }, "store config table"},
		{"no environment", func(p *tenant.TenantClientProps) { p.Settings = config.Settings{} }, "unknown environment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := valid()
			tt.mutate(&p)
			err := p.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

// newScope returns a fresh stack and data key to build tenant constructs in, without synth.
func newScope(t *testing.T) (awscdk.Stack, awskms.IKey) {
	t.Helper()
	stack := awscdk.NewStack(cdktest.NewApp(nil), jsii.String("Test"), nil)
	key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	return stack, key
}

// newStoreTable is a store config table like the data layer's: keyed (clientId, storeId),
// encrypted with key.
func newStoreTable(stack awscdk.Stack, key awskms.IKey) awsdynamodb.ITable {
	attr := func(n string) *awsdynamodb.Attribute {
		return &awsdynamodb.Attribute{Name: jsii.String(n), Type: awsdynamodb.AttributeType_STRING}
	}
	return awsdynamodb.NewTable(stack, jsii.String("StoreConfig"), &awsdynamodb.TableProps{
		TableName:     jsii.String(resourcenames.StoreConfigTable),
		PartitionKey:  attr(resourcenames.AttrClientID),
		SortKey:       attr(resourcenames.AttrStoreID),
		BillingMode:   awsdynamodb.BillingMode_PAY_PER_REQUEST,
		Encryption:    awsdynamodb.TableEncryption_CUSTOMER_MANAGED,
		EncryptionKey: key,
	})
}

func TestNewTenantClientRejectsInvalidIDs(t *testing.T) {
	stack, key := newScope(t)
	for _, id := range []string{"", "Demo", "demo pizzaria", "demo-", strings.Repeat("x", 25)} {
		t.Run(id, func(t *testing.T) {
			r := cdktest.Panics(func() {
				tenant.NewTenantClient(stack, "c"+fmt.Sprint(len(id)), &tenant.TenantClientProps{
					ClientID: id, TwilioPhoneNumber: "whatsapp:+5511990000001", Key: key, StoreTable: fakeTable{}, Settings: settings(t, resourcenames.EnvDev),
				})
			})
			if r == nil || !strings.Contains(fmt.Sprint(r), "clientId") {
				t.Fatalf("NewTenantClient(%q) panicked with %v, want a clientId error", id, r)
			}
		})
	}
}

func TestNewTenantStoreRejectsInvalidIDs(t *testing.T) {
	stack, key := newScope(t)
	client := tenant.NewTenantClient(stack, "demo", &tenant.TenantClientProps{
		ClientID: "demo", TwilioPhoneNumber: "whatsapp:+5511990000001", Key: key, StoreTable: newStoreTable(stack, key),
		Settings: settings(t, resourcenames.EnvDev),
	})
	for _, id := range []string{"", "Centro", "centro/1", "-centro", strings.Repeat("x", 25)} {
		t.Run(id, func(t *testing.T) {
			r := cdktest.Panics(func() {
				tenant.NewTenantStore(client, "s"+fmt.Sprint(len(id)), &tenant.TenantStoreProps{Client: client, StoreID: id})
			})
			if r == nil || !strings.Contains(fmt.Sprint(r), "storeId") {
				t.Fatalf("NewTenantStore(%q) panicked with %v, want a storeId error", id, r)
			}
		})
	}
	if n := len(client.Stores()); n != 0 {
		t.Errorf("client has %d stores after only invalid ones, want 0", n)
	}
}

func TestNewTenantStoreRequiresClient(t *testing.T) {
	stack, _ := newScope(t)
	r := cdktest.Panics(func() { tenant.NewTenantStore(stack, "s", &tenant.TenantStoreProps{StoreID: "centro"}) })
	if r == nil || !strings.Contains(fmt.Sprint(r), "client is required") {
		t.Fatalf("panicked with %v, want a missing-client error", r)
	}
}

func TestNewTenantStoreRejectsDuplicateStoreID(t *testing.T) {
	stack, key := newScope(t)
	client := tenant.NewTenantClient(stack, "demo", &tenant.TenantClientProps{
		ClientID: "demo", TwilioPhoneNumber: "whatsapp:+5511990000001", Key: key, StoreTable: newStoreTable(stack, key),
		Settings: settings(t, resourcenames.EnvDev),
	})
	tenant.NewTenantStore(client, "centro", &tenant.TenantStoreProps{Client: client, StoreID: "centro"})
	// A different construct id, so CDK's own duplicate-id check cannot be what catches it.
	r := cdktest.Panics(func() {
		tenant.NewTenantStore(client, "centro-again", &tenant.TenantStoreProps{Client: client, StoreID: "centro"})
	})
	if r == nil || !strings.Contains(fmt.Sprint(r), "twice") {
		t.Fatalf("panicked with %v, want a duplicate-store error", r)
	}
}

func TestCheckUnique(t *testing.T) {
	stack, key := newScope(t)
	newClient := func(constructID, clientID, number string) tenant.TenantClient {
		return tenant.NewTenantClient(stack, constructID, &tenant.TenantClientProps{
			ClientID: clientID, TwilioPhoneNumber: number, Key: key, StoreTable: fakeTable{}, Settings: settings(t, resourcenames.EnvDev),
		})
	}
	a := newClient("a", "brand-a", "whatsapp:+5511990000001")
	b := newClient("b", "brand-b", "whatsapp:+5511990000002")
	sameNumber := newClient("c", "brand-c", "whatsapp:+5511990000001")
	sameID := newClient("d", "brand-a", "whatsapp:+5511990000004")

	tests := []struct {
		name    string
		clients []tenant.TenantClient
		wantErr string
	}{
		{"distinct", []tenant.TenantClient{a, b}, ""},
		{"shared number", []tenant.TenantClient{a, b, sameNumber}, "share the number"},
		{"shared client id", []tenant.TenantClient{a, sameID}, "declared twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tenant.CheckUnique(tt.clients)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("CheckUnique = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("CheckUnique = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

// retained is a staging brand with one store declared outside its client's scope, synthesized
// once for the tests below.
var retained = sync.OnceValues(func() (assertions.Template, error) {
	var tmpl assertions.Template
	r := cdktest.Panics(func() {
		stack := awscdk.NewStack(cdktest.NewApp(nil), jsii.String("Retained"), nil)
		key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
		s, _ := config.For(resourcenames.EnvStaging)
		client := tenant.NewTenantClient(stack, "acme", &tenant.TenantClientProps{
			ClientID: "acme", TwilioPhoneNumber: "whatsapp:+5511912345678", Key: key, StoreTable: newStoreTable(stack, key), Settings: s,
		})
		tenant.NewTenantStore(stack, "acme-moema", &tenant.TenantStoreProps{Client: client, StoreID: "moema"})
		tmpl = assertions.Template_FromStack(stack, nil)
	})
	if r != nil {
		return nil, fmt.Errorf("synth: %v", r)
	}
	return tmpl, nil
})

func TestTenantResourcesFollowRemovalPolicy(t *testing.T) {
	tmpl, err := retained()
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"AWS::SQS::Queue", "AWS::SecretsManager::Secret"} {
		t.Run(typ, func(t *testing.T) {
			cdktest.Check(t, func() {
				tmpl.AllResources(jsii.String(typ), map[string]any{"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
			})
		})
	}
}

// ABAC on queues needs the clientId tag even when a store is not declared under its client.
func TestStoreOutsideClientScopeIsTaggedWithClientID(t *testing.T) {
	tmpl, err := retained()
	if err != nil {
		t.Fatal(err)
	}
	cdktest.Check(t, func() {
		tmpl.AllResourcesProperties(jsii.String("AWS::SQS::Queue"), map[string]any{
			"Tags": assertions.Match_ArrayWith(&[]any{
				map[string]any{"Key": resourcenames.TagClientID, "Value": "acme"},
				map[string]any{"Key": resourcenames.TagStoreID, "Value": "moema"},
			}),
		})
	})
}

// The construct writes the attributes the runtime reads: domain.Store's dynamodbav names.
func TestRegistrationAttributesAreTheDomainStores(t *testing.T) {
	typ := reflect.TypeOf(domain.Store{})
	for field, want := range map[string]string{"SQSQueueURL": tenant.AttrSQSQueueURL, "SQSQueueARN": tenant.AttrSQSQueueARN} {
		f, ok := typ.FieldByName(field)
		if !ok {
			t.Fatalf("domain.Store has no field %s", field)
		}
		name, _, _ := strings.Cut(f.Tag.Get("dynamodbav"), ",")
		if name != want {
			t.Errorf("domain.Store.%s is stored as %q, the construct writes %q", field, name, want)
		}
	}
	if want := "SET sqsQueueUrl = :u, sqsQueueArn = :a"; tenant.RegistrationUpdateExpression != want {
		t.Errorf("RegistrationUpdateExpression = %q, want %q", tenant.RegistrationUpdateExpression, want)
	}
}

// registrations is two brands with three stores (one declared outside its brand's scope) in
// one stack, synthesized once for the tests below.
var registrations = sync.OnceValues(func() (map[string]any, error) {
	var resources map[string]any
	r := cdktest.Panics(func() {
		stack := awscdk.NewStack(cdktest.NewApp(nil), jsii.String("Registrations"), nil)
		key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
		table := newStoreTable(stack, key)
		s, _ := config.For(resourcenames.EnvProd)
		a := tenant.NewTenantClient(stack, "acme", &tenant.TenantClientProps{
			ClientID: "acme", TwilioPhoneNumber: "whatsapp:+5511912345678", Key: key, StoreTable: table, Settings: s,
		})
		tenant.NewTenantStore(a, "moema", &tenant.TenantStoreProps{Client: a, StoreID: "moema"})
		tenant.NewTenantStore(stack, "acme-pinheiros", &tenant.TenantStoreProps{Client: a, StoreID: "pinheiros"})
		b := tenant.NewTenantClient(stack, "bolt", &tenant.TenantClientProps{
			ClientID: "bolt", TwilioPhoneNumber: "whatsapp:+5511912345679", Key: key, StoreTable: table, Settings: s,
		})
		tenant.NewTenantStore(b, "moema", &tenant.TenantStoreProps{Client: b, StoreID: "moema"})
		resources, _ = (*assertions.Template_FromStack(stack, nil).ToJSON())["Resources"].(map[string]any)
	})
	if r != nil {
		return nil, fmt.Errorf("synth: %v", r)
	}
	return resources, nil
})

// ofType returns the logical ids and properties of the resources of type typ.
func ofType(resources map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range resources {
		res, _ := r.(map[string]any)
		if res["Type"] == typ {
			props, _ := res["Properties"].(map[string]any)
			out[id] = props
		}
	}
	return out
}

// Every store registers its own key; all of them go through one provider function whose
// role is the same, with no managed policy, whatever the scope each store was declared in.
func TestEveryStoreRegistersThroughOneProvider(t *testing.T) {
	resources, err := registrations()
	if err != nil {
		t.Fatal(err)
	}
	regs := ofType(resources, "Custom::AWS")
	keys := map[string]bool{}
	tokens := map[string]bool{}
	for id, props := range regs {
		call, err := cdktest.SDKCall(props["Create"])
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		params, _ := call["parameters"].(map[string]any)
		k, _ := json.Marshal(params["Key"])
		keys[string(k)] = true
		if params["UpdateExpression"] != tenant.RegistrationUpdateExpression {
			t.Errorf("%s: UpdateExpression %v", id, params["UpdateExpression"])
		}
		tok, _ := json.Marshal(props["ServiceToken"])
		tokens[string(tok)] = true
	}
	wantKeys := []string{
		`{"clientId":{"S":"acme"},"storeId":{"S":"moema"}}`,
		`{"clientId":{"S":"acme"},"storeId":{"S":"pinheiros"}}`,
		`{"clientId":{"S":"bolt"},"storeId":{"S":"moema"}}`,
	}
	if len(regs) != len(wantKeys) {
		t.Errorf("%d registrations, want %d", len(regs), len(wantKeys))
	}
	for _, k := range wantKeys {
		if !keys[k] {
			t.Errorf("no registration with Key %s (have %v)", k, keys)
		}
	}
	if len(tokens) != 1 {
		t.Errorf("registrations are served by %d functions, want 1: %v", len(tokens), tokens)
	}
	functions := ofType(resources, "AWS::Lambda::Function")
	roles := ofType(resources, "AWS::IAM::Role")
	if len(functions) != 1 || len(roles) != 1 {
		t.Fatalf("%d functions and %d roles, want the one provider and its one role", len(functions), len(roles))
	}
	for id, props := range roles {
		if _, ok := props["ManagedPolicyArns"]; ok {
			t.Errorf("provider role %s has managed policies %v", id, props["ManagedPolicyArns"])
		}
	}
	// The environment's log retention (prod: 180 days) on the provider's own log group.
	for id, props := range ofType(resources, "AWS::Logs::LogGroup") {
		if props["RetentionInDays"] != float64(180) {
			t.Errorf("log group %s keeps events %v days, want prod's 180", id, props["RetentionInDays"])
		}
	}
}

// Each registration's policy allows UpdateItem on the store table alone, plus the write
// actions on the table's key: no other DynamoDB action, no index, no other resource.
func TestRegistrationPoliciesAreUpdateItemOnStoreTable(t *testing.T) {
	resources, err := registrations()
	if err != nil {
		t.Fatal(err)
	}
	var table, key string
	for id := range ofType(resources, "AWS::DynamoDB::Table") {
		table = id
	}
	for id := range ofType(resources, "AWS::KMS::Key") {
		key = id
	}
	want := []any{
		map[string]any{"Action": "dynamodb:UpdateItem", "Effect": "Allow", "Resource": map[string]any{"Fn::GetAtt": []any{table, "Arn"}}},
		map[string]any{
			"Action": []any{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"},
			"Effect": "Allow", "Resource": map[string]any{"Fn::GetAtt": []any{key, "Arn"}},
		},
	}
	var n int
	for id, props := range ofType(resources, "AWS::IAM::Policy") {
		doc, _ := props["PolicyDocument"].(map[string]any)
		got, _ := doc["Statement"].([]any)
		if b, _ := json.Marshal(got); !strings.Contains(string(b), "dynamodb:") {
			continue // the role's default policy: its log group
		}
		n++
		if a, _ := json.Marshal(got); string(a) != mustJSON(t, want) {
			t.Errorf("policy %s statements %s, want %s", id, a, mustJSON(t, want))
		}
	}
	if n != 3 {
		t.Errorf("%d DynamoDB policies, want one per store (3)", n)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
