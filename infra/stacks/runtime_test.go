package stacks_test

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/wabot-platform/wabot/infra/config"
	"github.com/wabot-platform/wabot/infra/internal/cdktest"
	"github.com/wabot-platform/wabot/infra/stacks"
	"github.com/wabot-platform/wabot/infra/tenant"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

const (
	functionType = "AWS::Lambda::Function"
	alarmType    = "AWS::CloudWatch::Alarm"
	logGroupType = "AWS::Logs::LogGroup"
	policyType   = "AWS::IAM::Policy"
)

// runtimeIDs are the logical ids of the runtime's resources in one fixture.
type runtimeIDs struct {
	webhook, worker, webhookRole, workerRole, queue, dlq, api string
}

func (fx *fixture) runtimeIDs(t *testing.T) runtimeIDs {
	t.Helper()
	rt := fx.stack.Runtime()
	return runtimeIDs{
		webhook:     fx.logicalID(t, rt.WebhookFunction()),
		worker:      fx.logicalID(t, rt.WorkerFunction()),
		webhookRole: fx.logicalID(t, rt.WebhookFunction().Role()),
		workerRole:  fx.logicalID(t, rt.WorkerFunction().Role()),
		queue:       fx.logicalID(t, rt.InboundQueue()),
		dlq:         fx.logicalID(t, rt.InboundDeadLetterQueue()),
		api:         fx.logicalID(t, rt.API()),
	}
}

// rolePolicy returns the policy document attached to the role with logical id roleID: the
// one AWS::IAM::Policy of the template whose Roles are exactly that role.
func (fx *fixture) rolePolicy(t *testing.T, roleID string) map[string]any {
	t.Helper()
	found := *fx.template.FindResources(jsii.String(policyType), map[string]any{
		"Properties": map[string]any{"Roles": assertions.Match_Exact([]any{ref(roleID)})},
	})
	if len(found) != 1 {
		t.Fatalf("%d policies attached to %s, want 1", len(found), roleID)
	}
	for _, res := range found {
		props, _ := (*res)["Properties"].(map[string]any)
		doc, _ := props["PolicyDocument"].(map[string]any)
		return doc
	}
	return nil
}

// statements returns the policy's statements whose actions include action.
func statements(doc map[string]any, action string) []map[string]any {
	var out []map[string]any
	list, _ := doc["Statement"].([]any)
	for _, s := range list {
		st, _ := s.(map[string]any)
		var actions []any
		switch a := st["Action"].(type) {
		case string:
			actions = []any{a}
		case []any:
			actions = a
		}
		if slices.Contains(actions, any(action)) {
			out = append(out, st)
		}
	}
	return out
}

// resources returns a statement's Resource as a list.
func resources(st map[string]any) []any {
	if list, ok := st["Resource"].([]any); ok {
		return list
	}
	return []any{st["Resource"]}
}

// mentions reports whether the JSON of v refers to the logical id id anywhere.
func mentions(t *testing.T, v any, id string) bool {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(b), `"`+id+`"`)
}

// The webhooks' routes (Twilio's and Asaas's); the admin routes, the API's others, are
// tested in admin_test.go.
func TestWebhookRoute(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	ids := fx.runtimeIDs(t)
	check(t, func() {
		fx.template.ResourceCountIs(jsii.String("AWS::ApiGatewayV2::Route"), jsii.Number(2+len(stacks.AdminRouteKeys)+len(stacks.AdminUIRouteKeys)))
	})
	integrations := map[string]string{}
	for _, path := range []string{resourcenames.WebhookPath, stacks.AsaasWebhookPath} {
		routes := *fx.template.FindResources(jsii.String("AWS::ApiGatewayV2::Route"), map[string]any{
			"Properties": map[string]any{"ApiId": ref(ids.api), "RouteKey": "POST " + path},
		})
		if len(routes) != 1 {
			t.Fatalf("%d routes POST %s on the API, want 1", len(routes), path)
		}
		for _, r := range routes {
			props := (*r)["Properties"].(map[string]any)
			// Neither Twilio nor Asaas can present a JWT: each authenticates in the webhook.
			if props["AuthorizationType"] != nil && props["AuthorizationType"] != "NONE" || props["AuthorizerId"] != nil {
				t.Errorf("route POST %s has an authorizer: %v", path, props)
			}
			// Target is "integrations/<id>", written as Fn::Join of the integration's Ref.
			b, _ := json.Marshal(props["Target"])
			for id := range *fx.template.FindResources(jsii.String("AWS::ApiGatewayV2::Integration"), nil) {
				if strings.Contains(string(b), `"`+id+`"`) {
					integrations[path] = id
				}
			}
		}
	}
	integration := integrations[resourcenames.WebhookPath]
	if integration == "" {
		t.Fatal("the route targets no integration of the template")
	}
	if integrations[stacks.AsaasWebhookPath] != integration {
		t.Errorf("the Asaas route targets integration %q, want the webhook's %q", integrations[stacks.AsaasWebhookPath], integration)
	}
	if got := stacks.AsaasWebhookURL("https://api.example.com", "demo-burger"); got != "https://api.example.com/webhooks/asaas/demo-burger" {
		t.Errorf("AsaasWebhookURL = %q", got)
	}
	check(t, func() {
		fx.template.HasResource(jsii.String("AWS::ApiGatewayV2::Integration"), map[string]any{
			"Properties": map[string]any{
				"ApiId":                ref(ids.api),
				"IntegrationType":      "AWS_PROXY",
				"IntegrationUri":       getAtt(ids.webhook, "Arn"),
				"PayloadFormatVersion": "2.0",
			},
		})
	})
	if found := *fx.template.FindResources(jsii.String("AWS::ApiGatewayV2::Integration"), map[string]any{
		"Properties": map[string]any{"IntegrationUri": getAtt(ids.webhook, "Arn")},
	}); found[integration] == nil {
		t.Errorf("the route's integration %s does not invoke the webhook function", integration)
	}
}

