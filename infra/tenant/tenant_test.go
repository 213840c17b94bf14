package tenant_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"

	"github.com/wabot-platform/wabot/infra/config"
	"github.com/wabot-platform/wabot/infra/internal/cdktest"
	"github.com/wabot-platform/wabot/infra/tenant"
	"github.com/wabot-platform/wabot/infra/tenant/registration"
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
			OnboardedAt:       onboarded,
			Key:               fakeKey{},
			ClientTable:       fakeTable{},
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
		{"no client table", func(p *tenant.TenantClientProps) { p.ClientTable = nil }, "client config table"},
		{"no store table", func(p *tenant.TenantClientProps) { p.StoreTable = nil }, "store config table"},
		{"no environment", func(p *tenant.TenantClientProps) { p.Settings = config.Settings{} }, "unknown environment"},
		{"no onboarding date", func(p *tenant.TenantClientProps) { p.OnboardedAt = time.Time{} }, "OnboardedAt is required"},
		{"claude", func(p *tenant.TenantClientProps) { p.Model = "anthropic.claude-3-5-haiku-20241022-v1:0" }, ""},
		{"unknown model", func(p *tenant.TenantClientProps) { p.Model = "anthropic.claude-v2" }, "unknown model"},
		{"model ARN instead of id", func(p *tenant.TenantClientProps) {
			p.Model = "arn:aws:bedrock:sa-east-1::foundation-model/amazon.nova-lite-v1:0"
		}, "unknown model"},
		{"english", func(p *tenant.TenantClientProps) { p.DefaultLanguage = "en-US" }, ""},
		{"language not canonical", func(p *tenant.TenantClientProps) { p.DefaultLanguage = "pt-br" }, "default language"},
		{"unknown language", func(p *tenant.TenantClientProps) { p.DefaultLanguage = "es-ES" }, "default language"},
		{"name", func(p *tenant.TenantClientProps) { p.ClientName = "Pizzaria Demo" }, ""},
		{"name with spaces around", func(p *tenant.TenantClientProps) { p.ClientName = " Pizzaria " }, "client name"},
		{"name too long", func(p *tenant.TenantClientProps) { p.ClientName = strings.Repeat("x", domain.MaxName+1) }, "client name"},
		// Valid as an id, but Bedrock refuses two separators in a row in a profile name.
		{"id with a double hyphen", func(p *tenant.TenantClientProps) { p.ClientID = "demo--pizza" }, "inference profile name"},
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

// onboarded is the catalog date of the tests' brands.
var onboarded = time.Date(2025, time.March, 4, 0, 0, 0, 0, time.UTC)

// newScope returns a fresh stack and data key to build tenant constructs in, without synth.
func newScope(t *testing.T) (awscdk.Stack, awskms.IKey) {
	t.Helper()
	stack := awscdk.NewStack(cdktest.NewApp(nil), jsii.String("Test"), nil)
	key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	return stack, key
}

func attr(n string) *awsdynamodb.Attribute {
	return &awsdynamodb.Attribute{Name: jsii.String(n), Type: awsdynamodb.AttributeType_STRING}
}

// newStoreTable is a store config table like the data layer's: keyed (clientId, storeId),
// encrypted with key.
func newStoreTable(stack awscdk.Stack, key awskms.IKey) awsdynamodb.ITable {
	return awsdynamodb.NewTable(stack, jsii.String("StoreConfig"), &awsdynamodb.TableProps{
		TableName:     jsii.String(resourcenames.StoreConfigTable),
		PartitionKey:  attr(resourcenames.AttrClientID),
		SortKey:       attr(resourcenames.AttrStoreID),
		BillingMode:   awsdynamodb.BillingMode_PAY_PER_REQUEST,
		Encryption:    awsdynamodb.TableEncryption_CUSTOMER_MANAGED,
		EncryptionKey: key,
	})
}

// newClientTable is a client config table like the data layer's: keyed clientId, encrypted
// with key.
func newClientTable(stack awscdk.Stack, key awskms.IKey) awsdynamodb.ITable {
	return awsdynamodb.NewTable(stack, jsii.String("ClientConfig"), &awsdynamodb.TableProps{
		TableName:     jsii.String(resourcenames.ClientConfigTable),
		PartitionKey:  attr(resourcenames.AttrClientID),
		BillingMode:   awsdynamodb.BillingMode_PAY_PER_REQUEST,
		Encryption:    awsdynamodb.TableEncryption_CUSTOMER_MANAGED,
		EncryptionKey: key,
	})
}

