package emulator_test

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/wabot-platform/wabot/shared/dev/emulator"
	"github.com/wabot-platform/wabot/shared/dev/emulator/emulatortest"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// rawTemplate reads the synthesized template as plain JSON, independently of the emulator
// package's parser, so the comparison below does not check the parser against itself.
func rawTemplate(t *testing.T) map[string]map[string]any {
	t.Helper()
	b, err := os.ReadFile(os.Getenv(emulatortest.TemplateEnv))
	if err != nil {
		t.Fatalf("read template (%s): %v", emulatortest.TemplateEnv, err)
	}
	var doc struct {
		Resources map[string]map[string]any
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Resources
}

func ofType(res map[string]map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range res {
		if r["Type"] == typ {
			out[id] = r["Properties"].(map[string]any)
		}
	}
	return out
}

// keys renders a KeySchema as "name:HASH,name:RANGE".
func keys(v any) string {
	var parts []string
	for _, k := range v.([]any) {
		m := k.(map[string]any)
		parts = append(parts, m["AttributeName"].(string)+":"+m["KeyType"].(string))
	}
	return strings.Join(parts, ",")
}

func jsonRoundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// renamer gives every resource a name of this test's own, keeping ".fifo" last.
func renamer(t *testing.T, tag string) func(string) string {
	suffix := "-" + tag + emulatortest.UniqueSuffix(t)
	return func(n string) string {
		if strings.HasSuffix(n, ".fifo") {
			return strings.TrimSuffix(n, ".fifo") + suffix + ".fifo"
		}
		return n + suffix
	}
}

// removeAtCleanup deletes what Apply created when the test ends.
func removeAtCleanup(t *testing.T, cfg aws.Config, res *emulator.Result) {
	t.Cleanup(func() {
		ctx := context.Background()
		db, q, sm := dynamodb.NewFromConfig(cfg), sqs.NewFromConfig(cfg), secretsmanager.NewFromConfig(cfg)
		for _, n := range res.Tables {
			_, _ = db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(n)})
		}
		for _, u := range res.Queues {
			_, _ = q.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(u)})
		}
		for _, n := range res.Secrets {
			_, _ = sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String(n), ForceDeleteWithoutRecovery: aws.Bool(true)})
		}
	})
}

