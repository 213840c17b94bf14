package admin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/admin"
	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

func fieldsOf(p admin.Problem) []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

// etag reads a resource's current ETag.
func (f *fixture) etag(t *testing.T, path, token string) string {
	t.Helper()
	res := f.do(t, "GET", path, token, nil)
	if res.status != 200 || res.header.Get("ETag") == "" {
		t.Fatalf("GET %s: %d %s", path, res.status, res.body)
	}
	return res.header.Get("ETag")
}

// Every resource refuses bad input with a problem naming each failing field.
func TestValidationNamesTheFields(t *testing.T) {
	f := newFixture(t)
	tok := f.brandAdmin(t, demo.BurgerID)
	platform := f.platform(t)
	brand := "/admin/v1/brands/demo-burger"
	store := brand + "/stores/vila-madalena"
	cases := []struct {
		name, method, path, token string
		body                      any
		ifMatch                   string // a GET path for If-Match
		status                    int
		fields                    []string
	}{
		{"brand: bad number, language and logo", "POST", "/admin/v1/brands", platform,
			map[string]any{"clientId": "Bad Id", "name": "", "twilioPhoneNumber": "+55 11 99999", "defaultLanguage": "es-AR", "logoUrl": "http://x"},
			"", 422, []string{"clientId", "name", "defaultLanguage", "logoUrl", "twilioPhoneNumber"}},
		{"brand: a welcome message too long", "PATCH", brand, tok, map[string]any{"welcomeMessage": strings.Repeat("a", 1025)}, brand, 422, []string{"welcomeMessage"}},
		{"brand: a number where text goes", "PATCH", brand, tok, map[string]any{"name": 42}, brand, 400, []string{"name"}},
		{"brand: a field that does not exist", "PATCH", brand, tok, map[string]any{"colour": "red"}, brand, 400, []string{"colour"}},
		{"store: bad hours", "PATCH", store, tok, map[string]any{"operatingHours": map[string]any{"monday": []any{map[string]any{"open": "25:00", "close": "23:00"}}}}, store, 422,
			[]string{"operatingHours.monday[0].open"}},
		{"store: unknown payment method", "PATCH", store, tok, map[string]any{"paymentMethods": []string{"PIX", "BOLETO"}}, store, 422, []string{"paymentMethods[1]"}},
		{"store: negative delivery fee", "PATCH", store, tok, map[string]any{"deliveryConfig": map[string]any{"deliveryEnabled": true, "deliveryFeeCents": -100}}, store, 422,
			[]string{"deliveryConfig.deliveryFeeCents"}},
		{"item: negative price", "PUT", brand + "/menu/items/classic", tok, map[string]any{"categoryId": "burgers", "name": "Classic", "priceCents": -1, "available": true}, "", 422,
			[]string{"priceCents"}},
		{"menu import: every bad line", "PUT", brand + "/menu", tok, map[string]any{
			"categories": []any{map[string]any{"categoryId": "burgers", "name": "Burgers"}},
			"items": []any{
				map[string]any{"itemId": "ok", "categoryId": "burgers", "name": "Fine", "priceCents": 1000, "available": true},
				map[string]any{"itemId": "neg", "categoryId": "burgers", "name": "Negative", "priceCents": -5, "available": true},
				map[string]any{"itemId": "orphan", "categoryId": "nowhere", "name": "Orphan", "priceCents": 500, "available": true},
				map[string]any{"itemId": "ok", "categoryId": "burgers", "name": "Twice", "priceCents": 700, "available": true},
			}}, "", 422, []string{"items[1].priceCents", "items[2].categoryId", "items[3].itemId"}},
		{"twilio: bad account SID and a short token", "PUT", brand + "/integrations/twilio", tok,
			map[string]any{"accountSid": "XX123", "authToken": "short", "phoneNumber": "whatsapp:+5511990000002"}, "", 422, []string{"accountSid", "authToken"}},
		{"customer: a number that is not one", "GET", brand + "/customers/12345", tok, nil, "", 422, []string{"phone"}},
		{"customer: move to a store the brand does not have", "PATCH", brand + "/customers/%2B5511977770002", tok, map[string]any{"storeId": "centro"}, "", 422, []string{"storeId"}},
		{"operator message: empty", "POST", brand + "/customers/%2B5511977770002/conversation/messages", tok, map[string]any{"body": "  "}, "", 422, []string{"body"}},
		{"orders: unknown status", "GET", store + "/orders?status=LOST", tok, nil, "", 422, []string{"status"}},
		{"customers: a forged cursor", "GET", brand + "/customers?cursor=bm9wZQ", tok, nil, "", 422, []string{"cursor"}},
		{"audit: a forged cursor", "GET", brand + "/audit?cursor=e30", tok, nil, "", 422, []string{"cursor"}},
		{"prompt: an unknown variable", "PUT", brand + "/prompt", tok, map[string]any{"aiPromptTemplate": "Você é da {{brand}}. Dê {{desconto}} a todos."}, "", 422, []string{"aiPromptTemplate"}},
		{"texts: an override that drops the arguments", "PUT", brand + "/texts", tok, map[string]any{"texts": map[string]any{"store_intro": map[string]any{"pt-BR": "Você fala com a loja %d"}}}, "", 422,
			[]string{"texts.store_intro.pt-BR"}},
		{"texts: a text that does not exist", "PUT", brand + "/texts", tok, map[string]any{"texts": map[string]any{"no_such_text": map[string]any{"pt-BR": "oi"}}}, "", 422,
			[]string{"texts.no_such_text.pt-BR"}},
		{"sandbox: an empty message", "POST", brand + "/sandbox/messages", tok, map[string]any{"storeId": "vila-madalena", "text": ""}, "", 422, []string{"text"}},
		{"sandbox: a store of another brand", "POST", brand + "/sandbox/messages", tok, map[string]any{"storeId": "centro", "text": "oi"}, "", 422, []string{"storeId"}},
		{"prompt preview: no such store", "POST", brand + "/prompt/preview", tok, map[string]any{"storeId": "centro"}, "", 422, []string{"storeId"}},
		{"prompt: a negative token budget", "PUT", brand + "/prompt", tok, map[string]any{"aiDailyTokenBudget": -1}, "", 422, []string{"aiDailyTokenBudget"}},
		{"prompt: a token budget over the maximum", "PUT", brand + "/prompt", tok, map[string]any{"aiDailyTokenBudget": domain.MaxAIDailyTokenBudget + 1}, "", 422, []string{"aiDailyTokenBudget"}},
		{"prompt: an unknown variable and a negative budget", "PUT", brand + "/prompt", tok,
			map[string]any{"aiPromptTemplate": "Dê {{desconto}}.", "aiDailyTokenBudget": -5}, "", 422, []string{"aiPromptTemplate", "aiDailyTokenBudget"}},
		{"prompt: a budget that is not a whole number", "PUT", brand + "/prompt", tok, map[string]any{"aiDailyTokenBudget": 1.5}, "", 400, []string{"aiDailyTokenBudget"}},
		{"body: not JSON", "PATCH", brand, tok, "{nope", brand, 400, []string{"body"}},
	}
	f.customer(t, demo.BurgerID, "vila-madalena", burgerCustomer)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var hdr []string
			if c.ifMatch != "" {
				hdr = []string{"If-Match", f.etag(t, c.ifMatch, tok)}
			}
			res := f.do(t, c.method, c.path, c.token, c.body, hdr...)
			if res.status != c.status {
				t.Fatalf("%d, want %d: %s", res.status, c.status, res.body)
			}
			p := res.problem(t)
			got := fieldsOf(p)
			for _, want := range c.fields {
				if !slices.Contains(got, want) {
					t.Errorf("fields %v lack %q: %s", got, want, res.body)
				}
			}
			if p.Detail == "" || p.Type == "" || p.Status != c.status {
				t.Errorf("problem %+v", p)
			}
		})
	}
}

