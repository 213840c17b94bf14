package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/wabot-platform/wabot/shared/admin"
	"github.com/wabot-platform/wabot/shared/conversation"
	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/dev/emulator"
	"github.com/wabot-platform/wabot/shared/dev/emulator/emulatortest"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// The admin API on the local stack, with tokens of the emulator's user pool (what
// `make token` prints): the verification path of AWS, the data of the running product.

// adminToken signs a user of role (and brand) in to the local user pool.
func adminToken(t *testing.T, role, clientID string) string {
	t.Helper()
	cfg := emulatortest.Config(t)
	ctx := context.Background()
	pool, err := emulator.LookupUserPool(ctx, cip.NewFromConfig(cfg), resourcenames.UserPoolName(resourcenames.EnvDev))
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := emulator.AdminIDToken(ctx, cfg, pool, resourcenames.UserPoolClientName(resourcenames.EnvDev), role, clientID)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// api calls the local admin API and decodes a JSON answer into out (when not nil).
func api(t *testing.T, base, method, path, token string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
		}
	}
	return res.StatusCode
}

func customerPath(clientID, phone string) string {
	return "/admin/v1/brands/" + clientID + "/customers/" + url.PathEscape(phone)
}

// Tokens from the local user pool work, and the brand rule holds on the running stack.
func TestAdminWithLocalUserPoolTokens(t *testing.T) {
	base := stack(t)
	burger := adminToken(t, resourcenames.RoleBrandAdmin, demo.BurgerID)
	var me struct{ Role, ClientID string }
	if code := api(t, base, "GET", "/admin/v1/me", burger, nil, &me); code != 200 || me.Role != resourcenames.RoleBrandAdmin || me.ClientID != demo.BurgerID {
		t.Fatalf("me: %d %+v", code, me)
	}
	if code := api(t, base, "GET", "/admin/v1/brands/demo-pizzaria", burger, nil, nil); code != 404 {
		t.Errorf("burger's admin reading pizzaria: %d, want 404", code)
	}
	if code := api(t, base, "GET", "/admin/v1/brands", burger, nil, nil); code != 403 {
		t.Errorf("burger's admin listing brands: %d, want 403", code)
	}
	var brands struct{ Brands []struct{ ClientID string } }
	if code := api(t, base, "GET", "/admin/v1/brands", adminToken(t, resourcenames.RolePlatformAdmin, ""), nil, &brands); code != 200 || len(brands.Brands) < 2 {
		t.Errorf("platform admin's brand list: %d %+v", code, brands)
	}
	if code := api(t, base, "GET", "/admin/v1/brands/demo-burger", burger[:len(burger)-4]+"AAAA", nil, nil); code != 401 {
		t.Errorf("a tampered signature: %d, want 401", code)
	}
	if code := api(t, base, "GET", resourcenames.AdminOpenAPIPath, "", nil, nil); code != 200 {
		t.Errorf("openapi.json: %d", code)
	}
}

