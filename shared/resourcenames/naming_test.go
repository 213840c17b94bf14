package resourcenames_test

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wabot-platform/wabot/shared/resourcenames"
)

func TestValidateID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		id      string
		wantErr bool
	}{
		{name: "slug with hyphen", id: "demo-pizzaria"},
		{name: "single letter", id: "a"},
		{name: "single digit", id: "7"},
		{name: "letters and digits", id: "loja42"},
		{name: "exactly max length", id: strings.Repeat("a", resourcenames.MaxIDLength)},
		{name: "max length with inner hyphens", id: "a-" + strings.Repeat("b", resourcenames.MaxIDLength-4) + "-c"},
		{name: "empty", id: "", wantErr: true},
		{name: "one over max length", id: strings.Repeat("a", resourcenames.MaxIDLength+1), wantErr: true},
		{name: "25 chars slug", id: "abcdefghij-klmnopqrstuvwx", wantErr: true},
		{name: "upper case", id: "Demo", wantErr: true},
		{name: "all upper case", id: "CENTRO", wantErr: true},
		{name: "leading hyphen", id: "-demo", wantErr: true},
		{name: "trailing hyphen", id: "demo-", wantErr: true},
		{name: "only hyphen", id: "-", wantErr: true},
		{name: "inner space", id: "demo pizzaria", wantErr: true},
		{name: "leading space", id: " demo", wantErr: true},
		{name: "trailing newline", id: "demo\n", wantErr: true},
		{name: "underscore", id: "demo_pizzaria", wantErr: true},
		{name: "dot", id: "demo.pizzaria", wantErr: true},
		{name: "slash", id: "demo/centro", wantErr: true},
		{name: "unicode letter", id: "café", wantErr: true},
		{name: "unicode only", id: "são-joão", wantErr: true},
		{name: "full-width digit", id: "loja１", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := resourcenames.ValidateID("storeId", tt.id)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ValidateID(%q) error = %v, wantErr %v", tt.id, err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "storeId") {
				t.Errorf("ValidateID(%q) error %q does not name the kind %q", tt.id, err, "storeId")
			}
		})
	}
}

func TestValidEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  string
		want bool
	}{
		{env: "dev", want: true},
		{env: "staging", want: true},
		{env: "prod", want: true},
		{env: "", want: false},
		{env: "Prod", want: false},
		{env: "production", want: false},
		{env: "test", want: false},
	}
	for _, tt := range tests {
		t.Run("env="+tt.env, func(t *testing.T) {
			t.Parallel()
			if got := resourcenames.ValidEnv(tt.env); got != tt.want {
				t.Errorf("ValidEnv(%q) = %v, want %v", tt.env, got, tt.want)
			}
		})
	}
}

// DynamoDB table names: 3 to 255 characters of [a-zA-Z0-9_.-].
var dynamoTableName = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)

func TestTablesFor(t *testing.T) {
	t.Parallel()
	got := resourcenames.TablesFor(resourcenames.EnvStaging)
	want := resourcenames.Tables{
		ClientConfig:      "WhatsAppBotClientConfig-staging",
		StoreConfig:       "WhatsAppBotStoreConfig-staging",
		PhoneMapping:      "WhatsAppBotPhoneMapping-staging",
		ConversationState: "WhatsAppBotConversationState-staging",
		Idempotency:       "WhatsAppBotIdempotency-staging",
		Menu:              "WhatsAppBotMenu-staging",
		Orders:            "WhatsAppBotOrders-staging",
		Audit:             "WhatsAppBotAudit-staging",
		DailyMetrics:      "WhatsAppBotDailyMetrics-staging",
	}
	if got != want {
		t.Fatalf("TablesFor(staging) = %+v, want %+v", got, want)
	}
	wantAll := []string{want.ClientConfig, want.StoreConfig, want.PhoneMapping, want.ConversationState, want.Idempotency, want.Menu, want.Orders, want.Audit, want.DailyMetrics}
	all := got.All()
	if len(all) != len(wantAll) {
		t.Fatalf("All() returned %d names, want %d", len(all), len(wantAll))
	}
	for i := range wantAll {
		if all[i] != wantAll[i] {
			t.Errorf("All()[%d] = %q, want %q", i, all[i], wantAll[i])
		}
	}
}

func TestTablesForEveryEnvAreDistinctAndValid(t *testing.T) {
	t.Parallel()
	seen := map[string]string{}
	for _, env := range resourcenames.Environments {
		for _, name := range resourcenames.TablesFor(env).All() {
			if !dynamoTableName.MatchString(name) {
				t.Errorf("table name %q (env %s) is not a valid DynamoDB table name", name, env)
			}
			if !strings.HasSuffix(name, "-"+env) {
				t.Errorf("table name %q does not end with -%s", name, env)
			}
			if other, dup := seen[name]; dup {
				t.Errorf("table name %q used by env %s and %s", name, other, env)
			}
			seen[name] = env
		}
	}
}