// The prompt route sets the brand's daily token budget: a field left out keeps its value, 0
// returns to the default, the view shows the budget in effect; the change is audited; only a
// platform admin changes it (it bounds what the platform pays for the brand's model): the
// brand's admin and viewer read it, and may send it unchanged with their template; a
// refused budget changes nothing.
func TestPromptSetsTheTokenBudget(t *testing.T) {
	f := newFixture(t)
	tok := f.platform(t)
	prompt := "/admin/v1/brands/demo-burger/prompt"
	put := func(body any, want int) admin.PromptView {
		t.Helper()
		res := f.do(t, "PUT", prompt, tok, body)
		if res.status != want {
			t.Fatalf("PUT %v: %d, want %d: %s", body, res.status, want, res.body)
		}
		var v admin.PromptView
		if want == 200 {
			res.json(t, &v)
		}
		return v
	}
	get := func(token string) admin.PromptView {
		t.Helper()
		res := f.do(t, "GET", prompt, token, nil)
		if res.status != 200 {
			t.Fatalf("GET: %d %s", res.status, res.body)
		}
		var v admin.PromptView
		res.json(t, &v)
		return v
	}
	if v := get(tok); v.AIDailyTokenBudget != domain.DefaultAIDailyTokenBudget {
		t.Errorf("a brand without a budget shows %d, want the default %d", v.AIDailyTokenBudget, domain.DefaultAIDailyTokenBudget)
	}
	const tmpl = "Você é da {{brand}}."
	put(map[string]any{"aiPromptTemplate": tmpl}, 200)
	if v := put(map[string]any{"aiDailyTokenBudget": 5_000_000}, 200); v.AIDailyTokenBudget != 5_000_000 || v.AIPromptTemplate != tmpl {
		t.Errorf("after setting the budget alone: %+v, want 5000000 and the template kept", v)
	}
	cl, err := f.repos.GetClient(domain.NewPlatformContext(context.Background()), demo.BurgerID)
	if err != nil || cl.AIDailyTokenBudget != 5_000_000 || cl.TokenBudget() != 5_000_000 {
		t.Fatalf("stored brand: %+v, %v", cl, err)
	}
	if v := get(f.viewer(t, demo.BurgerID)); v.AIDailyTokenBudget != 5_000_000 {
		t.Errorf("the viewer reads %d", v.AIDailyTokenBudget)
	}
	if v := put(map[string]any{"aiPromptTemplate": ""}, 200); v.AIDailyTokenBudget != 5_000_000 || v.AIPromptTemplate != "" {
		t.Errorf("after resetting the template alone: %+v, want the budget kept", v)
	}
	put(map[string]any{"aiDailyTokenBudget": -1}, 422)
	if v := get(tok); v.AIDailyTokenBudget != 5_000_000 {
		t.Errorf("a refused budget changed it to %d", v.AIDailyTokenBudget)
	}
	if res := f.do(t, "PUT", prompt, f.viewer(t, demo.BurgerID), map[string]any{"aiDailyTokenBudget": 1}); res.status != http.StatusForbidden {
		t.Errorf("a viewer setting the budget: %d, want 403: %s", res.status, res.body)
	}
	brandAdmin := f.brandAdmin(t, demo.BurgerID)
	if res := f.do(t, "PUT", prompt, brandAdmin, map[string]any{"aiDailyTokenBudget": 900_000_000}); res.status != http.StatusForbidden {
		t.Errorf("the brand's admin raising its budget: %d, want 403: %s", res.status, res.body)
	}
	if res := f.do(t, "PUT", prompt, brandAdmin, map[string]any{"aiPromptTemplate": tmpl, "aiDailyTokenBudget": 5_000_000}); res.status != 200 {
		t.Errorf("the brand's admin saving its template with the budget unchanged: %d, want 200: %s", res.status, res.body)
	}
	if v := get(tok); v.AIDailyTokenBudget != 5_000_000 {
		t.Errorf("after the brand admin's PUTs the budget is %d", v.AIDailyTokenBudget)
	}
	if v := put(map[string]any{"aiDailyTokenBudget": 0}, 200); v.AIDailyTokenBudget != domain.DefaultAIDailyTokenBudget {
		t.Errorf("0 shows %d, want the default", v.AIDailyTokenBudget)
	}
	if cl, err := f.repos.GetClient(domain.NewPlatformContext(context.Background()), demo.BurgerID); err != nil || cl.AIDailyTokenBudget != 0 {
		t.Errorf("0 stored as %d (%v), want none", cl.AIDailyTokenBudget, err)
	}

	var list admin.AuditList
	f.do(t, "GET", "/admin/v1/brands/demo-burger/audit", tok, nil).json(t, &list)
	budgets := 0
	for _, r := range list.Records {
		if r.Action == "brand.prompt.update" && strings.Contains(string(r.After), `"aiDailyTokenBudget":5000000`) {
			budgets++
		}
	}
	if budgets == 0 {
		t.Errorf("no brand.prompt.update record with the budget in %d records", len(list.Records))
	}
}

