package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/dev/emulator"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// The runtime reaches a brand's data only with credentials from an sts:AssumeRole into the
// tenant access role tagged with that brand, and its own credentials only reach what is
// platform-level. Both brands order end to end (the golden transcripts: webhook, signature
// with the brand's secret, store choice, menu, cart, checkout, the order on the store's POS
// queue); then every AWS call the runner made since it started is checked:
//   - a call signed with a brand's session names only that brand's items (partition keys
//     "<clientId>" or "<clientId>#..."), secrets and store queues, never the platform's tables;
//   - a call signed with the runner's own credentials is only the lookup of a brand by its
//     number (KEYS_ONLY index), the idempotency records or the inbound queues;
//   - nothing is signed with any other key.
//
// The emulator does not evaluate IAM, so the check here is the runtime's half (which
// credentials it uses for what); tools/iamcheck evaluates the synthesized policies (what AWS
// would allow those credentials).
func TestTenantDataOnlyWithTenantSessions(t *testing.T) {
	base := stack(t)
	files, err := filepath.Glob("testdata/golden/*.txt")
	if err != nil || len(files) < 2 {
		t.Fatalf("golden transcripts: %v %v", files, err)
	}
	for _, file := range files {
		playGolden(t, base, file)
	}
	adminCalls(t, base)
	calls, sessions, assumedRoles, roles := awsCalls.snapshotRoles()

	env := resourcenames.EnvDev
	tables := resourcenames.TablesFor(env)
	tenantTables := map[string]bool{
		tables.ClientConfig: true, tables.StoreConfig: true, tables.PhoneMapping: true,
		tables.ConversationState: true, tables.Menu: true, tables.Orders: true, tables.DailyMetrics: true,
	}
	inbound := map[string]bool{resourcenames.InboundQueue(env): true, resourcenames.InboundDLQ(env): true}
	queueName := func(q string) string { return q[strings.LastIndex(q, "/")+1:] }

	adminRole := emulator.TenantAdminRoleARN(env)
	for _, a := range assumedRoles {
		if (a.Role != emulator.TenantRoleARN(env) && a.Role != adminRole) || a.Tag == "" || a.Session != "wabot-"+a.Tag {
			t.Errorf("AssumeRole %+v: want the tenant access or tenant admin role, tagged clientId, session wabot-<clientId>", a)
		}
	}
	// What each session's role allows: the admin API's sessions come from the tenant admin role.
	adminUsed := map[string]bool{}

	// seen[brand] lists what the brand's sessions did, for the coverage check below.
	seen := map[string]map[string]bool{}
	for _, c := range calls {
		if c.Service == "sts" {
			continue
		}
		brand, isSession := sessions[c.AccessKey]
		if c.AccessKey == "" && c.Service == "" && strings.Contains(c.Path, "/.well-known/") {
			continue // the admin API reads the user pool's public keys: no credentials, no data
		}
		if !isSession {
			if c.AccessKey != "test" { // the emulator config's static key: the function's own role
				t.Errorf("call signed with an unknown key: %s", c)
				continue
			}
			if !platformAllowed(c, tables, inbound, queueName) {
				t.Errorf("the runner's own credentials reached tenant data: %s", c)
			}
			continue
		}
		if seen[brand] == nil {
			seen[brand] = map[string]bool{}
		}
		tableActions, secretActions, queueActions := resourcenames.TenantTableActions, resourcenames.TenantSecretActions, resourcenames.TenantQueueActions
		if roles[c.AccessKey] == adminRole {
			tableActions, secretActions, queueActions = resourcenames.TenantAdminTableActions, resourcenames.TenantAdminSecretActions, resourcenames.TenantAdminQueueActions
			adminUsed[brand] = true
		}
		switch c.Service {
		case "dynamodb":
			if !tenantTables[c.Table] {
				t.Errorf("a %s session called a table that is not tenant data: %s", brand, c)
			}
			if len(c.PartitionKeys) == 0 {
				t.Errorf("a %s session's call names no partition key: %s", brand, c)
			}
			for _, k := range c.PartitionKeys {
				if k != brand && !strings.HasPrefix(k, brand+resourcenames.KeySeparator) {
					t.Errorf("a %s session named another brand's key %q: %s", brand, k, c)
				}
			}
			base := strings.TrimSuffix(c.Table, "-"+env)
			if !slices.Contains(tableActions[base], c.Action) {
				t.Errorf("a %s session called %s on %s, which the tenant role does not allow (docs/security.md): %s", brand, c.Action, base, c)
			}
			seen[brand]["dynamodb "+base] = true
		case "secretsmanager":
			if !slices.Contains(secretActions, c.Action) {
				t.Errorf("a %s session called %s, which the tenant role does not allow: %s", brand, c.Action, c)
			}
			if !strings.Contains(c.Secret, "wabot/"+env+"/"+brand+"/") {
				t.Errorf("a %s session read another secret: %s", brand, c)
			}
			seen[brand]["secret"] = true
		case "sqs":
			if !slices.Contains(queueActions, c.Action) {
				t.Errorf("a %s session called %s, which the tenant role does not allow: %s", brand, c.Action, c)
			}
			if !strings.HasPrefix(queueName(c.Queue), "wabot-"+env+"-"+brand+"-") {
				t.Errorf("a %s session reached another queue: %s", brand, c)
			}
			if c.Action == "SendMessage" {
				seen[brand]["pos queue"] = true
			}
		default:
			t.Errorf("a %s session called an unexpected service: %s", brand, c)
		}
	}

	// Not vacuous: each brand's sessions did each kind of call the order path makes.
	want := []string{"secret", "pos queue"}
	for _, table := range []string{resourcenames.ClientConfigTable, resourcenames.StoreConfigTable, resourcenames.PhoneMappingTable,
		resourcenames.ConversationStateTable, resourcenames.OrdersTable} {
		want = append(want, "dynamodb "+table)
	}
	for _, tn := range demo.Tenants() {
		id := tn.Client.ClientID
		for _, w := range want {
			if !seen[id][w] {
				var got []string
				for k := range seen[id] {
					got = append(got, k)
				}
				slices.Sort(got)
				t.Errorf("%s: no %s call with the brand's session (saw %v)", id, w, got)
			}
		}
	}
	if !adminUsed[demo.BurgerID] {
		t.Errorf("the admin API made no call with a tenant admin session of %s", demo.BurgerID)
	}
	checkModelCalls(t, sessions, roles, adminRole)
	if len(calls) == 0 || len(sessions) < len(demo.Tenants()) {
		t.Fatalf("recorded %d calls and %d tenant sessions: the recorder saw nothing", len(calls), len(sessions))
	}
}