// TestEmulatorMatchesDevTemplate applies the synthesized dev template to the emulator and
// checks that every table and queue there has exactly the template's shape.
func TestEmulatorMatchesDevTemplate(t *testing.T) {
	ctx := context.Background()
	cfg := emulatortest.Config(t)
	rename := renamer(t, "p")
	res, err := emulator.Apply(ctx, cfg, emulatortest.Template(t), emulator.Options{Rename: rename})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	removeAtCleanup(t, cfg, res)
	db := dynamodb.NewFromConfig(cfg)
	q := sqs.NewFromConfig(cfg)
	sm := secretsmanager.NewFromConfig(cfg)
	raw := rawTemplate(t)

	tables := ofType(raw, "AWS::DynamoDB::Table")
	if len(tables) != len(resourcenames.TablesFor(resourcenames.EnvDev).All()) {
		t.Fatalf("dev template has %d tables, want %d", len(tables), len(resourcenames.TablesFor(resourcenames.EnvDev).All()))
	}
	for id, p := range tables {
		name := rename(p["TableName"].(string))
		t.Run("table/"+p["TableName"].(string), func(t *testing.T) {
			out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
			if err != nil {
				t.Fatalf("%s (%s) is not in the emulator: %v", name, id, err)
			}
			got := jsonRoundTrip(t, out.Table.KeySchema)
			if keys(got) != keys(p["KeySchema"]) {
				t.Errorf("key schema: emulator %s, template %s", keys(got), keys(p["KeySchema"]))
			}
			if string(out.Table.BillingModeSummary.BillingMode) != p["BillingMode"] {
				t.Errorf("billing: emulator %s, template %v", out.Table.BillingModeSummary.BillingMode, p["BillingMode"])
			}
			wantIdx := map[string]string{}
			for _, g := range asList(p["GlobalSecondaryIndexes"]) {
				m := g.(map[string]any)
				wantIdx[m["IndexName"].(string)] = keys(m["KeySchema"]) + " " + m["Projection"].(map[string]any)["ProjectionType"].(string)
			}
			gotIdx := map[string]string{}
			for _, g := range out.Table.GlobalSecondaryIndexes {
				gotIdx[aws.ToString(g.IndexName)] = keys(jsonRoundTrip(t, g.KeySchema)) + " " + string(g.Projection.ProjectionType)
			}
			if !reflect.DeepEqual(gotIdx, wantIdx) {
				t.Errorf("indexes: emulator %v, template %v", gotIdx, wantIdx)
			}
			ttl, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
			if err != nil {
				t.Fatal(err)
			}
			wantTTL := ""
			if spec, ok := p["TimeToLiveSpecification"].(map[string]any); ok && spec["Enabled"] == true {
				wantTTL = spec["AttributeName"].(string)
			}
			gotTTL := ""
			if ttl.TimeToLiveDescription != nil && ttl.TimeToLiveDescription.TimeToLiveStatus == "ENABLED" {
				gotTTL = aws.ToString(ttl.TimeToLiveDescription.AttributeName)
			}
			if gotTTL != wantTTL {
				t.Errorf("TTL attribute: emulator %q, template %q", gotTTL, wantTTL)
			}
			pitr, err := db.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String(name)})
			if err != nil {
				t.Fatal(err)
			}
			wantPITR := p["PointInTimeRecoverySpecification"].(map[string]any)["PointInTimeRecoveryEnabled"] == true
			gotPITR := pitr.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus == "ENABLED"
			if gotPITR != wantPITR {
				t.Errorf("point-in-time recovery: emulator %v, template %v", gotPITR, wantPITR)
			}
		})
	}

	queues := ofType(raw, "AWS::SQS::Queue")
	if len(queues) == 0 {
		t.Fatal("dev template has no queues")
	}
	for id, p := range queues {
		name := rename(p["QueueName"].(string))
		t.Run("queue/"+p["QueueName"].(string), func(t *testing.T) {
			url, ok := res.Queues[name]
			if !ok {
				t.Fatalf("%s (%s) was not created", name, id)
			}
			attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
				QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll},
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range []string{"FifoQueue", "ContentBasedDeduplication", "VisibilityTimeout", "MessageRetentionPeriod"} {
				want, ok := p[a]
				if !ok {
					continue
				}
				if got := attrs.Attributes[a]; got != scalar(want) {
					t.Errorf("%s: emulator %q, template %q", a, got, scalar(want))
				}
			}
			rp, hasRedrive := p["RedrivePolicy"].(map[string]any)
			gotRP := attrs.Attributes["RedrivePolicy"]
			if !hasRedrive {
				if gotRP != "" {
					t.Errorf("emulator has a redrive policy %s the template lacks", gotRP)
				}
			} else {
				var got map[string]any
				if err := json.Unmarshal([]byte(gotRP), &got); err != nil {
					t.Fatalf("redrive policy %q: %v", gotRP, err)
				}
				dlqID := rp["deadLetterTargetArn"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
				dlqName := rename(queues[dlqID]["QueueName"].(string))
				if !strings.HasSuffix(scalar(got["deadLetterTargetArn"]), ":"+dlqName) {
					t.Errorf("dead-letter target: emulator %v, template %s", got["deadLetterTargetArn"], dlqName)
				}
				if scalar(got["maxReceiveCount"]) != scalar(rp["maxReceiveCount"]) {
					t.Errorf("maxReceiveCount: emulator %v, template %v", got["maxReceiveCount"], rp["maxReceiveCount"])
				}
			}
			tags, err := q.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: aws.String(url)})
			if err != nil {
				t.Fatal(err)
			}
			for _, tag := range asList(p["Tags"]) {
				m := tag.(map[string]any)
				if got := tags.Tags[m["Key"].(string)]; got != m["Value"] {
					t.Errorf("tag %s: emulator %q, template %q", m["Key"], got, m["Value"])
				}
			}
		})
	}
	if len(res.Queues) != len(queues) {
		t.Errorf("emulator got %d queues, template has %d", len(res.Queues), len(queues))
	}

	secrets := ofType(raw, "AWS::SecretsManager::Secret")
	var want, got []string
	for _, p := range secrets {
		want = append(want, rename(p["Name"].(string)))
	}
	for _, n := range res.Secrets {
		if _, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(n)}); err != nil {
			t.Errorf("secret %s: %v", n, err)
		}
		got = append(got, n)
	}
	sort.Strings(want)
	sort.Strings(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("secrets: emulator %v, template %v", got, want)
	}
}

// TestApplyIsIdempotent applies the template twice: a second `make dev` against a running
// emulator must work and keep what is there.
func TestApplyIsIdempotent(t *testing.T) {
	ctx := context.Background()
	cfg := emulatortest.Config(t)
	opts := emulator.Options{Rename: renamer(t, "i")}
	tmpl := emulatortest.Template(t)
	first, err := emulator.Apply(ctx, cfg, tmpl, opts)
	if err != nil {
		t.Fatal(err)
	}
	removeAtCleanup(t, cfg, first)
	sm := secretsmanager.NewFromConfig(cfg)
	if _, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId: aws.String(first.Secrets[0]), SecretString: aws.String(`{"kept":"yes"}`),
	}); err != nil {
		t.Fatal(err)
	}
	second, err := emulator.Apply(ctx, cfg, tmpl, opts)
	if err != nil {
		t.Fatalf("second apply: %v", err)
	}
	if !reflect.DeepEqual(first, second) {
		t.Errorf("second apply differs:\n%+v\n%+v", first, second)
	}
	v, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(first.Secrets[0])})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(v.SecretString) != `{"kept":"yes"}` {
		t.Errorf("second apply replaced a secret value: %s", aws.ToString(v.SecretString))
	}
}

func asList(v any) []any { l, _ := v.([]any); return l }

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

func TestEndpoint(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		explicit string
		env      map[string]string
		want     string
	}{
		{"", nil, "http://127.0.0.1:4566"},
		{"", map[string]string{"WABOT_EMULATOR_PORT": "4999"}, "http://127.0.0.1:4999"},
		{"", map[string]string{"WABOT_AWS_ENDPOINT": "http://127.0.0.1:5000/", "WABOT_EMULATOR_PORT": "4999"}, "http://127.0.0.1:5000"},
		{"http://h:1/", map[string]string{"WABOT_AWS_ENDPOINT": "http://127.0.0.1:5000"}, "http://h:1"},
	} {
		if got := emulator.Endpoint(tc.explicit, env(tc.env)); got != tc.want {
			t.Errorf("Endpoint(%q, %v) = %q, want %q", tc.explicit, tc.env, got, tc.want)
		}
	}
}