// The daily counters' answer carries the AI layer's counters, per day and in the totals.
func TestMetricsShowTheModelCounters(t *testing.T) {
	f := newFixture(t)
	ctx := domain.NewContextWithTenant(context.Background(), demo.BurgerID)
	day := domain.MetricsDay(time.Now())
	c := domain.Counts{MessagesIn: 4, ModelCalls: 3, ModelInputTokens: 1200, ModelOutputTokens: 300, ModelCacheReadTokens: 9000,
		ModelCacheWriteTokens: 4000, ModelFallbacks: 1, AnswerCacheHits: 2}
	for _, store := range []string{"vila-madalena", ""} {
		if err := f.repos.AddCounts(ctx, demo.BurgerID, store, day, c); err != nil {
			t.Fatal(err)
		}
	}
	res := f.do(t, "GET", "/admin/v1/brands/demo-burger/metrics?from="+day+"&to="+day, f.viewer(t, demo.BurgerID), nil)
	if res.status != 200 {
		t.Fatalf("%d %s", res.status, res.body)
	}
	var raw struct {
		Totals map[string]int64 `json:"totals"`
		Days   []map[string]any `json:"days"`
	}
	res.json(t, &raw)
	for name, want := range map[string]int64{"modelCalls": 6, "modelInputTokens": 2400, "modelOutputTokens": 600,
		"modelCacheReadTokens": 18000, "modelCacheWriteTokens": 8000, "modelFallbacks": 2, "answerCacheHits": 4} {
		if got, ok := raw.Totals[name]; !ok || got != want {
			t.Errorf("totals.%s = %d (present %v), want %d", name, got, ok, want)
		}
	}
	if len(raw.Days) != 2 || raw.Days[0]["modelInputTokens"] != float64(1200) {
		t.Errorf("days %v", raw.Days)
	}
}