// tables are the two config tables of a test stack.
type tables struct{ client, store awsdynamodb.ITable }

func newTables(stack awscdk.Stack, key awskms.IKey) tables {
	return tables{newClientTable(stack, key), newStoreTable(stack, key)}
}

// clientProps are valid props of brand clientID on number in env.
func clientProps(t *testing.T, key awskms.IKey, tb tables, env, clientID, number string) *tenant.TenantClientProps {
	return &tenant.TenantClientProps{
		ClientID: clientID, TwilioPhoneNumber: number, OnboardedAt: onboarded,
		Key: key, ClientTable: tb.client, StoreTable: tb.store, Settings: settings(t, env),
	}
}

func TestNewTenantClientRejectsInvalidIDs(t *testing.T) {
	stack, key := newScope(t)
	for _, id := range []string{"", "Demo", "demo pizzaria", "demo-", strings.Repeat("x", 25)} {
		t.Run(id, func(t *testing.T) {
			r := cdktest.Panics(func() {
				tenant.NewTenantClient(stack, "c"+fmt.Sprint(len(id)),
					clientProps(t, key, tables{fakeTable{}, fakeTable{}}, resourcenames.EnvDev, id, "whatsapp:+5511990000001"))
			})
			if r == nil || !strings.Contains(fmt.Sprint(r), "clientId") {
				t.Fatalf("NewTenantClient(%q) panicked with %v, want a clientId error", id, r)
			}
		})
	}
}

func TestNewTenantStoreRejectsInvalidIDs(t *testing.T) {
	stack, key := newScope(t)
	client := tenant.NewTenantClient(stack, "demo", clientProps(t, key, newTables(stack, key), resourcenames.EnvDev, "demo", "whatsapp:+5511990000001"))
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
	client := tenant.NewTenantClient(stack, "demo", clientProps(t, key, newTables(stack, key), resourcenames.EnvDev, "demo", "whatsapp:+5511990000001"))
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
	tb := newTables(stack, key)
	newClient := func(constructID, clientID, number string) tenant.TenantClient {
		return tenant.NewTenantClient(stack, constructID, clientProps(t, key, tb, resourcenames.EnvDev, clientID, number))
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
			ClientID: "acme", TwilioPhoneNumber: "whatsapp:+5511912345678", OnboardedAt: onboarded,
			Key: key, ClientTable: newClientTable(stack, key), StoreTable: newStoreTable(stack, key), Settings: s,
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

// dynamodbavNames are the attribute names of a domain type's fields.
func dynamodbavNames(v any) []string {
	var names []string
	typ := reflect.TypeOf(v)
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("dynamodbav"), ",")
		names = append(names, name)
	}
	return names
}

// The constructs write the attributes the runtime reads: every attribute a registration names
// is a dynamodbav name of domain.Client or domain.Store.
func TestRegistrationAttributesAreTheDomains(t *testing.T) {
	tests := []struct {
		name   string
		input  map[string]any
		domain any
	}{
		{"client upsert", registration.ClientUpsert("T", registration.Client{}), domain.Client{}},
		{"client deactivate", registration.ClientDeactivate("T", "c"), domain.Client{}},
		{"store upsert", registration.StoreUpsert("T", registration.Store{}), domain.Store{}},
		{"store deactivate", registration.StoreDeactivate("T", "c", "s"), domain.Store{}},
	}
	for _, tt := range tests {
		known := dynamodbavNames(tt.domain)
		for _, attr := range tt.input["ExpressionAttributeNames"].(map[string]any) {
			if attr == resourcenames.AttrBrandList {
				continue // an index key (the platform admin's brand list), not a field of the brand
			}
			if !slices.Contains(known, attr.(string)) {
				t.Errorf("%s writes %q, which %T does not have (it has %v)", tt.name, attr, tt.domain, known)
			}
		}
	}
	for field, want := range map[string]string{"SQSQueueURL": tenant.AttrSQSQueueURL, "SQSQueueARN": tenant.AttrSQSQueueARN} {
		f, _ := reflect.TypeOf(domain.Store{}).FieldByName(field)
		if name, _, _ := strings.Cut(f.Tag.Get("dynamodbav"), ","); name != want {
			t.Errorf("domain.Store.%s is stored as %q, the construct writes %q", field, name, want)
		}
	}
}