func TestOnlyAPIGatewayMayInvokeTheWebhook(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	ids := fx.runtimeIDs(t)
	// One permission per route: the webhook's two (Twilio, Asaas) and the admin function's
	// (admin_test.go).
	check(t, func() {
		fx.template.ResourceCountIs(jsii.String("AWS::Lambda::Permission"), jsii.Number(2+len(stacks.AdminRouteKeys)+len(stacks.AdminUIRouteKeys)))
	})
	if n := len(*fx.template.FindResources(jsii.String("AWS::Lambda::Permission"), map[string]any{
		"Properties": map[string]any{"FunctionName": getAtt(ids.webhook, "Arn")},
	})); n != 2 {
		t.Errorf("%d permissions to invoke the webhook, want 2 (its two routes)", n)
	}
	for _, path := range []string{resourcenames.WebhookPath, stacks.AsaasWebhookPath} {
		check(t, func() {
			fx.template.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), map[string]any{
				"Action":       "lambda:InvokeFunction",
				"FunctionName": getAtt(ids.webhook, "Arn"),
				"Principal":    "apigateway.amazonaws.com",
				"SourceArn": map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{
					ref(ids.api), "/*/*" + path,
				})}},
			})
		})
	}
}

// The Asaas route has a throttle of its own on the stage, half the stage's: a flood of
// forged payment calls cannot take all of the webhook's concurrency from Twilio's messages.
func TestAsaasRouteIsThrottled(t *testing.T) {
	for _, env := range resourcenames.Environments {
		t.Run(env, func(t *testing.T) {
			fx := envFixture(t, env)
			s := fx.stack.Settings()
			burst, rate := stacks.AsaasWebhookThrottle(s)
			if burst < 1 || rate < 1 || burst >= s.APIBurstLimit && s.APIBurstLimit > 1 || rate >= s.APIRateLimit && s.APIRateLimit > 1 {
				t.Errorf("Asaas throttle burst %d rate %d, want at least 1 and below the stage's %d and %d", burst, rate, s.APIBurstLimit, s.APIRateLimit)
			}
			routes := fx.routesByKey(t)
			key := "POST " + stacks.AsaasWebhookPath
			for id, st := range fx.resourcesOf("AWS::ApiGatewayV2::Stage") {
				settings, _ := props(st)["RouteSettings"].(map[string]any)
				want := map[string]any{"ThrottlingBurstLimit": burst, "ThrottlingRateLimit": rate}
				if !jsonEqual(settings[key], want) {
					t.Errorf("stage route settings of %s = %v, want %v", key, settings[key], want)
				}
				if !slices.Contains(list(st["DependsOn"]), any(routes[key]["_id"])) {
					t.Errorf("stage %s does not depend on route %s", id, key)
				}
			}
		})
	}
}

func TestDefaultStageThrottlesAndLogsAccess(t *testing.T) {
	for _, env := range resourcenames.Environments {
		t.Run(env, func(t *testing.T) {
			fx := envFixture(t, env)
			ids := fx.runtimeIDs(t)
			s := fx.stack.Settings()
			check(t, func() { fx.template.ResourceCountIs(jsii.String("AWS::ApiGatewayV2::Stage"), jsii.Number(1)) })
			stages := *fx.template.FindResources(jsii.String("AWS::ApiGatewayV2::Stage"), map[string]any{
				"Properties": map[string]any{
					"ApiId":      ref(ids.api),
					"StageName":  "$default",
					"AutoDeploy": true,
					"DefaultRouteSettings": assertions.Match_ObjectLike(&map[string]any{
						"ThrottlingBurstLimit": s.APIBurstLimit,
						"ThrottlingRateLimit":  s.APIRateLimit,
					}),
				},
			})
			if len(stages) != 1 {
				t.Fatalf("no throttled $default stage on the API")
			}
			for _, st := range stages {
				logs, _ := (*st)["Properties"].(map[string]any)["AccessLogSettings"].(map[string]any)
				dest, _ := logs["DestinationArn"].(map[string]any)
				att, _ := dest["Fn::GetAtt"].([]any)
				if len(att) != 2 || (*fx.template.FindResources(jsii.String(logGroupType), nil))[att[0].(string)] == nil {
					t.Errorf("access logs go to %v, want a log group of the template", logs["DestinationArn"])
				}
				format, _ := logs["Format"].(string)
				var fields map[string]string
				if err := json.Unmarshal([]byte(format), &fields); err != nil {
					t.Fatalf("access log format is not JSON: %v\n%s", err, format)
				}
				for _, want := range []string{"$context.requestId", "$context.status", "$context.routeKey"} {
					if !slices.Contains(slices.Collect(maps.Values(fields)), want) {
						t.Errorf("access log format lacks %s", want)
					}
				}
				if strings.Contains(format, "body") {
					t.Errorf("access log format logs a body: %s", format)
				}
			}
		})
	}
}