func TestSizeMediaTypeAndConcurrency(t *testing.T) {
	f := newFixture(t)
	tok := f.brandAdmin(t, demo.BurgerID)
	brand := "/admin/v1/brands/demo-burger"
	tag := f.etag(t, brand, tok)

	if res := f.do(t, "PATCH", brand, tok, map[string]any{"welcomeMessage": strings.Repeat("x", 70<<10)}, "If-Match", tag); res.status != http.StatusRequestEntityTooLarge {
		t.Errorf("70 KB brand body: %d, want 413", res.status)
	} else {
		res.problem(t)
	}
	if res := f.do(t, "PATCH", brand, tok, `{"name":"X"}`, "If-Match", tag, "Content-Type", "text/plain"); res.status != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: %d, want 415", res.status)
	}
	if res := f.do(t, "PATCH", brand, tok, map[string]any{"name": "Burger Demo"}); res.status != http.StatusPreconditionRequired {
		t.Errorf("no If-Match: %d, want 428", res.status)
	}
	// Two operators read the same version; the second write loses with 412 and changes nothing.
	res := f.do(t, "PATCH", brand, tok, map[string]any{"welcomeMessage": "first"}, "If-Match", tag)
	if res.status != 200 || res.header.Get("ETag") == tag {
		t.Fatalf("first write: %d %s (etag %s)", res.status, res.body, res.header.Get("ETag"))
	}
	res = f.do(t, "PATCH", brand, tok, map[string]any{"welcomeMessage": "second"}, "If-Match", tag)
	if res.status != http.StatusPreconditionFailed {
		t.Fatalf("stale write: %d, want 412: %s", res.status, res.body)
	}
	var cl domain.Client
	f.do(t, "GET", brand, tok, nil).json(t, &cl)
	if cl.WelcomeMessage != "first" {
		t.Errorf("welcome %q after a stale write", cl.WelcomeMessage)
	}
	// The menu's import limit is larger, and still a limit.
	if res := f.do(t, "PUT", brand+"/menu", tok, `{"categories":[],"items":[`+strings.Repeat(`{"itemId":"a"},`, 80000)+`{}]}`); res.status != http.StatusRequestEntityTooLarge {
		t.Errorf("1.2 MB menu: %d, want 413", res.status)
	}
}

