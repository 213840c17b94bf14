package stacks_test

import (
	"encoding/json"
	"path"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/wabot-platform/wabot/infra/internal/cdktest"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// These tests read the synthesized template as JSON and iterate over its resources by type,
// so that a resource added later (a table, a queue, a log group, an alarm, in this package or
// in the tenant constructs) is checked without a change here.

// resourcesOf returns the template's resources of type typ by logical id.
func (fx *fixture) resourcesOf(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	all, _ := (*fx.template.ToJSON())["Resources"].(map[string]any)
	for id, r := range all {
		res, _ := r.(map[string]any)
		if res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

// props is a resource's Properties.
func props(res map[string]any) map[string]any {
	p, _ := res["Properties"].(map[string]any)
	return p
}

// list returns v as a list: a JSON array as is, a single value as a one-element list.
func list(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	default:
		return []any{x}
	}
}

// docStatements returns the statements of a policy document.
func docStatements(doc any) []map[string]any {
	d, _ := doc.(map[string]any)
	var out []map[string]any
	for _, s := range list(d["Statement"]) {
		if st, ok := s.(map[string]any); ok {
			out = append(out, st)
		}
	}
	return out
}

// allowOnly returns the Allow statements of statements.
func allowOnly(statements []map[string]any) []map[string]any {
	var out []map[string]any
	for _, st := range statements {
		if st["Effect"] == "Allow" {
			out = append(out, st)
		}
	}
	return out
}

// actionMatches reports whether the statement action pattern (IAM wildcards * and ?) covers
// action, case-insensitively as IAM compares actions.
func actionMatches(pattern, action string) bool {
	ok, _ := path.Match(strings.ToLower(pattern), strings.ToLower(action))
	return ok
}

// stmtAllows reports whether st names action (directly or by a wildcard) on a resource equal
// to resource (JSON-equal).
func stmtAllows(st map[string]any, action string, resource any) bool {
	named := false
	for _, a := range list(st["Action"]) {
		if s, _ := a.(string); actionMatches(s, action) {
			named = true
		}
	}
	return named && slices.ContainsFunc(list(st["Resource"]), func(r any) bool { return jsonEqual(r, resource) })
}

// policyAllows reports whether an Allow statement of doc allows action on resource.
func policyAllows(doc map[string]any, action string, resource any) bool {
	for _, st := range allowOnly(docStatements(doc)) {
		if stmtAllows(st, action, resource) {
			return true
		}
	}
	return false
}

// everyPolicy returns every policy document of the template with where it is: identity
// policies (AWS::IAM::Policy, inline role policies), trust policies, key policies and the
// resource policies of queues and topics.
func (fx *fixture) everyPolicy() map[string]any {
	docs := map[string]any{}
	for id, r := range fx.resourcesOf("AWS::IAM::Policy") {
		docs[id] = props(r)["PolicyDocument"]
	}
	for id, r := range fx.resourcesOf("AWS::IAM::Role") {
		docs[id+" trust"] = props(r)["AssumeRolePolicyDocument"]
		for i, p := range list(props(r)["Policies"]) {
			docs[id+" inline "+string(rune('0'+i))] = p.(map[string]any)["PolicyDocument"]
		}
	}
	for id, r := range fx.resourcesOf("AWS::KMS::Key") {
		docs[id] = props(r)["KeyPolicy"]
	}
	for id, r := range fx.resourcesOf("AWS::SQS::QueuePolicy") {
		docs[id] = props(r)["PolicyDocument"]
	}
	for id, r := range fx.resourcesOf("AWS::SNS::TopicPolicy") {
		docs[id] = props(r)["PolicyDocument"]
	}
	return docs
}

func forEachEnv(t *testing.T, test func(t *testing.T, fx *fixture, env string)) {
	t.Helper()
	for _, env := range resourcenames.Environments {
		t.Run(env, func(t *testing.T) { test(t, envFixture(t, env), env) })
	}
}

func TestEveryTableIsEncryptedWithTheDataKey(t *testing.T) {
	forEachEnv(t, func(t *testing.T, fx *fixture, _ string) {
		tables := fx.resourcesOf("AWS::DynamoDB::Table")
		if len(tables) == 0 {
			t.Fatal("no tables")
		}
		for id, r := range tables {
			want := map[string]any{"SSEEnabled": true, "SSEType": "KMS", "KMSMasterKeyId": fx.keyArn()}
			if got := props(r)["SSESpecification"]; !jsonEqual(got, want) {
				t.Errorf("table %s: SSESpecification = %v, want %v", id, got, want)
			}
		}
	})
}

func TestEveryQueueSecretAndLogGroupIsEncryptedWithTheDataKey(t *testing.T) {
	tests := []struct{ typ, property string }{
		{"AWS::SQS::Queue", "KmsMasterKeyId"},
		{"AWS::SecretsManager::Secret", "KmsKeyId"},
		{"AWS::Logs::LogGroup", "KmsKeyId"},
		{"AWS::SNS::Topic", "KmsMasterKeyId"},
	}
	forEachEnv(t, func(t *testing.T, fx *fixture, env string) {
		for _, tt := range tests {
			found := fx.resourcesOf(tt.typ)
			if len(found) == 0 && tt.typ != "AWS::SecretsManager::Secret" {
				t.Errorf("no %s in %s", tt.typ, env) // every environment has queues, log groups and the topic
			}
			for id, r := range found {
				if got := props(r)[tt.property]; !jsonEqual(got, fx.keyArn()) {
					t.Errorf("%s %s: %s = %v, want the data key %v", tt.typ, id, tt.property, got, fx.keyArn())
				}
			}
		}
	})
}

// deniesInsecureTransport reports whether doc has a Deny of everything on aws:SecureTransport
// false.
func deniesInsecureTransport(doc any) bool {
	for _, st := range docStatements(doc) {
		c, _ := st["Condition"].(map[string]any)
		b, _ := c["Bool"].(map[string]any)
		if st["Effect"] == "Deny" && b["aws:SecureTransport"] == "false" {
			return true
		}
	}
	return false
}

func TestEveryQueueAndTopicIsTLSOnly(t *testing.T) {
	forEachEnv(t, func(t *testing.T, fx *fixture, _ string) {
		tlsOnly := map[string]bool{}
		for _, p := range fx.resourcesOf("AWS::SQS::QueuePolicy") {
			if !deniesInsecureTransport(props(p)["PolicyDocument"]) {
				continue
			}
			for _, q := range list(props(p)["Queues"]) {
				ref, _ := q.(map[string]any)["Ref"].(string)
				tlsOnly[ref] = true
			}
		}
		for _, p := range fx.resourcesOf("AWS::SNS::TopicPolicy") {
			if !deniesInsecureTransport(props(p)["PolicyDocument"]) {
				continue
			}
			for _, q := range list(props(p)["Topics"]) {
				ref, _ := q.(map[string]any)["Ref"].(string)
				tlsOnly[ref] = true
			}
		}
		for _, typ := range []string{"AWS::SQS::Queue", "AWS::SNS::Topic"} {
			for id := range fx.resourcesOf(typ) {
				if !tlsOnly[id] {
					t.Errorf("%s %s has no policy denying aws:SecureTransport=false", typ, id)
				}
			}
		}
	})
}

// Every dead-letter queue (named *-dlq.fifo, or the target of a redrive policy) has an alarm
// on its visible messages: a parked message is a customer without an answer or an order a
// kitchen did not get.
func TestEveryDeadLetterQueueHasADepthAlarm(t *testing.T) {
	forEachEnv(t, func(t *testing.T, fx *fixture, _ string) {
		queues := fx.resourcesOf("AWS::SQS::Queue")
		dlqs := map[string]bool{}
		for id, q := range queues {
			if name, _ := props(q)["QueueName"].(string); strings.HasSuffix(name, "-dlq.fifo") {
				dlqs[id] = true
			}
			if rp, ok := props(q)["RedrivePolicy"].(map[string]any); ok {
				att, _ := rp["deadLetterTargetArn"].(map[string]any)["Fn::GetAtt"].([]any)
				if len(att) != 2 {
					t.Fatalf("queue %s: deadLetterTargetArn %v is not a queue of the template", id, rp["deadLetterTargetArn"])
				}
				dlqs[att[0].(string)] = true
			}
		}
		if len(dlqs) == 0 {
			t.Fatal("no dead-letter queue")
		}
		for id := range dlqs {
			found := false
			for _, a := range fx.resourcesOf(alarmType) {
				p := props(a)
				if p["Namespace"] == "AWS/SQS" && p["MetricName"] == "ApproximateNumberOfMessagesVisible" &&
					jsonEqual(p["Dimensions"], []any{map[string]any{"Name": "QueueName", "Value": getAtt(id, "QueueName")}}) {
					found = true
				}
			}
			if !found {
				t.Errorf("dead-letter queue %s has no alarm on ApproximateNumberOfMessagesVisible", id)
			}
		}
	})
}

func TestEveryAlarmNotifiesTheAlarmTopic(t *testing.T) {
	forEachEnv(t, func(t *testing.T, fx *fixture, env string) {
		topics := fx.resourcesOf("AWS::SNS::Topic")
		if len(topics) != 1 {
			t.Fatalf("%d topics, want the alarm topic alone", len(topics))
		}
		var topic string
		for id, r := range topics {
			topic = id
			if got := props(r)["TopicName"]; got != resourcenames.AlarmTopic(env) {
				t.Errorf("topic name %v, want %s", got, resourcenames.AlarmTopic(env))
			}
		}
		alarms := fx.resourcesOf(alarmType)
		if len(alarms) == 0 {
			t.Fatal("no alarms")
		}
		for id, a := range alarms {
			for _, key := range []string{"AlarmActions", "OKActions"} {
				if !slices.ContainsFunc(list(props(a)[key]), func(v any) bool { return jsonEqual(v, ref(topic)) }) {
					t.Errorf("alarm %s: %s = %v, want the alarm topic %s", id, key, props(a)[key], topic)
				}
			}
		}
	})
}

// CloudWatch may publish to the topic only for this account's alarms.
func TestAlarmTopicAdmitsThisAccountsAlarms(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	for id, p := range fx.resourcesOf("AWS::SNS::TopicPolicy") {
		var publish []map[string]any
		for _, st := range allowOnly(docStatements(props(p)["PolicyDocument"])) {
			if slices.Contains(list(st["Action"]), any("sns:Publish")) {
				publish = append(publish, st)
			}
		}
		if len(publish) != 1 {
			t.Fatalf("topic policy %s: %d statements allow sns:Publish, want 1: %v", id, len(publish), publish)
		}
		b, _ := json.Marshal(publish[0])
		for _, want := range []string{`"Service":"cloudwatch.amazonaws.com"`, `"aws:SourceAccount"`, `:alarm:*`} {
			if !strings.Contains(string(b), want) {
				t.Errorf("topic policy %s: publish statement lacks %s: %s", id, want, b)
			}
		}
	}
}

// tenantRole returns the logical id and resource of the tenant access role of env.
func (fx *fixture) tenantRole(t *testing.T, env string) (string, map[string]any) {
	t.Helper()
	for id, r := range fx.resourcesOf("AWS::IAM::Role") {
		if props(r)["RoleName"] == resourcenames.TenantAccessRoleName(env) {
			if want := fx.logicalID(t, fx.stack.Runtime().TenantRole()); id != want {
				t.Fatalf("the role named %s is %s, Runtime().TenantRole() is %s", resourcenames.TenantAccessRoleName(env), id, want)
			}
			return id, r
		}
	}
	t.Fatalf("no role named %s", resourcenames.TenantAccessRoleName(env))
	return "", nil
}

func TestTenantRoleTrustsOnlyTheFunctionsWithATaggedSession(t *testing.T) {
	forEachEnv(t, func(t *testing.T, fx *fixture, env string) {
		ids := fx.runtimeIDs(t)
		_, role := fx.tenantRole(t, env)
		if got := props(role)["MaxSessionDuration"]; got != float64(3600) {
			t.Errorf("MaxSessionDuration = %v, want 3600 (1 h)", got)
		}
		trust := docStatements(props(role)["AssumeRolePolicyDocument"])
		if len(trust) != 1 {
			t.Fatalf("%d trust statements, want 1: %v", len(trust), trust)
		}
		st := trust[0]
		if st["Effect"] != "Allow" {
			t.Errorf("trust effect %v", st["Effect"])
		}
		actions := list(st["Action"])
		sort.Slice(actions, func(i, j int) bool { return actions[i].(string) < actions[j].(string) })
		if !jsonEqual(actions, []any{"sts:AssumeRole", "sts:TagSession"}) {
			t.Errorf("trust actions %v, want sts:AssumeRole and sts:TagSession", actions)
		}
		principal, _ := st["Principal"].(map[string]any)
		if len(principal) != 1 {
			t.Errorf("trust principal %v, want AWS role ARNs only", principal)
		}
		aws := list(principal["AWS"])
		want := []any{getAtt(ids.webhookRole, "Arn"), getAtt(ids.workerRole, "Arn")}
		if len(aws) != 2 || !slices.ContainsFunc(aws, func(a any) bool { return jsonEqual(a, want[0]) }) ||
			!slices.ContainsFunc(aws, func(a any) bool { return jsonEqual(a, want[1]) }) {
			t.Errorf("trusted principals %v, want exactly the webhook's and the worker's roles %v", aws, want)
		}
		cond, _ := st["Condition"].(map[string]any)
		if c, _ := cond["Null"].(map[string]any); c["aws:RequestTag/clientId"] != "false" {
			t.Errorf("trust condition %v does not require the clientId session tag (Null false)", cond)
		}
		if c, _ := cond["StringLike"].(map[string]any); c["aws:RequestTag/clientId"] != "?*" {
			t.Errorf("trust condition %v does not require a non-empty clientId session tag", cond)
		}
		// No other role of the template trusts the functions' roles.
		for id, r := range fx.resourcesOf("AWS::IAM::Role") {
			if props(r)["RoleName"] == resourcenames.TenantAccessRoleName(env) {
				continue
			}
			doc := props(r)["AssumeRolePolicyDocument"]
			if mentions(t, doc, ids.webhookRole) || mentions(t, doc, ids.workerRole) {
				t.Errorf("role %s also trusts a function role", id)
			}
		}
	})
}

func TestFunctionsAssumeTheTenantRoleWithTheirEnvironment(t *testing.T) {
	forEachEnv(t, func(t *testing.T, fx *fixture, env string) {
		ids := fx.runtimeIDs(t)
		tenantID, _ := fx.tenantRole(t, env)
		for name, f := range map[string]struct{ fn, role string }{"webhook": {ids.webhook, ids.webhookRole}, "worker": {ids.worker, ids.workerRole}} {
			doc := fx.rolePolicy(t, f.role)
			for _, action := range []string{"sts:AssumeRole", "sts:TagSession"} {
				if !policyAllows(doc, action, getAtt(tenantID, "Arn")) {
					t.Errorf("%s may not %s on the tenant role", name, action)
				}
				for _, st := range allowOnly(docStatements(doc)) {
					if stmtAllows(st, action, "*") || (slices.ContainsFunc(list(st["Action"]), func(a any) bool { return actionMatches(a.(string), action) }) &&
						!jsonEqual(list(st["Resource"]), []any{getAtt(tenantID, "Arn")})) {
						t.Errorf("%s may %s on more than the tenant role: %v", name, action, st)
					}
				}
			}
			vars := props(fx.resourcesOf(functionType)[f.fn])["Environment"].(map[string]any)["Variables"].(map[string]any)
			if !jsonEqual(vars[resourcenames.EnvVarTenantRoleARN], getAtt(tenantID, "Arn")) {
				t.Errorf("%s: %s = %v, want the tenant role's ARN", name, resourcenames.EnvVarTenantRoleARN, vars[resourcenames.EnvVarTenantRoleARN])
			}
			if vars[resourcenames.EnvVarMetricsNamespace] != resourcenames.MetricNamespace {
				t.Errorf("%s: %s = %v, want %s", name, resourcenames.EnvVarMetricsNamespace, vars[resourcenames.EnvVarMetricsNamespace], resourcenames.MetricNamespace)
			}
		}
	})
}

// leadingKeysConfined reports whether st carries the tenant's LeadingKeys condition with its
// Null guard.
func leadingKeysConfined(st map[string]any) bool {
	c, _ := st["Condition"].(map[string]any)
	fav, _ := c["ForAllValues:StringLike"].(map[string]any)
	null, _ := c["Null"].(map[string]any)
	return jsonEqual(fav["dynamodb:LeadingKeys"], []any{"${aws:PrincipalTag/clientId}", "${aws:PrincipalTag/clientId}#*"}) &&
		null["dynamodb:LeadingKeys"] == "false"
}

func TestTenantRoleReachesOneBrandsItemsByLeadingKey(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	id, _ := fx.tenantRole(t, resourcenames.EnvDev)
	doc := fx.rolePolicy(t, id)
	data := fx.stack.Data()
	table := func(name string) any {
		for _, tb := range data.Tables() {
			if *tb.Node().Id() == name {
				return getAtt(fx.logicalID(t, tb), "Arn")
			}
		}
		t.Fatalf("no table %s", name)
		return nil
	}
	all := []string{"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
		"dynamodb:BatchWriteItem", "dynamodb:BatchGetItem", "dynamodb:Scan", "dynamodb:ConditionCheckItem"}
	want := map[string][]string{
		"ClientConfig":      {"dynamodb:GetItem"},
		"StoreConfig":       {"dynamodb:GetItem", "dynamodb:Query"},
		"Menu":              {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"},
		"PhoneMapping":      {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"},
		"ConversationState": {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"},
		"Orders":            {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"},
		// The worker's daily counters: atomic ADDs on the brand's items, and a Query of the
		// brand's day for its daily token budget.
		"DailyMetrics": {"dynamodb:UpdateItem", "dynamodb:Query"},
		"Idempotency":  nil, // platform-level: the functions' own roles
		"Audit":        nil, // the admin function's own role
	}
	// The expectations above are spelled out; they must be the contract's.
	for base, actions := range resourcenames.TenantTableActions {
		name := strings.TrimPrefix(base, "WhatsAppBot")
		if got, ok := want[name]; !ok || !slices.Equal(got, prefixed(actions)) {
			t.Errorf("%s: the test expects %v, resourcenames.TenantTableActions says %v", name, got, actions)
		}
	}
	for name, actions := range want {
		for _, a := range all {
			if got := policyAllows(doc, a, table(name)); got != slices.Contains(actions, a) {
				t.Errorf("tenant role %s on %s: allowed=%v, want %v", a, name, got, !got)
			}
		}
	}
	// Every DynamoDB allow is confined to the brand's leading keys, indexes included.
	for _, st := range allowOnly(docStatements(doc)) {
		b, _ := json.Marshal(st["Action"])
		if strings.Contains(string(b), "dynamodb:") && !leadingKeysConfined(st) {
			t.Errorf("DynamoDB statement without the LeadingKeys condition and its Null guard: %v", st)
		}
	}
	for table, index := range map[string]string{
		"PhoneMapping":      resourcenames.MappingsByBrandIndex,
		"ConversationState": resourcenames.ConversationsByStoreIndex,
		"Orders":            resourcenames.OrdersByStoreIndex,
	} {
		found := false
		for _, st := range allowOnly(docStatements(doc)) {
			b, _ := json.Marshal(st["Resource"])
			if strings.Contains(string(b), "/index/"+index+`"`) && slices.Contains(list(st["Action"]), any("dynamodb:Query")) {
				found = true
			}
		}
		if !found {
			t.Errorf("tenant role may not Query %s's %s", table, index)
		}
	}
}

func TestTenantRoleReachesSecretsQueuesAndProfilesByTag(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	id, _ := fx.tenantRole(t, resourcenames.EnvDev)
	doc := fx.rolePolicy(t, id)
	services := map[string]bool{}
	for _, st := range allowOnly(docStatements(doc)) {
		for _, a := range list(st["Action"]) {
			service, _, _ := strings.Cut(a.(string), ":")
			services[service] = true
			if service == "secretsmanager" || service == "sqs" {
				c, _ := st["Condition"].(map[string]any)
				eq, _ := c["StringEquals"].(map[string]any)
				if eq["aws:ResourceTag/clientId"] != "${aws:PrincipalTag/clientId}" {
					t.Errorf("%s statement not confined by aws:ResourceTag/clientId: %v", a, st)
				}
			}
			if service == "bedrock" {
				checkModelStatement(t, "tenant role", st)
			}
			if service == "kms" && !strings.Contains(cdktest.JSON(t, st["Condition"]), "kms:ViaService") {
				t.Errorf("data key usable other than through a service: %v", st)
			}
		}
	}
	got := slices.Sorted(func(yield func(string) bool) {
		for s := range services {
			if !yield(s) {
				return
			}
		}
	})
	if want := []string{"bedrock", "dynamodb", "kms", "secretsmanager", "sqs"}; !slices.Equal(got, want) {
		t.Errorf("tenant role services %v, want exactly %v (no s3, no iam)", got, want)
	}
	for _, action := range []string{"secretsmanager:GetSecretValue", "sqs:SendMessage", "bedrock:InvokeModel"} {
		found := false
		for _, st := range allowOnly(docStatements(doc)) {
			if slices.Contains(list(st["Action"]), any(action)) {
				found = true
			}
		}
		if !found {
			t.Errorf("tenant role may not %s", action)
		}
	}
}

// checkModelStatement holds a tenant role's Bedrock statement to the design: InvokeModel and
// InvokeModelWithResponseStream only, on the application inference profiles whose clientId
// tag is the session's, or on the foundation models only through an application inference
// profile (bedrock:InferenceProfileArn); nothing else of Bedrock.
func checkModelStatement(t *testing.T, who string, st map[string]any) {
	t.Helper()
	if !sameActions(list(st["Action"]), []any{"bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"}) {
		t.Errorf("%s may %v on Bedrock, want InvokeModel and InvokeModelWithResponseStream: %v", who, st["Action"], st)
	}
	resource := cdktest.JSON(t, st["Resource"])
	c, _ := st["Condition"].(map[string]any)
	switch {
	case strings.Contains(resource, "application-inference-profile/*") && len(list(st["Resource"])) == 1:
		eq, _ := c["StringEquals"].(map[string]any)
		if len(c) != 1 || len(eq) != 1 || eq["aws:ResourceTag/clientId"] != "${aws:PrincipalTag/clientId}" {
			t.Errorf("%s: inference profiles not confined by aws:ResourceTag/clientId alone: %v", who, st)
		}
	case strings.Contains(resource, "foundation-model/*") && len(list(st["Resource"])) == 1:
		like, _ := c["StringLike"].(map[string]any)
		if len(c) != 1 || !strings.Contains(cdktest.JSON(t, like["bedrock:InferenceProfileArn"]), "application-inference-profile/*") {
			t.Errorf("%s: foundation models reachable other than through an application inference profile: %v", who, st)
		}
	default:
		t.Errorf("%s may invoke %s: %v", who, resource, st)
	}
}

// The functions' own roles reach nothing of a brand: no tenant table (but the webhook's Query
// on the client table's number index), no secret, no store queue.
func TestFunctionRolesStayOffTenantData(t *testing.T) {
	forEachEnv(t, func(t *testing.T, fx *fixture, env string) {
		ids := fx.runtimeIDs(t)
		data := fx.stack.Data()
		tenantTables := map[string]string{}
		for _, tb := range data.Tables() {
			tenantTables[fx.logicalID(t, tb)] = *tb.Node().Id()
		}
		delete(tenantTables, fx.logicalID(t, data.Idempotency())) // platform-level
		var tenantResources []string
		for _, c := range fx.stack.Tenants() {
			tenantResources = append(tenantResources, fx.logicalID(t, c.TwilioSecret()), fx.logicalID(t, c.AsaasSecret()))
			for _, st := range c.Stores() {
				tenantResources = append(tenantResources, fx.logicalID(t, st.Queue()), fx.logicalID(t, st.DeadLetterQueue()))
			}
		}
		clientIndex := map[string]any{"Fn::Join": []any{"", []any{getAtt(fx.logicalID(t, data.ClientConfig()), "Arn"),
			"/index/" + resourcenames.ClientByPhoneIndex}}}
		for name, role := range map[string]string{"webhook": ids.webhookRole, "worker": ids.workerRole} {
			for _, st := range allowOnly(docStatements(fx.rolePolicy(t, role))) {
				for tableID, table := range tenantTables {
					if !mentions(t, st, tableID) {
						continue
					}
					if name == "webhook" && jsonEqual(list(st["Resource"]), []any{clientIndex}) && jsonEqual(list(st["Action"]), []any{"dynamodb:Query"}) {
						continue // the brand lookup by the number Twilio called
					}
					t.Errorf("%s's role has a statement on the %s table: %v", name, table, st)
				}
				for _, id := range tenantResources {
					if mentions(t, st, id) {
						t.Errorf("%s's role has a statement on tenant resource %s: %v", name, id, st)
					}
				}
				pseudonymKey := name == "worker" && jsonEqual(list(st["Resource"]), []any{map[string]any{"Ref": fx.logicalID(t, fx.stack.Admin().PseudonymKey())}}) &&
					jsonEqual(list(st["Action"]), []any{"secretsmanager:GetSecretValue"})
				for _, a := range list(st["Action"]) {
					if (strings.HasPrefix(a.(string), "secretsmanager:") && !pseudonymKey) || strings.HasPrefix(a.(string), "bedrock:") {
						t.Errorf("%s's role may %s: %v", name, a, st)
					}
				}
			}
		}
	})
}

// No policy of the template allows a Scan (or dynamodb:*), and every runtime role is denied
// scans on every table.
func TestNoPolicyAllowsScans(t *testing.T) {
	forEachEnv(t, func(t *testing.T, fx *fixture, env string) {
		for where, doc := range fx.everyPolicy() {
			for _, st := range allowOnly(docStatements(doc)) {
				for _, a := range list(st["Action"]) {
					s, _ := a.(string)
					if actionMatches(s, "dynamodb:Scan") || s == "dynamodb:*" {
						t.Errorf("%s allows %s: %v", where, s, st)
					}
				}
			}
		}
		ids := fx.runtimeIDs(t)
		tenantID, _ := fx.tenantRole(t, env)
		for _, role := range []string{ids.webhookRole, ids.workerRole, tenantID} {
			doc := fx.rolePolicy(t, role)
			for _, tb := range fx.stack.Data().Tables() {
				arn := getAtt(fx.logicalID(t, tb), "Arn")
				denied := false
				for _, st := range docStatements(doc) {
					if st["Effect"] == "Deny" && stmtAllows(st, "dynamodb:Scan", arn) && stmtAllows(st, "dynamodb:PartiQLSelect", arn) {
						denied = true
					}
				}
				if !denied {
					t.Errorf("role %s is not denied Scan and PartiQL on %s", role, *tb.Node().Id())
				}
			}
		}
	})
}

// The data key's policy: the account administers the key but cannot use it; the stack's roles
// use it through DynamoDB, SQS and Secrets Manager only; the logs service only for the stack's
// log groups.
func TestDataKeyPolicyAdmitsOnlyWhoNeedsIt(t *testing.T) {
	forEachEnv(t, func(t *testing.T, fx *fixture, env string) {
		key := props(fx.resourcesOf("AWS::KMS::Key")[fx.keyID])
		statements := docStatements(key["KeyPolicy"])
		bySid := map[string]map[string]any{}
		for _, st := range statements {
			sid, _ := st["Sid"].(string)
			bySid[sid] = st
			if st["Effect"] != "Allow" {
				continue
			}
			for _, a := range list(st["Action"]) {
				if a == "kms:*" {
					t.Errorf("statement %s allows kms:*", sid)
				}
			}
			principal := cdktest.JSON(t, st["Principal"])
			cond := cdktest.JSON(t, st["Condition"])
			if strings.Contains(principal, ":root") && !strings.Contains(cond, "kms:ViaService") {
				for _, use := range []string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom"} {
					for _, a := range list(st["Action"]) {
						if actionMatches(a.(string), use) {
							t.Errorf("statement %s gives the account %s without kms:ViaService", sid, use)
						}
					}
				}
			}
		}
		admin := bySid["KeyAdministration"]
		if admin == nil || len(list(admin["Action"])) != 14 || admin["Condition"] != nil {
			t.Errorf("KeyAdministration = %v, want the 14 administration actions", admin)
		}
		use := bySid["StackRolesThroughServices"]
		if use == nil {
			t.Fatal("no StackRolesThroughServices statement")
		}
		var roles []any
		for id := range fx.resourcesOf("AWS::IAM::Role") {
			roles = append(roles, getAtt(id, "Arn"))
		}
		principals := list(use["Principal"].(map[string]any)["AWS"])
		if len(principals) != len(roles) {
			t.Errorf("key users %v, want every role of the stack %v", principals, roles)
		}
		for _, r := range roles {
			if !slices.ContainsFunc(principals, func(p any) bool { return jsonEqual(p, r) }) {
				t.Errorf("role %v may not use the data key", r)
			}
		}
		if c := cdktest.JSON(t, use["Condition"]); !strings.Contains(c, "dynamodb.") || !strings.Contains(c, "sqs.") || !strings.Contains(c, "secretsmanager.") {
			t.Errorf("StackRolesThroughServices condition %s, want kms:ViaService of the three services", c)
		}
		logs := bySid["CloudWatchLogs"]
		if c := cdktest.JSON(t, logs["Condition"]); !strings.Contains(c, "kms:EncryptionContext:aws:logs:arn") ||
			!strings.Contains(c, resourcenames.LogGroupPrefix(env)) {
			t.Errorf("CloudWatchLogs condition %s, want the stack's log groups in the encryption context", c)
		}
		// The key admits log groups by name: every log group is named under the prefix (one
		// without a name gets CloudFormation's, which the key would refuse).
		for id, lg := range fx.resourcesOf(logGroupType) {
			if name, _ := props(lg)["LogGroupName"].(string); !strings.HasPrefix(name, resourcenames.LogGroupPrefix(env)) {
				t.Errorf("log group %s is named %s, outside %s: the key would refuse it", id, name, resourcenames.LogGroupPrefix(env))
			}
		}
	})
}

func TestFunctionsAreTracedByXRay(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	ids := fx.runtimeIDs(t)
	for _, fn := range []string{ids.webhook, ids.worker} {
		fx.hasResource(t, functionType, fn, map[string]any{"TracingConfig": map[string]any{"Mode": "Active"}})
	}
}

// prefixed is DynamoDB actions with their service prefix.
func prefixed(actions []string) []string {
	out := make([]string, len(actions))
	for i, a := range actions {
		out[i] = "dynamodb:" + a
	}
	return out
}