func TestFunctionsAreGoOnGraviton(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	ids := fx.runtimeIDs(t)
	// The three Go functions (webhook, worker, admin); dev has a fourth, the Node.js provider
	// of the stores' queue registration (CDK's AwsCustomResource, tested in tenants_test.go).
	check(t, func() {
		fx.template.ResourcePropertiesCountIs(jsii.String(functionType), map[string]any{"Runtime": "provided.al2023"}, jsii.Number(3))
	})
	check(t, func() { fx.template.ResourceCountIs(jsii.String(functionType), jsii.Number(4)) })
	tests := []struct {
		name, id        string
		memory, timeout int
	}{
		{"webhook", ids.webhook, 256, 10},
		// The worker stops starting customers' bursts 20 s before its deadline and stops
		// sending 12 s before it: 60 s leaves it 40 s of turns.
		{"worker", ids.worker, 512, 60},
		// API Gateway gives up on an HTTP API integration after 30 s.
		{"admin", fx.logicalID(t, fx.stack.Admin().Function()), 512, 29},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx.hasResource(t, functionType, tt.id, map[string]any{
				"Runtime":       "provided.al2023",
				"Architectures": assertions.Match_Exact([]any{"arm64"}),
				"Handler":       "bootstrap",
				"MemorySize":    tt.memory,
				"Timeout":       tt.timeout,
			})
		})
	}
	// Twilio gives up on a webhook after 15 seconds.
	if stacks.WebhookTimeoutSeconds >= 15 {
		t.Errorf("webhook timeout %ds is not under Twilio's 15 s", stacks.WebhookTimeoutSeconds)
	}
}

// Both functions reserve, and are capped at, their environment's concurrency; the worker's
// event source never invokes more than that, so a surge waits in the queue.
func TestReservedConcurrencyPerEnvironment(t *testing.T) {
	tests := []struct {
		env                             string
		webhook, worker, workerMax, api int
	}{
		{resourcenames.EnvDev, 10, 2, 2, 10},
		{resourcenames.EnvStaging, 20, 5, 5, 20},
		{resourcenames.EnvProd, 100, 20, 20, 100},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			fx := envFixture(t, tt.env)
			ids := fx.runtimeIDs(t)
			fx.hasResource(t, functionType, ids.webhook, map[string]any{"ReservedConcurrentExecutions": tt.webhook})
			fx.hasResource(t, functionType, ids.worker, map[string]any{"ReservedConcurrentExecutions": tt.worker})
			check(t, func() {
				fx.template.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), map[string]any{
					"EventSourceArn": getAtt(ids.queue, "Arn"),
					"FunctionName":   ref(ids.worker),
					"ScalingConfig":  assertions.Match_Exact(map[string]any{"MaximumConcurrency": tt.workerMax}),
				})
			})
			check(t, func() {
				fx.template.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Stage"), map[string]any{
					"DefaultRouteSettings": assertions.Match_ObjectLike(&map[string]any{
						"ThrottlingBurstLimit": tt.api,
						"ThrottlingRateLimit":  tt.api,
					}),
				})
			})
			if tt.workerMax > tt.worker {
				t.Errorf("event source maximum concurrency %d is above the worker's reserved %d", tt.workerMax, tt.worker)
			}
			if tt.api > tt.webhook {
				t.Errorf("the stage admits %d requests at once, the webhook may run %d", tt.api, tt.webhook)
			}
		})
	}
}

func TestFunctionEnvironments(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	ids := fx.runtimeIDs(t)
	data := fx.stack.Data()
	tables := map[string]any{
		resourcenames.EnvVarEnvironment:      resourcenames.EnvDev,
		resourcenames.EnvVarClientTable:      ref(fx.logicalID(t, data.ClientConfig())),
		resourcenames.EnvVarStoreTable:       ref(fx.logicalID(t, data.StoreConfig())),
		resourcenames.EnvVarMappingTable:     ref(fx.logicalID(t, data.PhoneMapping())),
		resourcenames.EnvVarConversationTbl:  ref(fx.logicalID(t, data.ConversationState())),
		resourcenames.EnvVarIdempotencyTable: ref(fx.logicalID(t, data.Idempotency())),
		resourcenames.EnvVarTenantRoleARN:    getAtt(fx.logicalID(t, fx.stack.Runtime().TenantRole()), "Arn"),
		resourcenames.EnvVarMetricsNamespace: resourcenames.MetricNamespace,
	}
	// The payment webhook reads a payment's order with the brand's session: it knows the
	// orders table (its own role has no access to it, TestWebhookPolicyStaysOffConversationData).
	webhook := map[string]any{
		resourcenames.EnvVarInboundQueueURL: ref(ids.queue),
		resourcenames.EnvVarOrdersTable:     ref(fx.logicalID(t, data.Orders())),
	}
	// Menus and the dead-letter queue are the worker's alone: exact matches, so the webhook
	// has none of them.
	worker := map[string]any{
		resourcenames.EnvVarMenuTable:       ref(fx.logicalID(t, data.Menu())),
		resourcenames.EnvVarOrdersTable:     ref(fx.logicalID(t, data.Orders())),
		resourcenames.EnvVarInboundDLQURL:   ref(ids.dlq),
		resourcenames.EnvVarInboundQueueURL: ref(ids.queue), // to delay a failed message's retry
		// The daily counters, written with the brand's session.
		resourcenames.EnvVarDailyMetricsTable: ref(fx.logicalID(t, data.DailyMetrics())),
	}
	for k, v := range tables {
		webhook[k] = v
		worker[k] = v
	}
	tests := []struct {
		name, id string
		want     map[string]any
	}{
		// No PUBLIC_BASE_URL by default: the webhook uses the API's own domain.
		{"webhook", ids.webhook, webhook},
		{"worker", ids.worker, worker},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx.hasResource(t, functionType, tt.id, map[string]any{
				"Environment": map[string]any{"Variables": assertions.Match_Exact(tt.want)},
			})
		})
	}
}