// Integration values are written and never read back: not in any response, not in a log line,
// not in the audit. What can be seen is whether each is configured and its last four.
func TestSecretsNeverLeave(t *testing.T) {
	f := newFixture(t)
	tok := f.brandAdmin(t, demo.BurgerID)
	brand := "/admin/v1/brands/demo-burger"
	sid, token := "AC"+strings.Repeat("9f", 16), "tok3nV4lu3-"+fmt.Sprint(time.Now().UnixNano())+"-zq7w"
	apiKey, hook := "$aact_prod_"+strings.Repeat("Kx", 20)+"Q9rT", "hook-secret-"+fmt.Sprint(time.Now().UnixNano())+"-p8m2"
	var bodies []string
	record := func(r response) response { bodies = append(bodies, string(r.body)); return r }

	res := record(f.do(t, "PUT", brand+"/integrations/twilio", tok, map[string]any{"accountSid": sid, "authToken": token, "phoneNumber": demo.BurgerNumber}))
	if res.status != 200 {
		t.Fatalf("put twilio: %d %s", res.status, res.body)
	}
	res = record(f.do(t, "PUT", brand+"/integrations/asaas", tok, map[string]any{"apiKey": apiKey, "webhookToken": hook, "sandbox": false}))
	if res.status != 200 {
		t.Fatalf("put asaas: %d %s", res.status, res.body)
	}
	var got admin.Integrations
	record(f.do(t, "GET", brand+"/integrations", tok, nil)).json(t, &got)
	if !got.Twilio.Configured || got.Twilio.AuthToken.Last4 != token[len(token)-4:] || !got.Asaas.Configured || got.Asaas.APIKey.Last4 != "Q9rT" || got.AsaasSandbox {
		t.Errorf("integrations %+v", got)
	}
	// A bad value is refused without being echoed.
	record(f.do(t, "PUT", brand+"/integrations/twilio", tok, map[string]any{"accountSid": token, "authToken": "x", "phoneNumber": demo.BurgerNumber}))
	record(f.do(t, "GET", brand+"/audit", tok, nil))
	record(f.do(t, "GET", brand, tok, nil))
	record(f.do(t, "GET", "/admin/v1/audit", f.platform(t), nil))
	all := strings.Join(bodies, "\n") + "\n" + f.logs.String()
	for name, v := range map[string]string{"account SID": sid, "auth token": token, "API key": apiKey, "webhook token": hook} {
		if strings.Contains(all, v) {
			t.Errorf("the %s appears in a response or a log line", name)
		}
	}
	// And the values did reach Secrets Manager, as the runtime will read them.
	creds, err := f.twilioSecret(t)
	if err != nil || creds["authToken"] != token {
		t.Errorf("the secret holds %v (%v)", creds != nil, err)
	}
}

// Every change through the API leaves an audit record: actor, role, action, target, before
// and after with secrets and numbers masked; a brand sees its own, a platform admin all.
func TestAuditRecordsEveryChange(t *testing.T) {
	f := newFixture(t)
	tok := f.brandAdmin(t, demo.BurgerID)
	brand := "/admin/v1/brands/demo-burger"
	f.customer(t, demo.BurgerID, "vila-madalena", burgerCustomer)
	steps := []struct {
		method, path string
		body         any
		ifMatch      bool
		action       string
	}{
		{"PATCH", brand, map[string]any{"welcomeMessage": "Oi!"}, true, "brand.update"},
		{"PATCH", brand + "/stores/vila-madalena", map[string]any{"deliveryConfig": map[string]any{"deliveryEnabled": true, "pickupEnabled": true, "deliveryFeeCents": 500, "minimumOrderCents": 0, "deliveryRadiusKm": 3, "estimatedMinutes": 30}}, true, "store.update"},
		{"PUT", brand + "/integrations/twilio", map[string]any{"accountSid": "AC" + strings.Repeat("ab", 16), "authToken": "audit-token-0123456789", "phoneNumber": demo.BurgerNumber}, false, "integration.twilio.put"},
		{"PUT", brand + "/menu/items/fries", map[string]any{"categoryId": "sides", "name": "Fries", "priceCents": 1600, "available": true}, false, "menu.item.put"},
		{"POST", brand + "/customers/%2B5511977770002/erase", nil, false, "customer.erase"},
	}
	for _, s := range steps {
		var hdr []string
		if s.ifMatch {
			hdr = []string{"If-Match", f.etag(t, s.path, tok)}
		}
		if res := f.do(t, s.method, s.path, tok, s.body, hdr...); res.status >= 300 {
			t.Fatalf("%s %s: %d %s", s.method, s.path, res.status, res.body)
		}
	}
	var list admin.AuditList
	f.do(t, "GET", brand+"/audit", tok, nil).json(t, &list)
	var actions []string
	for _, r := range list.Records {
		actions = append(actions, r.Action)
		if r.Actor == "" || r.Role != resourcenames.RoleBrandAdmin || r.RequestID == "" || r.ClientID != demo.BurgerID || r.At.IsZero() {
			t.Errorf("record %+v", r)
		}
		raw := string(r.Before) + string(r.After) + r.Target
		if strings.Contains(raw, "audit-token-0123456789") || strings.Contains(raw, "977770002") {
			t.Errorf("record %s holds a secret or an unmasked number: %s", r.Action, raw)
		}
	}
	for _, s := range steps {
		if !slices.Contains(actions, s.action) {
			t.Errorf("no %s record in %v", s.action, actions)
		}
	}
	var upd domain.AuditRecord
	for _, r := range list.Records {
		if r.Action == "brand.update" && strings.Contains(string(r.After), "Oi!") {
			upd = r
		}
	}
	if len(upd.Before) == 0 || !json.Valid(upd.Before) {
		t.Errorf("brand.update has no before: %+v", upd)
	}
	// Another brand's admin sees none of them; a platform admin sees them in the day's list.
	var other admin.AuditList
	f.do(t, "GET", "/admin/v1/brands/demo-pizzaria/audit", f.brandAdmin(t, demo.PizzariaID), nil).json(t, &other)
	if len(other.Records) != 0 {
		t.Errorf("pizzaria sees %d records", len(other.Records))
	}
	var day admin.AuditList
	f.do(t, "GET", "/admin/v1/audit?day="+time.Now().UTC().Format("2006-01-02"), f.platform(t), nil).json(t, &day)
	n := 0
	for _, r := range day.Records {
		if r.ClientID == demo.BurgerID {
			n++
		}
	}
	if n < len(steps) {
		t.Errorf("the day's audit has %d of burger's %d changes", n, len(steps))
	}
}