// adminCalls exercises the admin API as demo-burger's brand admin and a platform admin, so
// its sessions are checked with the runtime's.
func adminCalls(t *testing.T, base string) {
	t.Helper()
	tok := adminToken(t, resourcenames.RoleBrandAdmin, demo.BurgerID)
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/admin/v1/brands/demo-burger", nil},
		{"GET", "/admin/v1/brands/demo-burger/stores", nil},
		{"GET", "/admin/v1/brands/demo-burger/customers", nil},
		{"GET", "/admin/v1/brands/demo-burger/integrations", nil},
		{"GET", "/admin/v1/brands/demo-burger/menu", nil},
		{"GET", "/admin/v1/brands/demo-burger/queues", nil},
		{"GET", "/admin/v1/brands/demo-burger/stores/vila-madalena/orders", nil},
		{"GET", "/admin/v1/brands/demo-burger/metrics", nil},
		{"PUT", "/admin/v1/brands/demo-burger/prompt", map[string]any{"aiPromptTemplate": "Você atende a {{brand}}."}},
		{"POST", "/admin/v1/brands/demo-burger/sandbox/messages", map[string]any{"storeId": "vila-madalena", "text": "oi"}},
		// The test chat's model: a question the stand-in answers with store_info.
		{"POST", "/admin/v1/brands/demo-burger/sandbox/messages", map[string]any{"storeId": "vila-madalena", "text": "do you deliver to moema?"}},
		{"POST", "/admin/v1/brands/demo-burger/customers/%2B5511900000999/erase", nil},
		{"GET", "/admin/v1/brands/demo-burger/audit", nil},
	} {
		if code := api(t, base, c.method, c.path, tok, c.body, nil); code >= 300 {
			t.Errorf("%s %s: %d", c.method, c.path, code)
		}
	}
	platform := adminToken(t, resourcenames.RolePlatformAdmin, "")
	for _, p := range []string{"/admin/v1/brands", "/admin/v1/audit", "/admin/v1/platform/queues"} {
		if code := api(t, base, "GET", p, platform, nil, nil); code != 200 {
			t.Errorf("GET %s: %d", p, code)
		}
	}
}

