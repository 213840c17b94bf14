package tenant_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"

	"github.com/wabot-platform/wabot/infra/config"
	"github.com/wabot-platform/wabot/infra/internal/cdktest"
	"github.com/wabot-platform/wabot/infra/tenant"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

// fakeKey satisfies awskms.IKey for validation tests, which only check that a key is given.
type fakeKey struct{ awskms.IKey }

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

func TestNewTenantClientRejectsInvalidIDs(t *testing.T) {
	stack, key := newScope(t)
	for _, id := range []string{"", "Demo", "demo pizzaria", "demo-", strings.Repeat("x", 25)} {
		t.Run(id, func(t *testing.T) {
			r := cdktest.Panics(func() {
				tenant.NewTenantClient(stack, "c"+fmt.Sprint(len(id)), &tenant.TenantClientProps{
					ClientID: id, TwilioPhoneNumber: "whatsapp:+5511990000001", Key: key, Settings: settings(t, resourcenames.EnvDev),
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
		ClientID: "demo", TwilioPhoneNumber: "whatsapp:+5511990000001", Key: key, Settings: settings(t, resourcenames.EnvDev),
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
		ClientID: "demo", TwilioPhoneNumber: "whatsapp:+5511990000001", Key: key, Settings: settings(t, resourcenames.EnvDev),
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
			ClientID: clientID, TwilioPhoneNumber: number, Key: key, Settings: settings(t, resourcenames.EnvDev),
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
			ClientID: "acme", TwilioPhoneNumber: "whatsapp:+5511912345678", Key: key, Settings: s,
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