func TestPublicBaseURLContextSetsWebhookVariable(t *testing.T) {
	const base = "https://wa.example.com"
	stack, err := stacks.Build(newApp(map[string]any{stacks.PublicBaseURLContextKey: base}), resourcenames.EnvDev)
	if err != nil {
		t.Fatal(err)
	}
	var tmpl assertions.Template
	if r := cdktest.Panics(func() { tmpl = assertions.Template_FromStack(stack, nil) }); r != nil {
		t.Fatal(cdktest.SynthFailure(r))
	}
	webhook, _ := stack.Resolve(stack.GetLogicalId(stack.Runtime().WebhookFunction().Node().DefaultChild().(awscdk.CfnElement))).(string)
	found := *tmpl.FindResources(jsii.String(functionType), map[string]any{
		"Properties": map[string]any{"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{
			resourcenames.EnvVarPublicBaseURL: base,
		})}},
	})
	if len(found) != 1 || found[webhook] == nil {
		t.Errorf("functions with %s=%s: %d, want the webhook alone", resourcenames.EnvVarPublicBaseURL, base, len(found))
	}
	check(t, func() {
		tmpl.HasOutput(jsii.String("*"), map[string]any{"Value": resourcenames.WebhookURLForTwilio(base)})
	})
}

func TestInvalidPublicBaseURLFailsBuild(t *testing.T) {
	for _, v := range []any{"http://wa.example.com", "https://wa.example.com/", "wa.example.com", "https://wa.example.com?x=1", 42} {
		_, err := stacks.Build(newApp(map[string]any{stacks.PublicBaseURLContextKey: v}), resourcenames.EnvDev)
		if err == nil || !strings.Contains(err.Error(), stacks.PublicBaseURLContextKey) {
			t.Errorf("publicBaseUrl=%v: Build error %v, want one naming the context key", v, err)
		}
	}
}

func TestValidatePublicBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://wa.example.com", true},
		{"https://example.com/wabot", true},
		{"https://wa.example.com:8443", true},
		{"https://wa.example.com/", false},
		{"http://wa.example.com", false},
		{"https://", false},
		{"https://wa.example.com/#x", false},
		{"https://user:pw@wa.example.com", false},
		{"", false},
	}
	for _, tt := range tests {
		if err := stacks.ValidatePublicBaseURL(tt.url); (err == nil) != tt.ok {
			t.Errorf("ValidatePublicBaseURL(%q) = %v, want ok=%v", tt.url, err, tt.ok)
		}
	}
}

// The URL to paste into Twilio carries Twilio's retry policy as its fragment; the URL before
// the fragment is the one Twilio signs.
func TestWebhookURLOutput(t *testing.T) {
	for _, env := range resourcenames.Environments {
		t.Run(env, func(t *testing.T) {
			fx := envFixture(t, env)
			ids := fx.runtimeIDs(t)
			check(t, func() {
				fx.template.HasOutput(jsii.String("*"), map[string]any{
					"Value": map[string]any{"Fn::Join": []any{"", []any{
						getAtt(ids.api, "ApiEndpoint"), resourcenames.WebhookPath + resourcenames.WebhookRetryFragment,
					}}},
				})
			})
			outputs := *fx.template.FindOutputs(jsii.String("*"), nil)
			var value any
			for id, o := range outputs {
				if strings.HasPrefix(id, "RuntimeWebhookUrl") {
					value = (*o)["Value"]
				}
			}
			join, _ := value.(map[string]any)["Fn::Join"].([]any)
			if len(join) != 2 {
				t.Fatalf("WebhookUrl output = %v, want an Fn::Join", value)
			}
			parts, _ := join[1].([]any)
			last, _ := parts[len(parts)-1].(string)
			if !strings.HasSuffix(last, resourcenames.WebhookRetryFragment) {
				t.Errorf("WebhookUrl output ends with %q, want the retry fragment %q", last, resourcenames.WebhookRetryFragment)
			}
			if !strings.HasPrefix(resourcenames.WebhookRetryFragment, "#rc=") {
				t.Errorf("retry fragment %q does not start with #rc=", resourcenames.WebhookRetryFragment)
			}
		})
	}
}