// platformAllowed reports whether c is one of the platform-level calls the functions' own
// roles make (docs/security.md).
func platformAllowed(c awsCall, tables resourcenames.Tables, inbound map[string]bool, queueName func(string) string) bool {
	switch c.Service {
	case "dynamodb":
		switch {
		case c.Table == tables.ClientConfig && c.Action == "Query" && c.Index == resourcenames.ClientByPhoneIndex:
			return true // which brand owns the number called: clientId only
		case c.Table == tables.Idempotency:
			return true
		case c.Table == tables.ClientConfig && c.Action == "Query" && c.Index == resourcenames.BrandsIndex:
			return true // the platform admin's brand list: the index projects the list's fields only
		case c.Table == tables.Audit && (c.Action == "PutItem" || c.Action == "Query"):
			return true // the admin API's audit is platform-level (docs/admin-api.md)
		case c.Action == "DescribeTable" || c.Action == "ListTables":
			return true // the local runner's health check: no item is read
		}
	case "sqs":
		return inbound[queueName(c.Queue)]
	case "cognito-idp":
		return true // the test's own sign-ins (make token's path): no tenant data
	}
	return false
}

// checkModelCalls: every model call (Converse, through the Bedrock adapter to the tests'
// Converse server) is signed with a brand's session, carries that brand's prompt and goes
// to that brand's inference profile; both brands made some, and demo-burger's test chat made
// some with its tenant admin session (roles: the role of each session's key).
func checkModelCalls(t *testing.T, sessions, roles map[string]string, adminRole string) {
	t.Helper()
	profiles := map[string]string{}
	for _, tn := range demo.Tenants() {
		c, err := repos(t).GetClient(domain.NewPlatformContext(context.Background()), tn.Client.ClientID)
		if err != nil || c.InferenceProfileARN == "" {
			t.Fatalf("%s: no inference profile registered (%v)", tn.Client.ClientID, err)
		}
		profiles[tn.Client.ClientID] = c.InferenceProfileARN
	}
	byBrand, adminByBrand := map[string]int{}, map[string]int{}
	for _, r := range modelSrv.Requests() {
		m := credentialRe.FindStringSubmatch(r.Header.Get("Authorization"))
		if m == nil || m[2] != "bedrock" {
			t.Errorf("a model call not signed for bedrock: %q", r.Header.Get("Authorization"))
			continue
		}
		brand, ok := sessions[m[1]]
		if !ok {
			t.Errorf("a model call signed with a key that is no brand's session (%s...)", m[1][:4])
			continue
		}
		byBrand[brand]++
		if roles[m[1]] == adminRole {
			adminByBrand[brand]++
		}
		if r.ModelID != profiles[brand] {
			t.Errorf("a %s session called model %s, not its inference profile %s", brand, r.ModelID, profiles[brand])
		}
		raw, _ := json.Marshal(r.Request)
		for _, tn := range demo.Tenants() {
			if tn.Client.ClientID != brand && strings.Contains(string(raw), tn.Client.ClientName) {
				t.Errorf("a %s model call carries %s's name", brand, tn.Client.ClientName)
			}
		}
	}
	for _, tn := range demo.Tenants() {
		if byBrand[tn.Client.ClientID] == 0 {
			t.Errorf("%s made no model call: the check above is vacuous for it", tn.Client.ClientID)
		}
	}
	if adminByBrand[demo.BurgerID] == 0 {
		t.Errorf("the test chat of %s made no model call with a tenant admin session", demo.BurgerID)
	}
}
