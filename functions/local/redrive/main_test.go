package main

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/wabot-platform/wabot/shared/dev/emulator/emulatortest"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseArgs(t *testing.T) {
	o, err := parseArgs(nil, env(nil), io.Discard)
	if err != nil || o.aws || o.env != "dev" || o.endpoint != "http://127.0.0.1:4566" || o.dedupWindow != 5*time.Minute+10*time.Second {
		t.Errorf("defaults: %+v, %v", o, err)
	}
	o, err = parseArgs(nil, env(map[string]string{"WABOT_AWS_ENDPOINT": "http://127.0.0.1:5000/"}), io.Discard)
	if err != nil || o.endpoint != "http://127.0.0.1:5000" {
		t.Errorf("WABOT_AWS_ENDPOINT: %+v, %v", o, err)
	}
	o, err = parseArgs([]string{"-aws", "-env", "prod"}, env(map[string]string{"WABOT_AWS_ENDPOINT": "http://127.0.0.1:5000"}), io.Discard)
	if err != nil || !o.aws || o.endpoint != "" || o.env != "prod" {
		t.Errorf("-aws: %+v, %v", o, err)
	}
	for _, args := range [][]string{{"-env", "qa"}, {"-aws", "-endpoint", "http://x"}, {"-max", "0"}, {"extra"}} {
		if _, err := parseArgs(args, env(nil), io.Discard); err == nil {
			t.Errorf("parseArgs(%q) succeeded", args)
		}
	}
}

// fifo creates a FIFO queue of its own in the emulator.
func fifo(t *testing.T, c *sqs.Client, name string) string {
	t.Helper()
	out, err := c.CreateQueue(context.Background(), &sqs.CreateQueueInput{
		QueueName: aws.String(name + "-" + emulatortest.UniqueSuffix(t) + ".fifo"), Attributes: map[string]string{"FifoQueue": "true"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.QueueUrl)
}

type sentMsg struct{ body, group, dedup string }

// receiveAll drains url, returning the messages in the order received.
func receiveAll(t *testing.T, c *sqs.Client, url string) []sentMsg {
	t.Helper()
	var out []sentMsg
	for empty := 0; empty < 2; {
		o, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 0,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(o.Messages) == 0 {
			empty++
			continue
		}
		for _, m := range o.Messages {
			out = append(out, sentMsg{aws.ToString(m.Body), m.Attributes["MessageGroupId"], m.Attributes["MessageDeduplicationId"]})
			if _, err := c.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

func TestRedriveKeepsGroupsDedupIdsAndOrder(t *testing.T) {
	c := sqs.NewFromConfig(emulatortest.Config(t))
	dlq, inbound := fifo(t, c, "redrive-dlq"), fifo(t, c, "redrive-in")
	var want []sentMsg
	for i := 0; i < 14; i++ { // more than one receive's worth, three customers interleaved
		g := fmt.Sprintf("demo-burger|whatsapp:+551190000000%d", i%3)
		sid := fmt.Sprintf("SM%032d", i)
		m := sentMsg{body: fmt.Sprintf(`{"v":1,"messageSid":%q,"n":%d}`, sid, i), group: g, dedup: sid}
		if _, err := c.SendMessage(context.Background(), &sqs.SendMessageInput{
			QueueUrl: aws.String(dlq), MessageBody: aws.String(m.body), MessageGroupId: aws.String(m.group), MessageDeduplicationId: aws.String(m.dedup),
		}); err != nil {
			t.Fatal(err)
		}
		want = append(want, m)
	}

	// Just queued: inside SQS's deduplication interval, every message is held.
	r := &redriver{api: c, from: dlq, to: inbound, now: time.Now, hold: 5 * time.Minute, max: 1000, log: io.Discard}
	res, err := r.run(context.Background())
	if err != nil || res.Moved != 0 || res.Held == 0 {
		t.Fatalf("young messages: %+v, %v", res, err)
	}

	r.hold = 0
	res, err = r.run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Moved != len(want) || res.Groups != 3 || res.Held != 0 {
		t.Errorf("result %+v, want %d moved in 3 groups", res, len(want))
	}
	if left := receiveAll(t, c, dlq); len(left) != 0 {
		t.Errorf("the dead-letter queue still holds %v", left)
	}
	got := receiveAll(t, c, inbound)
	if len(got) != len(want) {
		t.Fatalf("inbound got %d messages, want %d: %v", len(got), len(want), got)
	}
	// Per group, the original order, with the group and deduplication ids kept.
	perGroup := func(ms []sentMsg) map[string][]sentMsg {
		out := map[string][]sentMsg{}
		for _, m := range ms {
			out[m.group] = append(out[m.group], m)
		}
		return out
	}
	wg, gg := perGroup(want), perGroup(got)
	for g, ms := range wg {
		if fmt.Sprint(ms) != fmt.Sprint(gg[g]) {
			t.Errorf("group %s:\n got %v\nwant %v", g, gg[g], ms)
		}
	}
}

func TestTooYoung(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	r := &redriver{now: func() time.Time { return now }, hold: 5 * time.Minute}
	const sid = "SM0123456789abcdef0123456789abcdef"
	msg := func(sent time.Time, dedup, body string) types.Message {
		return types.Message{Body: aws.String(body), Attributes: map[string]string{
			"SentTimestamp": fmt.Sprint(sent.UnixMilli()), "MessageDeduplicationId": dedup}}
	}
	body := func(received time.Time) string {
		return `{"v":1,"messageSid":"` + sid + `","receivedAt":"` + received.Format(time.RFC3339) + `"}`
	}
	cases := []struct {
		name string
		m    types.Message
		want bool
	}{
		{"queued by the webhook a minute ago", msg(now.Add(-time.Minute), sid, body(now.Add(-time.Minute))), true},
		{"queued by the webhook an hour ago", msg(now.Add(-time.Hour), sid, body(now.Add(-time.Hour))), false},
		// Parked a minute ago (SentTimestamp) but accepted by the webhook an hour ago: the
		// inbound queue saw the MessageSid then.
		{"parked now, accepted long ago", msg(now.Add(-time.Minute), sid, body(now.Add(-time.Hour))), false},
		// A receivedAt after SentTimestamp (a clock set ahead) is not trusted.
		{"receivedAt in the future", msg(now.Add(-time.Minute), sid, body(now.Add(time.Hour))), true},
		// SQS replaces the deduplication id when it moves a message; the worker parks with
		// its own: the inbound queue never saw those.
		{"another deduplication id", msg(now.Add(-time.Minute), "b7a1c0de-0000-4000-8000-000000000000", body(now.Add(-time.Minute))), false},
		{"not a message of the contract", msg(now.Add(-time.Minute), sid, "not json"), false},
	}
	for _, c := range cases {
		if got := r.tooYoung(c.m); got != c.want {
			t.Errorf("%s: tooYoung = %v, want %v", c.name, got, c.want)
		}
	}
	r.hold = 0
	if r.tooYoung(cases[0].m) {
		t.Error("hold 0 holds nothing")
	}
}