// A change made through the API reaches the running webhook and worker within the
// configuration cache's TTL (1 s locally, 60 s in AWS: docs/admin-api.md).
func TestAdminChangeReachesTheBot(t *testing.T) {
	base := stack(t)
	tok := adminToken(t, resourcenames.RoleBrandAdmin, demo.BurgerID)
	req, _ := http.NewRequest("GET", base+"/admin/v1/brands/demo-burger", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var before domain.Client
	api(t, base, "GET", "/admin/v1/brands/demo-burger", tok, nil, &before)
	patchWelcome := func(text, etag string) int {
		body, _ := json.Marshal(map[string]string{"welcomeMessage": text})
		r, _ := http.NewRequest("PATCH", base+"/admin/v1/brands/demo-burger", bytes.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+tok)
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("If-Match", etag)
		rr, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		rr.Body.Close()
		return rr.StatusCode
	}
	welcome := "Fala! Aqui é o Burger Demo, versão " + time.Now().Format("150405.000")
	if code := patchWelcome(welcome, res.Header.Get("ETag")); code != 200 {
		t.Fatalf("patch: %d", code)
	}
	// Put the demo's welcome back, and wait out the cache, for the tests that follow.
	t.Cleanup(func() {
		var now domain.Client
		api(t, base, "GET", "/admin/v1/brands/demo-burger", tok, nil, &now)
		if code := patchWelcome(before.WelcomeMessage, `"v`+strconv.FormatInt(now.Version, 10)+`"`); code != 200 {
			t.Errorf("restore the welcome message: %d", code)
		}
		time.Sleep(1100 * time.Millisecond)
	})
	time.Sleep(1100 * time.Millisecond) // the local configuration TTL
	customer := newCustomer()
	say(t, base, customer, demo.BurgerNumber, "oi")
	got := waitOutbox(t, base, customer, 1)
	if !strings.Contains(got[0].Body, welcome) {
		t.Errorf("the first reply after the change is %q", got[0].Body)
	}
}

// LGPD on the local stack: a customer asks in the chat to erase their data, confirms, and
// everything the brand held goes (the order stays, pseudonymised); another customer's data
// is exported and erased through the API.
func TestLGPDInChatAndThroughTheAPI(t *testing.T) {
	base := stack(t)
	tok := adminToken(t, resourcenames.RoleBrandAdmin, demo.BurgerID)
	customer := newCustomer()
	n := 0
	talk := func(body string) string {
		t.Helper()
		say(t, base, customer, demo.BurgerNumber, body)
		n++
		out := waitOutbox(t, base, customer, n)
		n = len(out)
		return out[len(out)-1].Body
	}
	talk("hey, 2 cheeseburgers please")
	talk("thats all")
	talk("pickup")
	talk("credit card")
	placed := talk("yes")
	if !strings.Contains(strings.ToLower(placed), "confirmed") {
		t.Fatalf("no order: %q", placed)
	}
	// The export holds the mapping, the conversation and the order.
	var export struct {
		Mapping      *domain.PhoneMapping `json:"mapping"`
		Conversation *struct {
			Conversation *domain.Conversation `json:"conversation"`
		} `json:"conversation"`
		Orders []domain.Order `json:"orders"`
	}
	if code := api(t, base, "GET", customerPath(demo.BurgerID, customer)+"/export", tok, nil, &export); code != 200 {
		t.Fatalf("export: %d", code)
	}
	if export.Mapping == nil || len(export.Orders) != 1 {
		t.Fatalf("export before erasure: mapping %v, %d orders", export.Mapping != nil, len(export.Orders))
	}
	orderID := export.Orders[0].OrderID

	// The daily counters the worker wrote show the order and its revenue.
	var m struct {
		Totals     domain.Counts
		Days       []struct{ StoreID string }
		Conversion float64
	}
	if code := api(t, base, "GET", "/admin/v1/brands/demo-burger/metrics?storeId=vila-madalena", tok, nil, &m); code != 200 {
		t.Fatalf("metrics: %d", code)
	}
	if m.Totals.Orders < 1 || m.Totals.RevenueCents < export.Orders[0].TotalCents || m.Totals.MessagesIn < 5 || m.Totals.MessagesOut < 5 ||
		m.Totals.Conversations < 1 || m.Conversion <= 0 {
		t.Errorf("metrics after an order: %+v (conversion %.2f)", m.Totals, m.Conversion)
	}

	// In the chat, the way people write it.
	ask := talk("quero que voces apaguem meus dados por favor")
	if !strings.Contains(strings.ToLower(ask), "sim") && !strings.Contains(strings.ToLower(ask), "yes") {
		t.Fatalf("no confirmation asked: %q", ask)
	}
	done := talk("sim")
	if done == ask {
		t.Fatalf("no answer to the confirmation")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		export.Mapping, export.Orders = nil, nil
		api(t, base, "GET", customerPath(demo.BurgerID, customer)+"/export", tok, nil, &export)
		if export.Mapping == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if export.Mapping != nil || len(export.Orders) != 0 {
		t.Errorf("after erasure in the chat: mapping %v, %d orders still under the number", export.Mapping != nil, len(export.Orders))
	}
	var o domain.Order
	if code := api(t, base, "GET", "/admin/v1/brands/demo-burger/orders/"+orderID, tok, nil, &o); code != 200 {
		t.Fatalf("the order: %d", code)
	}
	if !strings.HasPrefix(o.CustomerPhone, domain.PseudonymPrefix) || o.CustomerName != "" || o.PseudonymisedAt.IsZero() || o.TotalCents == 0 {
		t.Errorf("the order kept: phone %q name %q at %v total %d", o.CustomerPhone, o.CustomerName, o.PseudonymisedAt, o.TotalCents)
	}

	// Through the API, for another customer.
	other := newCustomer()
	say(t, base, other, demo.BurgerNumber, "hi")
	waitOutbox(t, base, other, 1)
	var rep domain.ErasureReport
	if code := api(t, base, "POST", customerPath(demo.BurgerID, other)+"/erase", tok, nil, &rep); code != 200 || rep.Mappings != 1 || rep.Conversations != 1 {
		t.Fatalf("erase: %d %+v", code, rep)
	}
	if code := api(t, base, "GET", customerPath(demo.BurgerID, other), tok, nil, nil); code != 404 {
		t.Errorf("the mapping after erasure: %d", code)
	}
	// Both erasures are in the audit (the chat's is the engine's, not an operator's; the API's is).
	var audit struct{ Records []domain.AuditRecord }
	api(t, base, "GET", "/admin/v1/brands/demo-burger/audit", tok, nil, &audit)
	found := false
	for _, r := range audit.Records {
		if r.Action == "customer.erase" && strings.Contains(r.Target, domain.Mask(other)) {
			found = true
		}
	}
	if !found {
		t.Errorf("no audit record of the API erasure")
	}
}

// The local test chat answers free text with the model, as the WhatsApp bot does (here the
// stand-in, through the admin's own Bedrock adapter), and says what it cost; a structured
// message is the rules'. The calls and tokens show in the brand's metrics.
func TestSandboxAnswersWithTheModel(t *testing.T) {
	base := stack(t)
	tok := adminToken(t, resourcenames.RoleBrandAdmin, demo.BurgerID)
	if code := api(t, base, "DELETE", "/admin/v1/brands/demo-burger/sandbox", tok, nil, nil); code != 204 {
		t.Fatalf("reset: %d", code)
	}
	type result struct {
		Replies []string
		Model   *conversation.SandboxModel
	}
	send := func(text string) result {
		t.Helper()
		var r result
		if code := api(t, base, "POST", "/admin/v1/brands/demo-burger/sandbox/messages", tok,
			map[string]any{"storeId": "vila-madalena", "text": text}, &r); code != 200 || len(r.Replies) == 0 {
			t.Fatalf("%q: %d %+v", text, code, r)
		}
		return r
	}
	var before admin.MetricsView
	api(t, base, "GET", "/admin/v1/brands/demo-burger/metrics", tok, nil, &before)

	if r := send("hi"); r.Model != nil {
		t.Errorf("a greeting reports a model: %+v", r.Model)
	}
	q := "do you deliver to pinheiros?"
	r := send(q)
	if r.Model == nil || r.Model.Calls < 1 || !slices.Contains(r.Model.Tools, "store_info") || r.Model.InputTokens <= 0 || r.Model.Fallback {
		t.Fatalf("%q: %q, model %+v; want the stand-in's store_info", q, r.Replies, r.Model)
	}
	if router.callsFor(q) != 0 {
		t.Errorf("the question was routed to a script")
	}
	if r := send("2 cheese burger"); r.Model != nil || !strings.Contains(strings.Join(r.Replies, "\n"), "Cheese Burger") {
		t.Errorf("2 cheese burger: %q, model %+v", r.Replies, r.Model)
	}
	var after admin.MetricsView
	api(t, base, "GET", "/admin/v1/brands/demo-burger/metrics", tok, nil, &after)
	if got := after.Totals.ModelCalls - before.Totals.ModelCalls; got < int64(r.Model.Calls) {
		t.Errorf("the brand's modelCalls grew by %d, the test chat made %d", got, r.Model.Calls)
	}
	if got := after.Totals.ModelInputTokens - before.Totals.ModelInputTokens; got < r.Model.InputTokens {
		t.Errorf("the brand's modelInputTokens grew by %d, the test chat spent %d", got, r.Model.InputTokens)
	}
	api(t, base, "DELETE", "/admin/v1/brands/demo-burger/sandbox", tok, nil, nil)
}
