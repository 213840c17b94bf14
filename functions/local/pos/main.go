// Command pos prints what a store's point of sale would receive from the local stack: the
// order events on the store's FIFO queue in `make dev`'s emulator, as pretty JSON, one after
// another, WITHOUT consuming them. `make pos STORE=<clientId>/<storeId>` runs it.
//
// Why not ReceiveMessage: every receive, even with a visibility timeout of 0, counts toward
// the queue's redrive maxReceiveCount (5), so a few peeks would move a store's orders to its
// dead-letter queue. Instead it reads the emulator's state dump (moto's
// GET /moto-api/data.json), which lists every SQS message moto created, with body, group id,
// deduplication id and receive count, but not its queue and not whether it is still there.
// So the messages are chosen by their body (clientId and storeId, which the publisher always
// writes), one per message id, without the copies SQS discarded as duplicates; and the queue's
// own counters (GetQueueAttributes, which consumes nothing) are printed next to them so a
// difference shows. See docs/pos-contract.md, "Trying it locally".
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/dev/emulator"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

const (
	// dedupWindow is SQS's deduplication interval: a second message with the same
	// deduplication id within it is accepted by SendMessage and never delivered.
	dedupWindow = 5 * time.Minute
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "pos:", err)
		os.Exit(1)
	}
}

// options are the command's inputs.
type options struct {
	clientID, storeID string
	endpoint          string
	env               string
}

// parseArgs reads -store clientId/storeId (required), -endpoint (default
// WABOT_AWS_ENDPOINT, else http://127.0.0.1:${WABOT_EMULATOR_PORT:-4566}) and -env (dev).
func parseArgs(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("pos", flag.ContinueOnError)
	fs.SetOutput(stderr)
	store := fs.String("store", "", "the store, as <clientId>/<storeId> (e.g. demo-burger/vila-madalena)")
	endpoint := fs.String("endpoint", "", "the emulator's URL (default: WABOT_AWS_ENDPOINT, else http://127.0.0.1:${WABOT_EMULATOR_PORT:-4566})")
	env := fs.String("env", resourcenames.EnvDev, "the environment whose queue names to use")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	o := options{endpoint: *endpoint, env: *env}
	var err error
	if o.clientID, o.storeID, err = parseStore(*store); err != nil {
		return options{}, err
	}
	if !resourcenames.ValidEnv(o.env) {
		return options{}, fmt.Errorf("-env %q is not one of %v", o.env, resourcenames.Environments)
	}
	o.endpoint = emulator.Endpoint(o.endpoint, getenv)
	return o, nil
}

// parseStore splits "clientId/storeId" and checks both ids.
func parseStore(s string) (clientID, storeID string, err error) {
	clientID, storeID, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok || strings.Contains(storeID, "/") {
		return "", "", fmt.Errorf("-store %q: want <clientId>/<storeId>, e.g. demo-burger/vila-madalena", s)
	}
	if err := resourcenames.ValidateID("clientId", clientID); err != nil {
		return "", "", fmt.Errorf("-store: %w", err)
	}
	if err := resourcenames.ValidateID("storeId", storeID); err != nil {
		return "", "", fmt.Errorf("-store: %w", err)
	}
	return clientID, storeID, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseArgs(args, getenv, stderr)
	if err != nil {
		return err
	}
	cfg, err := awsclients.Load(ctx, awsclients.Options{Endpoint: o.endpoint, Region: emulator.Region})
	if err != nil {
		return err
	}
	client := sqs.NewFromConfig(cfg)
	queueName := resourcenames.StoreOrderQueue(o.env, o.clientID, o.storeID)
	url, err := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(queueName)})
	if err != nil {
		var missing *types.QueueDoesNotExist
		if errors.As(err, &missing) {
			return fmt.Errorf("no queue %s at %s: is the store in the dev template, and did `make dev` create it?", queueName, o.endpoint)
		}
		return fmt.Errorf("find queue %s at %s (is `make dev` running?): %w", queueName, o.endpoint, err)
	}
	counts, err := queueCounts(ctx, client, aws.ToString(url.QueueUrl))
	if err != nil {
		return err
	}
	dlqNote := ""
	if dlq, err := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(resourcenames.StoreOrderDLQ(o.env, o.clientID, o.storeID))}); err == nil {
		if c, err := queueCounts(ctx, client, aws.ToString(dlq.QueueUrl)); err == nil {
			dlqNote = fmt.Sprintf(", %d in the dead-letter queue", c.total())
		}
	}
	dump, err := fetchDump(ctx, o.endpoint)
	if err != nil {
		return err
	}
	msgs, err := selectMessages(dump, o.clientID, o.storeID)
	if err != nil {
		return err
	}
	if err := write(stdout, stderr, msgs); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "# %d order event(s) published to %s/%s; the queue reports %d waiting, %d received and not yet deleted, %d delayed%s\n",
		len(msgs), o.clientID, o.storeID, counts.visible, counts.inFlight, counts.delayed, dlqNote)
	if len(msgs) != counts.total() {
		fmt.Fprintln(stderr, "# the numbers differ: some events above were already consumed (received and deleted) or moved to the dead-letter queue; the emulator's dump does not say which")
	}
	return nil
}