// Twilio's read timeout per attempt (rt) is no longer than the webhook's Lambda timeout: an
// attempt Twilio has given up on is not still holding a slot much longer than the next one.
func TestTwilioReadTimeoutFitsTheWebhookTimeout(t *testing.T) {
	t.Parallel()
	var rt int
	for _, pair := range strings.Split(strings.TrimPrefix(resourcenames.WebhookRetryFragment, "#"), "&") {
		if v, ok := strings.CutPrefix(pair, "rt="); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatal(err)
			}
			rt = n
		}
	}
	if rt == 0 || rt > stacks.WebhookTimeoutSeconds*1000 {
		t.Errorf("rt=%d ms, want set and at most the webhook's timeout %d s", rt, stacks.WebhookTimeoutSeconds)
	}
}

func TestWorkerConsumesInboundQueueWithPartialBatchResponses(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	ids := fx.runtimeIDs(t)
	check(t, func() { fx.template.ResourceCountIs(jsii.String("AWS::Lambda::EventSourceMapping"), jsii.Number(1)) })
	check(t, func() {
		fx.template.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), map[string]any{
			"EventSourceArn":        getAtt(ids.queue, "Arn"),
			"FunctionName":          ref(ids.worker),
			"BatchSize":             10,
			"FunctionResponseTypes": assertions.Match_Exact([]any{"ReportBatchItemFailures"}),
			// Lambda refuses a batching window on a FIFO queue.
			"MaximumBatchingWindowInSeconds": assertions.Match_Absent(),
			"ScalingConfig":                  map[string]any{"MaximumConcurrency": fx.stack.Settings().WorkerMaxConcurrency},
		})
	})
}

// The worker parks a message it can never process in the inbound dead-letter queue
// (INBOUND_DLQ_URL, SendMessage) and backs failed messages off with ChangeMessageVisibility on
// the inbound queue, which the event source's consume grant already allows. It may not read
// or delete what is parked there: redriving is an operator's job.
func TestWorkerParksInTheDeadLetterQueueAndDelaysRetries(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	ids := fx.runtimeIDs(t)
	doc := fx.rolePolicy(t, ids.workerRole)
	allowed := func(action, id string) bool {
		arn := getAtt(id, "Arn")
		for _, st := range statements(doc, action) {
			if slices.ContainsFunc(resources(st), func(r any) bool { return jsonEqual(r, arn) }) {
				return true
			}
		}
		return false
	}
	if !allowed("sqs:SendMessage", ids.dlq) {
		t.Error("the worker may not SendMessage to the inbound dead-letter queue")
	}
	if !allowed("sqs:ChangeMessageVisibility", ids.queue) {
		t.Error("the worker may not ChangeMessageVisibility on the inbound queue")
	}
	for _, action := range []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:PurgeQueue", "sqs:ChangeMessageVisibility"} {
		if allowed(action, ids.dlq) {
			t.Errorf("the worker may %s on the inbound dead-letter queue", action)
		}
	}
	// One ChangeMessageVisibility grant, the event source's: the change added none.
	if n := len(statements(doc, "sqs:ChangeMessageVisibility")); n != 1 {
		t.Errorf("%d statements allow ChangeMessageVisibility, want the consume grant's 1", n)
	}
	// Sending to the encrypted queue needs a data key from the data key, through SQS.
	if !mentions(t, statements(doc, "kms:GenerateDataKey"), fx.keyID) {
		t.Error("the worker may not GenerateDataKey on the data key the dead-letter queue is encrypted with")
	}
}

func TestInboundQueue(t *testing.T) {
	for _, env := range resourcenames.Environments {
		t.Run(env, func(t *testing.T) {
			fx := envFixture(t, env)
			ids := fx.runtimeIDs(t)
			check(t, func() {
				fx.template.HasResource(jsii.String(queueType), map[string]any{
					"Properties": map[string]any{
						"QueueName":                 resourcenames.InboundQueue(env),
						"FifoQueue":                 true,
						"ContentBasedDeduplication": false,
						"VisibilityTimeout":         360, // 6 x the worker's 60 s, as AWS advises
						"KmsMasterKeyId":            fx.keyArn(),
						"RedrivePolicy": assertions.Match_Exact(map[string]any{
							"deadLetterTargetArn": getAtt(ids.dlq, "Arn"),
							"maxReceiveCount":     5,
						}),
					},
				})
			})
		})
	}
}