// registrations is two brands with three stores (one declared outside its brand's scope) in
// one prod stack, synthesized once for the tests below.
var registrations = sync.OnceValues(func() (map[string]any, error) {
	var resources map[string]any
	r := cdktest.Panics(func() {
		stack := awscdk.NewStack(cdktest.NewApp(nil), jsii.String("Registrations"), nil)
		key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
		clientTable, storeTable := newClientTable(stack, key), newStoreTable(stack, key)
		s, _ := config.For(resourcenames.EnvProd)
		a := tenant.NewTenantClient(stack, "acme", &tenant.TenantClientProps{
			ClientID: "acme", ClientName: "Acme Pizza", TwilioPhoneNumber: "whatsapp:+5511912345678",
			OnboardedAt: onboarded, Key: key, ClientTable: clientTable, StoreTable: storeTable, Settings: s,
		})
		tenant.NewTenantStore(a, "moema", &tenant.TenantStoreProps{Client: a, StoreID: "moema", StoreName: "Moema"})
		tenant.NewTenantStore(stack, "acme-pinheiros", &tenant.TenantStoreProps{
			Client: a, StoreID: "pinheiros", OnboardedAt: onboarded.AddDate(0, 1, 0),
		})
		b := tenant.NewTenantClient(stack, "bolt", &tenant.TenantClientProps{
			ClientID: "bolt", TwilioPhoneNumber: "whatsapp:+5511912345679", DefaultLanguage: "en-US",
			Model: "anthropic.claude-3-5-haiku-20241022-v1:0", OnboardedAt: onboarded,
			Key: key, ClientTable: clientTable, StoreTable: storeTable, Settings: s,
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

// onlyID returns the logical id of the one resource of type typ.
func onlyID(t *testing.T, resources map[string]any, typ string) string {
	t.Helper()
	found := ofType(resources, typ)
	if len(found) != 1 {
		t.Fatalf("%d resources of type %s, want 1", len(found), typ)
	}
	for id := range found {
		return id
	}
	return ""
}

// logicalID returns the id of the resource of type typ whose properties have key = value.
func logicalID(t *testing.T, resources map[string]any, typ, key string, value any) string {
	t.Helper()
	for id, props := range ofType(resources, typ) {
		if reflect.DeepEqual(props[key], value) {
			return id
		}
	}
	t.Fatalf("no %s with %s = %v", typ, key, value)
	return ""
}

// calls decodes the Create, Update and Delete calls of every Custom::AWS resource, by the
// JSON of its Key.
func calls(t *testing.T, resources map[string]any) map[string]map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]map[string]any{}
	for id, props := range ofType(resources, "Custom::AWS") {
		phases := map[string]map[string]any{}
		for _, phase := range []string{"Create", "Update", "Delete"} {
			if props[phase] == nil {
				continue
			}
			call, err := cdktest.SDKCall(props[phase])
			if err != nil {
				t.Fatalf("%s %s: %v", id, phase, err)
			}
			phases[phase] = call
		}
		params, _ := phases["Create"]["parameters"].(map[string]any)
		key := cdktest.JSON(t, params["Key"])
		if _, dup := out[key]; dup {
			t.Fatalf("two registrations of %s", key)
		}
		out[key] = phases
	}
	return out
}

// wantCall is an UpdateItem call of a registration as the provider receives it.
func wantCall(physicalID string, parameters map[string]any, ignore string) map[string]any {
	c := map[string]any{
		"service": "DynamoDB", "action": "updateItem", "parameters": parameters,
		"physicalResourceId": map[string]any{"id": physicalID},
	}
	if ignore != "" {
		c["ignoreErrorCodesMatching"] = ignore
	}
	return c
}

// The custom resources' payloads are exactly package registration's inputs, with the
// template's references in place of the tokens: create and update upsert (infrastructure-owned
// attributes SET, operator-owned if_not_exists, version + 1), delete deactivates an existing
// record and never deletes it.
func TestRegistrationPayloads(t *testing.T) {
	resources, err := registrations()
	if err != nil {
		t.Fatal(err)
	}
	clientTable := logicalID(t, resources, "AWS::DynamoDB::Table", "TableName", resourcenames.ClientConfigTable)
	storeTable := logicalID(t, resources, "AWS::DynamoDB::Table", "TableName", resourcenames.StoreConfigTable)
	secret := func(name string) string {
		return cdktest.RefPlaceholder(logicalID(t, resources, "AWS::SecretsManager::Secret", "Name", name))
	}
	models := map[string]string{"acme": tenant.DefaultModel, "bolt": "anthropic.claude-3-5-haiku-20241022-v1:0"}
	profile := func(clientID string) string {
		id := logicalID(t, resources, "AWS::Bedrock::ApplicationInferenceProfile", "InferenceProfileName",
			tenant.InferenceProfileName(resourcenames.EnvProd, clientID, models[clientID]))
		return cdktest.GetAttPlaceholder(id, "InferenceProfileArn")
	}
	queue := func(clientID, storeID string) string {
		return logicalID(t, resources, "AWS::SQS::Queue", "QueueName", resourcenames.StoreOrderQueue(resourcenames.EnvProd, clientID, storeID))
	}
	client := func(id, name, number, lang string) registration.Client {
		return registration.Client{
			ClientID: id, TwilioPhoneNumber: number, Name: name, DefaultLanguage: lang, CreatedAt: "2025-03-04T00:00:00Z",
			TwilioSecretARN:     secret(resourcenames.TwilioSecret(resourcenames.EnvProd, id)),
			AsaasSecretARN:      secret(resourcenames.AsaasSecret(resourcenames.EnvProd, id)),
			InferenceProfileARN: profile(id),
		}
	}
	store := func(clientID, storeID, name, createdAt string) registration.Store {
		q := queue(clientID, storeID)
		return registration.Store{
			ClientID: clientID, StoreID: storeID, StoreName: name, CreatedAt: createdAt,
			QueueURL: cdktest.RefPlaceholder(q), QueueARN: cdktest.GetAttPlaceholder(q, "Arn"),
		}
	}
	ct, st := cdktest.RefPlaceholder(clientTable), cdktest.RefPlaceholder(storeTable)
	type phases struct{ upsert, deactivate map[string]any }
	want := map[string]struct {
		physicalID string
		phases
	}{
		`{"clientId":{"S":"acme"}}`: {"acme", phases{
			registration.ClientUpsert(ct, client("acme", "Acme Pizza", "whatsapp:+5511912345678", "pt-BR")),
			registration.ClientDeactivate(ct, "acme")}},
		// Defaults: the name is the clientId; the language is the one given.
		`{"clientId":{"S":"bolt"}}`: {"bolt", phases{
			registration.ClientUpsert(ct, client("bolt", "bolt", "whatsapp:+5511912345679", "en-US")),
			registration.ClientDeactivate(ct, "bolt")}},
		`{"clientId":{"S":"acme"},"storeId":{"S":"moema"}}`: {"acme/moema", phases{
			registration.StoreUpsert(st, store("acme", "moema", "Moema", "2025-03-04T00:00:00Z")),
			registration.StoreDeactivate(st, "acme", "moema")}},
		// Its own date; its name defaults to the storeId.
		`{"clientId":{"S":"acme"},"storeId":{"S":"pinheiros"}}`: {"acme/pinheiros", phases{
			registration.StoreUpsert(st, store("acme", "pinheiros", "pinheiros", "2025-04-04T00:00:00Z")),
			registration.StoreDeactivate(st, "acme", "pinheiros")}},
		// The brand's date by default.
		`{"clientId":{"S":"bolt"},"storeId":{"S":"moema"}}`: {"bolt/moema", phases{
			registration.StoreUpsert(st, store("bolt", "moema", "moema", "2025-03-04T00:00:00Z")),
			registration.StoreDeactivate(st, "bolt", "moema")}},
	}
	got := calls(t, resources)
	if len(got) != len(want) {
		t.Errorf("%d registrations, want %d", len(got), len(want))
	}
	for key, w := range want {
		t.Run(key, func(t *testing.T) {
			g, ok := got[key]
			if !ok {
				t.Fatalf("no registration of %s", key)
			}
			for phase, call := range map[string]map[string]any{
				"Create": wantCall(w.physicalID, w.upsert, ""),
				"Update": wantCall(w.physicalID, w.upsert, ""),
				"Delete": wantCall(w.physicalID, w.deactivate, registration.ConditionalCheckFailed),
			} {
				if cdktest.JSON(t, g[phase]) != cdktest.JSON(t, call) {
					t.Errorf("%s call:\n%s\nwant:\n%s", phase, cdktest.JSON(t, g[phase]), cdktest.JSON(t, call))
				}
			}
		})
	}
	// What the payloads do, said directly (the literal expressions are tested in package
	// registration).
	for key, g := range got {
		for _, phase := range []string{"Create", "Update", "Delete"} {
			c := g[phase]
			if c["action"] != "updateItem" {
				t.Errorf("%s %s calls %v, want updateItem only (never deleteItem)", key, phase, c["action"])
			}
			expr, _ := c["parameters"].(map[string]any)["UpdateExpression"].(string)
			if !strings.Contains(expr, "#version = if_not_exists(#version, :zero) + :one") {
				t.Errorf("%s %s does not increment version: %s", key, phase, expr)
			}
			if phase == "Delete" && expr != "SET #active = :false, #version = if_not_exists(#version, :zero) + :one" {
				t.Errorf("%s Delete: %s, want it to deactivate only", key, expr)
			}
			// A brand starts active, a store inactive (it has no hours or payment methods yet);
			// either way only when the record has no active of its own.
			if phase != "Delete" && !strings.Contains(expr, "#active = if_not_exists(#active, :true)") &&
				!strings.Contains(expr, "#active = if_not_exists(#active, :false)") ||
				phase != "Delete" && !strings.Contains(expr, "#createdAt = if_not_exists(#createdAt, :createdAt)") {
				t.Errorf("%s %s overwrites operator-owned attributes: %s", key, phase, expr)
			}
		}
	}
}

// Every brand and store registers through one provider function whose role is the same, with
// no managed policy, whatever the scope each was declared in.
func TestEveryRegistrationGoesThroughOneProvider(t *testing.T) {
	resources, err := registrations()
	if err != nil {
		t.Fatal(err)
	}
	regs := ofType(resources, "Custom::AWS")
	tokens := map[string]bool{}
	for id, props := range regs {
		tokens[cdktest.JSON(t, props["ServiceToken"])] = true
		if props["InstallLatestAwsSdk"] != false {
			t.Errorf("%s: InstallLatestAwsSdk = %v, want false (no npm install at deploy time)", id, props["InstallLatestAwsSdk"])
		}
	}
	if len(regs) != 5 {
		t.Errorf("%d registrations, want 2 brands + 3 stores", len(regs))
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

// Each registration's policy allows UpdateItem on its own table alone, plus the write actions
// on the table's key, without a wildcard: no other DynamoDB action (no DeleteItem), no index,
// no other resource.
func TestRegistrationPoliciesAreUpdateItemOnTheirTable(t *testing.T) {
	resources, err := registrations()
	if err != nil {
		t.Fatal(err)
	}
	key := onlyID(t, resources, "AWS::KMS::Key")
	want := func(table string) string {
		return cdktest.JSON(t, []any{
			map[string]any{"Action": "dynamodb:UpdateItem", "Effect": "Allow", "Resource": map[string]any{"Fn::GetAtt": []any{table, "Arn"}}},
			map[string]any{
				"Action": []any{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"},
				"Effect": "Allow", "Resource": map[string]any{"Fn::GetAtt": []any{key, "Arn"}},
			},
		})
	}
	policies := ofType(resources, "AWS::IAM::Policy")
	counts := map[string]int{}
	for id, props := range ofType(resources, "Custom::AWS") {
		call, err := cdktest.SDKCall(props["Create"])
		if err != nil {
			t.Fatal(err)
		}
		table, _ := call["parameters"].(map[string]any)["TableName"].(string)
		table = strings.TrimSuffix(strings.TrimPrefix(table, "${"), "}")
		counts[table]++
		deps, _ := resources[id].(map[string]any)["DependsOn"].([]any)
		var n int
		for _, d := range deps {
			p, ok := policies[d.(string)]
			if !ok {
				continue
			}
			n++
			doc, _ := p["PolicyDocument"].(map[string]any)
			if got := cdktest.JSON(t, doc["Statement"]); got != want(table) {
				t.Errorf("%s: policy %s statements %s, want %s", id, d, got, want(table))
			}
		}
		if n != 1 {
			t.Errorf("%s depends on %d policies, want its own one (it could run before it may write)", id, n)
		}
	}
	clientTable := logicalID(t, resources, "AWS::DynamoDB::Table", "TableName", resourcenames.ClientConfigTable)
	storeTable := logicalID(t, resources, "AWS::DynamoDB::Table", "TableName", resourcenames.StoreConfigTable)
	if counts[clientTable] != 2 || counts[storeTable] != 3 {
		t.Errorf("registrations per table %v, want 2 on %s and 3 on %s", counts, clientTable, storeTable)
	}
}

// One application inference profile per brand, named for the environment and the brand,
// copied from the brand's model of the catalog and tagged with its clientId.
func TestInferenceProfilePerBrand(t *testing.T) {
	resources, err := registrations()
	if err != nil {
		t.Fatal(err)
	}
	profiles := ofType(resources, "AWS::Bedrock::ApplicationInferenceProfile")
	if len(profiles) != 2 {
		t.Fatalf("%d inference profiles, want one per brand (2)", len(profiles))
	}
	source := func(id string) any {
		return map[string]any{"Fn::Join": []any{"", []any{
			"arn:", map[string]any{"Ref": "AWS::Partition"}, ":bedrock:", map[string]any{"Ref": "AWS::Region"},
			"::foundation-model/" + id,
		}}}
	}
	for clientID, model := range map[string]string{"acme": tenant.DefaultModel, "bolt": "anthropic.claude-3-5-haiku-20241022-v1:0"} {
		id := logicalID(t, resources, "AWS::Bedrock::ApplicationInferenceProfile", "InferenceProfileName", tenant.InferenceProfileName(resourcenames.EnvProd, clientID, model))
		props := profiles[id]
		if got := cdktest.JSON(t, props["ModelSource"]); got != cdktest.JSON(t, map[string]any{"CopyFrom": source(model)}) {
			t.Errorf("%s copies from %s, want %s", clientID, got, model)
		}
		tags, _ := props["Tags"].([]any)
		if !slices.ContainsFunc(tags, func(tag any) bool {
			return cdktest.JSON(t, tag) == cdktest.JSON(t, map[string]any{"Key": resourcenames.TagClientID, "Value": clientID})
		}) {
			t.Errorf("%s's profile tags %v, want clientId=%s", clientID, tags, clientID)
		}
	}
}

func TestModelSourceARNs(t *testing.T) {
	for _, tt := range []struct{ id, want string }{
		{"amazon.nova-lite-v1:0", "arn:aws:bedrock:sa-east-1::foundation-model/amazon.nova-lite-v1:0"},
		{"anthropic.claude-3-5-haiku-20241022-v1:0", "arn:aws:bedrock:sa-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0"},
		{"us.amazon.nova-lite-v1:0", "arn:aws:bedrock:sa-east-1:123456789012:inference-profile/us.amazon.nova-lite-v1:0"},
	} {
		m, ok := tenant.ModelByID(tt.id)
		if !ok {
			t.Errorf("%s is not in the catalog", tt.id)
			continue
		}
		if got := m.SourceARN("aws", "sa-east-1", "123456789012"); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.id, got, tt.want)
		}
	}
	if _, ok := tenant.ModelByID(tenant.DefaultModel); !ok {
		t.Errorf("the default model %s is not in the catalog", tenant.DefaultModel)
	}
	if len(tenant.Models) != len(tenant.ModelIDs()) {
		t.Error("ModelIDs and Models differ")
	}
}

// A brand's profile is named for its model, so choosing another model creates a profile of a
// new name (CloudFormation cannot replace a named resource under the same name).
func TestInferenceProfileNameCarriesTheModel(t *testing.T) {
	a := tenant.InferenceProfileName(resourcenames.EnvProd, "acme", tenant.DefaultModel)
	b := tenant.InferenceProfileName(resourcenames.EnvProd, "acme", "anthropic.claude-3-5-haiku-20241022-v1:0")
	if a == b {
		t.Errorf("two models, one profile name %q", a)
	}
	if a != tenant.InferenceProfileName(resourcenames.EnvProd, "acme", tenant.DefaultModel) {
		t.Error("the name is not stable")
	}
	if !strings.HasPrefix(a, "wabot-prod-acme-") || len(a) != len("wabot-prod-acme-")+8 {
		t.Errorf("name %q, want wabot-<env>-<clientId>-<8 hex>", a)
	}
}