// counts are a queue's approximate message counters.
type counts struct{ visible, inFlight, delayed int }

func (c counts) total() int { return c.visible + c.inFlight + c.delayed }

// queueCounts reads a queue's counters; GetQueueAttributes receives nothing, so it never
// counts toward maxReceiveCount.
func queueCounts(ctx context.Context, client *sqs.Client, url string) (counts, error) {
	out, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{
			types.QueueAttributeNameApproximateNumberOfMessages,
			types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
			types.QueueAttributeNameApproximateNumberOfMessagesDelayed,
		},
	})
	if err != nil {
		return counts{}, fmt.Errorf("read the counters of %s: %w", url, err)
	}
	n := func(a types.QueueAttributeName) int { v, _ := strconv.Atoi(out.Attributes[string(a)]); return v }
	return counts{
		visible:  n(types.QueueAttributeNameApproximateNumberOfMessages),
		inFlight: n(types.QueueAttributeNameApproximateNumberOfMessagesNotVisible),
		delayed:  n(types.QueueAttributeNameApproximateNumberOfMessagesDelayed),
	}, nil
}

// fetchDump reads moto's state dump.
func fetchDump(ctx context.Context, endpoint string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/moto-api/data.json", nil)
	if err != nil {
		return nil, err
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("read the emulator's state at %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the emulator at %s answered %s to /moto-api/data.json: is it moto?", endpoint, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// dumpMessage is an SQS message as moto's state dump lists it.
type dumpMessage struct {
	ID              string `json:"id"`
	Body            string `json:"body"`
	GroupID         string `json:"group_id"`
	DedupID         string `json:"deduplication_id"`
	SentTimestamp   int64  `json:"sent_timestamp"` // epoch milliseconds
	ReceiveCount    int    `json:"approximate_receive_count"`
	SequenceNumber  string `json:"sequence_number"`
	firstOccurrence int    // position in the dump, for a stable order
}

// selectMessages picks from the dump the messages published to clientID/storeID, once each,
// in the order they were sent.
//
// The dump lists every message object moto created: each SendMessage (a discarded duplicate
// too), and a copy of a message per ReceiveMessage. Copies share the message id: keep the
// first. A discarded duplicate has an id of its own but the deduplication id of a message sent
// less than dedupWindow before it: drop it, as SQS did.
func selectMessages(dump []byte, clientID, storeID string) ([]dumpMessage, error) {
	var d struct {
		SQS struct {
			Message []dumpMessage `json:"Message"`
		} `json:"sqs"`
	}
	if err := json.Unmarshal(dump, &d); err != nil {
		return nil, fmt.Errorf("the emulator's state is not the JSON expected: %w", err)
	}
	seenID := map[string]bool{}
	firstSent := map[string]int64{} // deduplication id -> when the delivered message was sent
	var out []dumpMessage
	for i, m := range d.SQS.Message {
		if seenID[m.ID] || !forStore(m.Body, clientID, storeID) {
			continue
		}
		seenID[m.ID] = true
		if m.DedupID != "" {
			if t, ok := firstSent[m.DedupID]; ok && m.SentTimestamp-t < dedupWindow.Milliseconds() {
				continue
			}
			firstSent[m.DedupID] = m.SentTimestamp
		}
		m.firstOccurrence = i
		out = append(out, m)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].SentTimestamp != out[j].SentTimestamp {
			return out[i].SentTimestamp < out[j].SentTimestamp
		}
		return out[i].firstOccurrence < out[j].firstOccurrence
	})
	return out, nil
}

// forStore reports whether body is an order event of clientID/storeID.
func forStore(body, clientID, storeID string) bool {
	var env struct {
		ClientID string `json:"clientId"`
		StoreID  string `json:"storeId"`
	}
	return json.Unmarshal([]byte(body), &env) == nil && env.ClientID == clientID && env.StoreID == storeID
}

// write prints each message's body as indented JSON on stdout, preceded by a "#" line on
// stderr with what SQS knows of it, so stdout alone is a stream of JSON documents (jq-able).
func write(stdout, stderr io.Writer, msgs []dumpMessage) error {
	for _, m := range msgs {
		sent := time.UnixMilli(m.SentTimestamp).UTC().Format(time.RFC3339)
		fmt.Fprintf(stderr, "# sent %s  group %s  deduplication %s  received %d time(s)\n", sent, m.GroupID, m.DedupID, m.ReceiveCount)
		var buf bytes.Buffer
		if err := json.Indent(&buf, []byte(m.Body), "", "  "); err != nil {
			return fmt.Errorf("message %s: %w", m.ID, err)
		}
		buf.WriteByte('\n')
		if _, err := stdout.Write(buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}