// SQS FIFO queue names: at most 80 characters, ".fifo" included, of [A-Za-z0-9_-] before it.
var sqsFIFOName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,75}\.fifo$`)

func TestStoreQueueNames(t *testing.T) {
	t.Parallel()
	if got, want := resourcenames.StoreOrderQueue("dev", "demo", "centro"), "wabot-dev-demo-centro-orders.fifo"; got != want {
		t.Errorf("StoreOrderQueue = %q, want %q", got, want)
	}
	if got, want := resourcenames.StoreOrderDLQ("dev", "demo", "centro"), "wabot-dev-demo-centro-orders-dlq.fifo"; got != want {
		t.Errorf("StoreOrderDLQ = %q, want %q", got, want)
	}
}

func TestStoreQueueNamesFitSQSAtMaxIDLength(t *testing.T) {
	t.Parallel()
	// The longest ids, with hyphens at both inner edges, are still valid ids.
	maxClient := "c-" + strings.Repeat("x", resourcenames.MaxIDLength-2)
	maxStore := strings.Repeat("y", resourcenames.MaxIDLength-2) + "-s"
	for _, id := range []string{maxClient, maxStore} {
		if err := resourcenames.ValidateID("id", id); err != nil {
			t.Fatalf("test id %q is not valid: %v", id, err)
		}
	}
	longestEnv := ""
	for _, env := range resourcenames.Environments {
		if len(env) > len(longestEnv) {
			longestEnv = env
		}
	}
	if longestEnv != resourcenames.EnvStaging {
		t.Fatalf("longest env = %q, want %q (update this test if environments change)", longestEnv, resourcenames.EnvStaging)
	}
	tests := []struct {
		name string
		fn   func(env, clientID, storeID string) string
	}{
		{name: "order queue", fn: resourcenames.StoreOrderQueue},
		{name: "dead-letter queue", fn: resourcenames.StoreOrderDLQ},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, env := range resourcenames.Environments {
				q := tt.fn(env, maxClient, maxStore)
				if len(q) > 80 {
					t.Errorf("%s %q is %d characters, SQS allows 80", tt.name, q, len(q))
				}
				if !sqsFIFOName.MatchString(q) {
					t.Errorf("%s %q is not a valid SQS FIFO queue name", tt.name, q)
				}
			}
		})
	}
}

func TestQueueNamesOfDifferentStoresDiffer(t *testing.T) {
	t.Parallel()
	a := resourcenames.StoreOrderQueue("prod", "demo", "centro")
	b := resourcenames.StoreOrderQueue("prod", "demo", "norte")
	c := resourcenames.StoreOrderQueue("dev", "demo", "centro")
	if a == b || a == c {
		t.Errorf("queue names collide: %q, %q, %q", a, b, c)
	}
	if a == resourcenames.StoreOrderDLQ("prod", "demo", "centro") {
		t.Errorf("queue and its DLQ share the name %q", a)
	}
}

func TestSecretNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  string
		want string
	}{
		{name: "twilio", got: resourcenames.TwilioSecret("prod", "demo-pizzaria"), want: "wabot/prod/demo-pizzaria/twilio"},
		{name: "asaas", got: resourcenames.AsaasSecret("prod", "demo-pizzaria"), want: "wabot/prod/demo-pizzaria/asaas"},
		{name: "twilio staging", got: resourcenames.TwilioSecret("staging", "x"), want: "wabot/staging/x/twilio"},
		{name: "stack", got: resourcenames.StackName("dev"), want: "Wabot-dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestWebhookURLForTwilio(t *testing.T) {
	t.Parallel()
	const base = "https://abc123.execute-api.sa-east-1.amazonaws.com"
	got := resourcenames.WebhookURLForTwilio(base)
	if want := base + "/webhooks/twilio" + resourcenames.WebhookRetryFragment; got != want {
		t.Fatalf("WebhookURLForTwilio(%q) = %q, want %q", base, got, want)
	}
	u, err := url.Parse(got)
	if err != nil {
		t.Fatalf("%q does not parse: %v", got, err)
	}
	// What reaches the server, and what Twilio signs: the URL without its fragment.
	u.Fragment = ""
	if signed := u.String(); signed != base+resourcenames.WebhookPath {
		t.Errorf("%q without its fragment = %q, want the signed URL %q", got, signed, base+resourcenames.WebhookPath)
	}
}

// Twilio's connection overrides: the keys, ranges and retry policies its documentation lists
// (https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides). An unknown key or
// a value out of range is refused by Twilio (error 11243 for an invalid rp) or ignored.
func TestWebhookRetryFragmentIsAValidConnectionOverride(t *testing.T) {
	t.Parallel()
	frag, ok := strings.CutPrefix(resourcenames.WebhookRetryFragment, "#")
	if !ok {
		t.Fatalf("WebhookRetryFragment %q does not start with #", resourcenames.WebhookRetryFragment)
	}
	ranges := map[string][2]int{"ct": {100, 10000}, "rt": {100, 15000}, "tt": {100, 15000}, "rc": {0, 5}}
	got := map[string]string{}
	for _, pair := range strings.Split(frag, "&") {
		k, v, ok := strings.Cut(pair, "=")
		if !ok || k == "" || v == "" {
			t.Fatalf("fragment pair %q is not key=value", pair)
		}
		if _, dup := got[k]; dup {
			t.Fatalf("fragment sets %s twice", k)
		}
		got[k] = v
	}
	num := map[string]int{}
	for k, r := range ranges {
		v, ok := got[k]
		if !ok {
			t.Errorf("fragment does not set %s", k)
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < r[0] || n > r[1] {
			t.Errorf("%s=%s, want an integer in [%d, %d]", k, v, r[0], r[1])
		}
		num[k] = n
	}
	policies := map[string]bool{}
	for _, p := range strings.Split(got["rp"], ",") {
		switch p {
		case "4xx", "5xx", "ct", "rt", "all":
			policies[p] = true
		default:
			t.Errorf("rp has %q, want 4xx, 5xx, ct, rt or all", p)
		}
	}
	// 5xx: the webhook's 500/503 and API Gateway's answer to a Lambda failure or throttle;
	// 4xx: the stage throttle's 429; ct and rt: no connection, no answer.
	for _, p := range []string{"5xx", "4xx", "ct", "rt"} {
		if !policies[p] && !policies["all"] {
			t.Errorf("rp=%s does not retry on %s", got["rp"], p)
		}
	}
	for k := range got {
		if _, known := ranges[k]; !known && k != "rp" {
			t.Errorf("fragment sets %s, which this policy does not use", k)
		}
	}
	if num["rc"] < 1 {
		t.Errorf("rc=%d: no retry at all", num["rc"])
	}
	// A retry must fit the total budget even when the first attempt times out.
	if 2*num["rt"] > num["tt"] {
		t.Errorf("tt=%d leaves no room for a retry after a read timeout of %d", num["tt"], num["rt"])
	}
}

// Listing keys are part of the table contract: the shard of an id never changes (it is FNV-1a,
// which other languages and tools can compute), stays in range, and joins its prefix with the
// key separator.
func TestShardKeys(t *testing.T) {
	// FNV-1a 32 of "whatsapp:+5511999990001" mod 8, computed independently.
	h := uint32(2166136261)
	for _, c := range []byte("whatsapp:+5511999990001") {
		h = (h ^ uint32(c)) * 16777619
	}
	if got, want := resourcenames.Shard("whatsapp:+5511999990001"), int(h%8); got != want {
		t.Errorf("Shard = %d, want %d", got, want)
	}
	seen := map[int]bool{}
	for i := range 200 {
		n := resourcenames.Shard("whatsapp:+55119" + strconv.Itoa(10000000+i))
		if n < 0 || n >= resourcenames.ListingShards {
			t.Fatalf("shard %d out of range", n)
		}
		seen[n] = true
	}
	if len(seen) != resourcenames.ListingShards {
		t.Errorf("200 numbers went to %d shards of %d", len(seen), resourcenames.ListingShards)
	}
	if got := resourcenames.ShardKey(resourcenames.TenantKey("demo-pizzaria", "centro"), 3); got != "demo-pizzaria#centro#3" {
		t.Errorf("ShardKey = %q", got)
	}
}

func TestSQSIDChars(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"SM0123456789abcdef":              true,
		"payment:evt_05b7&368604920":      true,
		`!"#$%&'()*+,-./:;<=>?@[\]^_{|}~`: true,
		"":                                true, // nothing to refuse; lengths are the caller's
		"with space":                      false,
		"tab\there":                       false,
		"ação":                            false,
		"del\x7f":                         false,
	} {
		if got := resourcenames.SQSIDChars(s); got != want {
			t.Errorf("SQSIDChars(%q) = %v, want %v", s, got, want)
		}
	}
}