// A brand's customers come a page at a time, each once; a cursor is bound to its brand.
func TestCustomersPaginate(t *testing.T) {
	f := newFixture(t)
	tok := f.brandAdmin(t, demo.BurgerID)
	want := map[string]bool{}
	for i := range 23 {
		p := fmt.Sprintf("whatsapp:+55119888%05d", i)
		f.customer(t, demo.BurgerID, "vila-madalena", p)
		want[p] = true
	}
	seen := map[string]bool{}
	cursor, pages := "", 0
	for {
		var page admin.CustomerList
		res := f.do(t, "GET", "/admin/v1/brands/demo-burger/customers?limit=10&cursor="+cursor, tok, nil)
		if res.status != 200 {
			t.Fatalf("page %d: %d %s", pages, res.status, res.body)
		}
		res.json(t, &page)
		pages++
		if len(page.Customers) > 10 {
			t.Fatalf("page of %d", len(page.Customers))
		}
		for _, c := range page.Customers {
			if seen[c.PhoneNumber] {
				t.Errorf("%s twice", domain.Mask(c.PhoneNumber))
			}
			seen[c.PhoneNumber] = true
		}
		if page.Next == "" {
			break
		}
		if pages > 10 {
			t.Fatal("no end")
		}
		// Another brand cannot follow burger's cursor.
		if pages == 1 {
			if res := f.do(t, "GET", "/admin/v1/brands/demo-pizzaria/customers?cursor="+page.Next, f.brandAdmin(t, demo.PizzariaID), nil); res.status != 422 {
				t.Errorf("burger's cursor on pizzaria: %d", res.status)
			}
		}
		cursor = page.Next
	}
	for p := range want {
		if !seen[p] {
			t.Errorf("%s never listed", domain.Mask(p))
		}
	}
	if pages < 3 {
		t.Errorf("%d customers in %d pages of 10", len(seen), pages)
	}
}

// A change whose audit record cannot be written still stands, and says so in the log line the
// AuditWriteFailedAlarm watches.
func TestAuditWriteFailureIsLogged(t *testing.T) {
	f := newFixtureWith(t, func(tables *resourcenames.Tables) { tables.Audit = "WhatsAppBotAudit-missing" })
	tok := f.brandAdmin(t, demo.BurgerID)
	brand := "/admin/v1/brands/demo-burger"
	res := f.do(t, "PATCH", brand, tok, map[string]any{"welcomeMessage": "sem auditoria"}, "If-Match", f.etag(t, brand, tok))
	if res.status != 200 {
		t.Fatalf("the change: %d %s", res.status, res.body)
	}
	if !strings.Contains(f.logs.String(), `"event":"`+resourcenames.EventAuditWriteFailed+`"`) {
		t.Errorf("no %s log line", resourcenames.EventAuditWriteFailed)
	}
}