func TestInboundDLQ(t *testing.T) {
	for _, env := range resourcenames.Environments {
		t.Run(env, func(t *testing.T) {
			fx := envFixture(t, env)
			check(t, func() {
				fx.template.HasResourceProperties(jsii.String(queueType), map[string]any{
					"QueueName":                 resourcenames.InboundDLQ(env),
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

func TestLogGroupsKeepEventsPerEnvironment(t *testing.T) {
	tests := []struct {
		env    string
		days   int
		policy string
		groups int
	}{
		// The three functions' and the API's access logs, and in dev (the only environment
		// with stores yet) the store queue registration provider's.
		{resourcenames.EnvDev, 7, "Delete", 5},
		{resourcenames.EnvStaging, 30, "Retain", 4},
		{resourcenames.EnvProd, 180, "Retain", 4},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			fx := envFixture(t, tt.env)
			check(t, func() { fx.template.ResourceCountIs(jsii.String(logGroupType), jsii.Number(tt.groups)) })
			check(t, func() {
				fx.template.AllResources(jsii.String(logGroupType), map[string]any{
					"Properties":          map[string]any{"RetentionInDays": tt.days},
					"DeletionPolicy":      tt.policy,
					"UpdateReplacePolicy": tt.policy,
				})
			})
		})
	}
}

// Each function logs to its own log group, and its role may write there and nowhere else.
func TestFunctionsLogToTheirOwnLogGroup(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	ids := fx.runtimeIDs(t)
	functions := (*fx.template.ToJSON())["Resources"].(map[string]any)
	for _, f := range []struct{ fn, role string }{{ids.webhook, ids.webhookRole}, {ids.worker, ids.workerRole}} {
		props := functions[f.fn].(map[string]any)["Properties"].(map[string]any)
		lg, _ := props["LoggingConfig"].(map[string]any)["LogGroup"].(map[string]any)
		group, _ := lg["Ref"].(string)
		if group == "" {
			t.Errorf("%s has no log group of its own: %v", f.fn, props["LoggingConfig"])
			continue
		}
		write := statements(fx.rolePolicy(t, f.role), "logs:PutLogEvents")
		if len(write) != 1 || !slices.EqualFunc(resources(write[0]), []any{getAtt(group, "Arn")}, jsonEqual) {
			t.Errorf("%s may write logs to %v, want only its log group %s", f.fn, write, group)
		}
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// No managed policy (AWSLambdaBasicExecutionRole allows writing to every log group).
func TestRolesHaveNoManagedPolicies(t *testing.T) {
	for _, env := range resourcenames.Environments {
		fx := envFixture(t, env)
		check(t, func() {
			fx.template.AllResourcesProperties(jsii.String("AWS::IAM::Role"), map[string]any{
				"ManagedPolicyArns": assertions.Match_Absent(),
			})
		})
	}
}

func TestRuntimeAlarms(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	ids := fx.runtimeIDs(t)
	if n := len(fx.stack.Runtime().Alarms()); n != 11 {
		t.Errorf("Alarms() has %d alarms, want 11 (DLQ, errors and throttles of both functions, backlog, template missing, "+
			"model budget exceeded, API 5xx, payment webhook refused and failed)", n)
	}
	backlog := *fx.template.FindResources(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{"Properties": map[string]any{
		"Namespace": "AWS/SQS", "MetricName": "ApproximateAgeOfOldestMessage", "Statistic": "Maximum",
		"Threshold": stacks.InboundBacklogAlarmSeconds, "Period": 300,
		"Dimensions": assertions.Match_Exact([]any{map[string]any{"Name": "QueueName", "Value": getAtt(ids.queue, "QueueName")}}),
	}})
	if len(backlog) != 1 {
		t.Errorf("%d backlog alarms on the inbound queue's oldest message, want 1", len(backlog))
	}
	common := map[string]any{
		"ComparisonOperator": "GreaterThanOrEqualToThreshold",
		"Threshold":          1,
		"EvaluationPeriods":  1,
		"Period":             300,
		"TreatMissingData":   "notBreaching",
	}
	tests := []struct {
		name  string
		props map[string]any
	}{
		{"inbound DLQ depth", map[string]any{
			"Namespace":  "AWS/SQS",
			"MetricName": "ApproximateNumberOfMessagesVisible",
			"Statistic":  "Maximum",
			"Dimensions": assertions.Match_Exact([]any{map[string]any{"Name": "QueueName", "Value": getAtt(ids.dlq, "QueueName")}}),
		}},
		{"webhook errors", map[string]any{
			"Namespace":  "AWS/Lambda",
			"MetricName": "Errors",
			"Statistic":  "Sum",
			"Dimensions": assertions.Match_Exact([]any{map[string]any{"Name": "FunctionName", "Value": ref(ids.webhook)}}),
		}},
		{"worker errors", map[string]any{
			"Namespace":  "AWS/Lambda",
			"MetricName": "Errors",
			"Statistic":  "Sum",
			"Dimensions": assertions.Match_Exact([]any{map[string]any{"Name": "FunctionName", "Value": ref(ids.worker)}}),
		}},
		{"API 5xx", map[string]any{
			"Namespace":  "AWS/ApiGateway",
			"MetricName": "5xx",
			"Statistic":  "Sum",
			"Dimensions": assertions.Match_ArrayWith(&[]any{map[string]any{"Name": "ApiId", "Value": ref(ids.api)},
				map[string]any{"Name": "Stage", "Value": "$default"}}),
		}},
		{"template missing", map[string]any{
			"Namespace":  resourcenames.MetricNamespace,
			"MetricName": "TemplateMissing",
			"Statistic":  "Sum",
		}},
		{"model budget exceeded", map[string]any{
			"Namespace":  resourcenames.MetricNamespace,
			"MetricName": "ModelBudgetExceeded",
			"Statistic":  "Sum",
		}},
		{"payment webhook refused", map[string]any{
			"Namespace":  resourcenames.MetricNamespace,
			"MetricName": "AsaasWebhookRefused",
			"Statistic":  "Sum",
		}},
		{"payment webhook failed", map[string]any{
			"Namespace":  resourcenames.MetricNamespace,
			"MetricName": "AsaasWebhookFailed",
			"Statistic":  "Sum",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			props := map[string]any{}
			for k, v := range common {
				props[k] = v
			}
			for k, v := range tt.props {
				props[k] = v
			}
			check(t, func() { fx.template.HasResourceProperties(jsii.String(alarmType), props) })
		})
	}
}

// The worker's log lines with {"event":"template_missing"} become the TemplateMissing metric,
// and those with {"event":"model_budget_exceeded"} the ModelBudgetExceeded metric.
func TestTemplateMissingMetricFilter(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	fn := *fx.template.FindResources(jsii.String("AWS::Lambda::Function"), nil)
	props, _ := (*fn[fx.runtimeIDs(t).worker])["Properties"].(map[string]any)
	lc, _ := props["LoggingConfig"].(map[string]any)
	group, _ := lc["LogGroup"].(map[string]any)
	workerLogs, _ := group["Ref"].(string)
	if workerLogs == "" {
		t.Fatalf("worker LoggingConfig %v names no log group of the template", props["LoggingConfig"])
	}
	for event, metric := range map[string]string{"template_missing": "TemplateMissing", "model_budget_exceeded": "ModelBudgetExceeded"} {
		check(t, func() {
			fx.template.HasResourceProperties(jsii.String("AWS::Logs::MetricFilter"), map[string]any{
				"LogGroupName":  ref(workerLogs),
				"FilterPattern": `{ $.event = "` + event + `" }`,
				"MetricTransformations": []any{map[string]any{
					"MetricNamespace": resourcenames.MetricNamespace, "MetricName": metric, "MetricValue": "1",
				}},
			})
		})
	}
	if resourcenames.EventModelBudgetExceeded != "model_budget_exceeded" {
		t.Errorf("event %q: docs/admin-api.md and docs/operations.md name model_budget_exceeded", resourcenames.EventModelBudgetExceeded)
	}
}

// The payment webhook's log lines with {"event":"asaas_webhook_refused"} (it answered 401)
// and {"event":"asaas_webhook_failed"} (5xx) become metrics: the webhook's log group, not the
// worker's.
func TestAsaasWebhookMetricFilters(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	fn := *fx.template.FindResources(jsii.String("AWS::Lambda::Function"), nil)
	props, _ := (*fn[fx.runtimeIDs(t).webhook])["Properties"].(map[string]any)
	lc, _ := props["LoggingConfig"].(map[string]any)
	group, _ := lc["LogGroup"].(map[string]any)
	webhookLogs, _ := group["Ref"].(string)
	if webhookLogs == "" {
		t.Fatalf("webhook LoggingConfig %v names no log group of the template", props["LoggingConfig"])
	}
	for event, metric := range map[string]string{"asaas_webhook_refused": "AsaasWebhookRefused", "asaas_webhook_failed": "AsaasWebhookFailed"} {
		check(t, func() {
			fx.template.HasResourceProperties(jsii.String("AWS::Logs::MetricFilter"), map[string]any{
				"LogGroupName":  ref(webhookLogs),
				"FilterPattern": `{ $.event = "` + event + `" }`,
				"MetricTransformations": []any{map[string]any{
					"MetricNamespace": resourcenames.MetricNamespace, "MetricName": metric, "MetricValue": "1",
				}},
			})
		})
	}
	if resourcenames.EventAsaasWebhookRefused != "asaas_webhook_refused" || resourcenames.EventAsaasWebhookFailed != "asaas_webhook_failed" {
		t.Errorf("events %q %q: docs/operations.md and the handler use asaas_webhook_refused and asaas_webhook_failed",
			resourcenames.EventAsaasWebhookRefused, resourcenames.EventAsaasWebhookFailed)
	}
}

// The webhook only finds the brand, claims the MessageSid and enqueues: its role must not be
// able to touch conversations, mappings or store configuration, even through a bug (what it
// does for a brand goes through the tenant role). Its Deny of scans names every table, so only
// the Allow statements are searched.
func TestWebhookPolicyStaysOffConversationData(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	ids := fx.runtimeIDs(t)
	doc := map[string]any{"Statement": anyList(allowOnly(docStatements(fx.rolePolicy(t, ids.webhookRole))))}
	data := fx.stack.Data()
	off := map[string]constructs.IConstruct{
		"conversation table": data.ConversationState(),
		"mapping table":      data.PhoneMapping(),
		"store table":        data.StoreConfig(),
		"menu table":         data.Menu(),
		"orders table":       data.Orders(),
		"dead-letter queue":  fx.stack.Runtime().InboundDeadLetterQueue(),
	}
	for _, c := range fx.stack.Tenants() {
		for _, st := range c.Stores() {
			off[st.ClientID()+"/"+st.StoreID()+" order queue"] = st.Queue()
			off[st.ClientID()+"/"+st.StoreID()+" order dead-letter queue"] = st.DeadLetterQueue()
		}
	}
	for name, c := range off {
		if mentions(t, doc, fx.logicalID(t, c)) {
			t.Errorf("the webhook's policy refers to the %s", name)
		}
	}
	// What it does need, so that the test above cannot pass on an empty policy.
	idem := fx.logicalID(t, data.Idempotency())
	put := statements(doc, "dynamodb:PutItem")
	if len(put) != 1 || !slices.EqualFunc(resources(put[0]), []any{getAtt(idem, "Arn")}, jsonEqual) {
		t.Errorf("webhook PutItem statements = %v, want one on the idempotency table only", put)
	}
	if s := statements(doc, "dynamodb:Query"); len(s) != 1 || mentions(t, resources(s[0]), idem) {
		t.Errorf("webhook Query statements = %v, want one, on the client table's number index", s)
	}
	send := statements(doc, "sqs:SendMessage")
	if len(send) != 1 || !slices.EqualFunc(resources(send[0]), []any{getAtt(ids.queue, "Arn")}, jsonEqual) {
		t.Errorf("webhook SendMessage statements = %v, want one on the inbound queue only", send)
	}
}

func TestAPIIsTagged(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvProd)
	check(t, func() {
		fx.template.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Api"), map[string]any{
			"Tags": assertions.Match_ObjectLike(&map[string]any{resourcenames.TagApp: resourcenames.AppName, resourcenames.TagEnv: resourcenames.EnvProd}),
		})
	})
}

func TestMissingLambdaAssetsFailBuild(t *testing.T) {
	partial := t.TempDir()
	if err := os.MkdirAll(filepath.Join(partial, stacks.WebhookAsset), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(partial, stacks.WebhookAsset, "bootstrap"), []byte("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	if err := os.MkdirAll(filepath.Join(empty, stacks.WebhookAsset, "bootstrap"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		context map[string]any // nil: no lambdaAssets context at all
		want    []string       // substrings of the error
	}{
		{"no folder", map[string]any{stacks.LambdaAssetsContextKey: filepath.Join(t.TempDir(), "nowhere")},
			[]string{"nowhere/webhook/bootstrap is missing", "run `make build` first"}},
		{"worker missing", map[string]any{stacks.LambdaAssetsContextKey: partial},
			[]string{"worker/bootstrap is missing", "run `make build` first"}},
		{"bootstrap is a folder", map[string]any{stacks.LambdaAssetsContextKey: empty},
			[]string{"webhook/bootstrap is not a binary", "run `make build` first"}},
		{"not a string", map[string]any{stacks.LambdaAssetsContextKey: 42}, []string{stacks.LambdaAssetsContextKey}},
		// The default is relative to the working directory: the repository root under the CDK
		// CLI, this package's folder here, where there is no .build.
		{"default folder", nil,
			[]string{stacks.DefaultLambdaAssets + "/webhook/bootstrap is missing", "run `make build` first"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := cdktest.NewApp(nil)
			if tt.context != nil {
				app = newApp(tt.context)
			}
			_, err := stacks.Build(app, resourcenames.EnvDev)
			if err == nil {
				t.Fatal("Build succeeded, want an error")
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Build error %q does not contain %q", err, want)
				}
			}
		})
	}
}

func TestRuntimePropsValidate(t *testing.T) {
	t.Parallel()
	s, err := config.For(resourcenames.EnvDev)
	if err != nil {
		t.Fatal(err)
	}
	valid := func() stacks.RuntimeProps {
		return stacks.RuntimeProps{Data: fakeData{}, Settings: s, AssetsDir: testAssets()}
	}
	tests := []struct {
		name    string
		mutate  func(*stacks.RuntimeProps)
		wantErr string
	}{
		{"valid", func(*stacks.RuntimeProps) {}, ""},
		{"valid with base URL", func(p *stacks.RuntimeProps) { p.PublicBaseURL = "https://wa.example.com" }, ""},
		{"no data", func(p *stacks.RuntimeProps) { p.Data = nil }, "data layer"},
		{"no environment", func(p *stacks.RuntimeProps) { p.Settings = config.Settings{} }, "unknown environment"},
		{"event source above the worker's reservation", func(p *stacks.RuntimeProps) {
			p.Settings.WorkerMaxConcurrency = p.Settings.WorkerReservedConcurrency + 1
		}, "throttled function"},
		{"no assets", func(p *stacks.RuntimeProps) { p.AssetsDir = "" }, "lambda assets"},
		{"bad base URL", func(p *stacks.RuntimeProps) { p.PublicBaseURL = "https://x/" }, "public base URL"},
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

// fakeData satisfies stacks.DataLayer for validation tests, which only check that one is given.
type fakeData struct{ stacks.DataLayer }

// Every queue (inbound, its dead-letter queue, each store's queue and dead-letter queue)
// reuses SQS data keys for 24 hours: at SQS's default of 5 minutes the data key requests are
// the message path's largest KMS cost (make bench's cost model).
func TestQueuesReuseDataKeysForADay(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	queues := *fx.template.FindResources(jsii.String("AWS::SQS::Queue"), nil)
	if len(queues) < 4 {
		t.Fatalf("%d queues in the template", len(queues))
	}
	for id, q := range queues {
		props, _ := (*q)["Properties"].(map[string]any)
		if got := props["KmsDataKeyReusePeriodSeconds"]; got != float64(tenant.SQSDataKeyReuseHours*3600) {
			t.Errorf("queue %s: KmsDataKeyReusePeriodSeconds = %v, want %d", id, got, tenant.SQSDataKeyReuseHours*3600)
		}
	}
}

// anyList converts statements back to a JSON list.
func anyList(statements []map[string]any) []any {
	out := make([]any, len(statements))
	for i, st := range statements {
		out[i] = st
	}
	return out
}