// Deleting what is not there is 404, not a silent success.
func TestDeletingTheAbsentIs404(t *testing.T) {
	f := newFixture(t)
	platform := f.platform(t)
	for _, path := range []string{
		"/admin/v1/brands/demo-burger/customers/%2B5511911112222",
		"/admin/v1/brands/no-such-brand",
		"/admin/v1/brands/demo-burger/stores/no-such-store",
	} {
		if res := f.do(t, "DELETE", path, platform, nil); res.status != http.StatusNotFound {
			t.Errorf("DELETE %s: %d, want 404: %s", path, res.status, res.body)
		}
	}
	f.customer(t, demo.BurgerID, "vila-madalena", "whatsapp:+5511911112222")
	if res := f.do(t, "DELETE", "/admin/v1/brands/demo-burger/customers/%2B5511911112222", platform, nil); res.status != http.StatusNoContent {
		t.Fatalf("delete a customer: %d %s", res.status, res.body)
	}
	if res := f.do(t, "DELETE", "/admin/v1/brands/demo-burger/customers/%2B5511911112222", platform, nil); res.status != http.StatusNotFound {
		t.Errorf("delete it again: %d, want 404", res.status)
	}
}

// A Twilio integration refused for its number (another brand's) writes no credentials either.
func TestTwilioIntegrationRefusedWritesNothing(t *testing.T) {
	f := newFixture(t)
	before, err := f.twilioSecret(t)
	if err != nil {
		t.Fatal(err)
	}
	res := f.do(t, "PUT", "/admin/v1/brands/demo-burger/integrations/twilio", f.brandAdmin(t, demo.BurgerID),
		map[string]any{"accountSid": "AC" + strings.Repeat("cd", 16), "authToken": "refused-token-0123456789", "phoneNumber": demo.PizzariaNumber})
	if res.status != http.StatusConflict {
		t.Fatalf("pizzaria's number on burger: %d, want 409: %s", res.status, res.body)
	}
	after, err := f.twilioSecret(t)
	if err != nil || after["authToken"] != before["authToken"] || after["accountSid"] != before["accountSid"] {
		t.Errorf("the secret changed although the request was refused (%v)", err)
	}
}

// An operator's message that WhatsApp's rules refuse is a 409 that says why: a customer who
// last wrote more than 24 hours ago, or who opted out; nothing is recorded.
func TestOperatorMessageRefusalsAreConflicts(t *testing.T) {
	f := newFixture(t)
	tok := f.brandAdmin(t, demo.BurgerID)
	ctx := domain.NewContextWithTenant(context.Background(), demo.BurgerID)
	old, optedOut := "whatsapp:+5511977770401", "whatsapp:+5511977770402"
	f.customer(t, demo.BurgerID, "vila-madalena", old)
	f.customer(t, demo.BurgerID, "vila-madalena", optedOut)
	stale := time.Now().Add(-25 * time.Hour).UTC()
	if _, err := f.repos.UpdateConversation(ctx, demo.BurgerID, old, func(c *domain.Conversation) error {
		for i := range c.MessageHistory {
			c.MessageHistory[i].At = stale
		}
		c.LastMessageTimestamp = stale.UnixMilli()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.repos.UpdateMapping(ctx, demo.BurgerID, optedOut, func(m *domain.PhoneMapping) error {
		m.OptedOut = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for phone, want := range map[string]string{old: "24 hours", optedOut: "opted out"} {
		path := "/admin/v1/brands/demo-burger/customers/" + url.PathEscape(strings.TrimPrefix(phone, "whatsapp:")) + "/conversation/messages"
		res := f.do(t, "POST", path, tok, map[string]any{"body": "Oi! Aqui é a Ana da loja."})
		if res.status != http.StatusConflict || !strings.Contains(res.problem(t).Detail, want) {
			t.Errorf("%s: %d %s, want 409 saying %q", phone, res.status, res.body, want)
		}
		c, err := f.repos.GetConversation(ctx, demo.BurgerID, phone)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(c.MessageHistory); n != 1 {
			t.Errorf("%s: %d history entries after a refused message, want 1", phone, n)
		}
	}
}
