// Command redrive moves every message of the inbound dead-letter queue back to the inbound
// queue, for the worker to process again once the cause of the failures is fixed. It is
// `make redrive`:
//
//	make redrive                 the local emulator of `make dev` (WABOT_AWS_ENDPOINT, else
//	                             http://127.0.0.1:${WABOT_EMULATOR_PORT:-4566})
//	ENV=dev make redrive         the dev environment in AWS, with the default credential chain
//
// Each message is received from the dead-letter queue, sent to the inbound queue with the same
// body, MessageGroupId (the customer) and MessageDeduplicationId (the MessageSid), and only
// then deleted from the dead-letter queue. A FIFO queue hands out a group's messages in order
// and holds the rest of a group back while one is in flight, and the messages are moved one
// at a time in the order received, so each customer's messages go back in their order. A
// message that cannot be sent stops the run (nothing is deleted that was not sent); running
// again after its visibility timeout (30 s) carries on.
//
// SQS drops a message whose deduplication id the inbound queue saw in the last 5 minutes. The
// webhook queues each message with its MessageSid as deduplication id; a message still
// carrying that id in the dead-letter queue (the emulator keeps it when it moves a message;
// SQS replaces it with the original message id, and the worker parks with a fresh one) and
// queued less than -dedup-window ago (its SentTimestamp, or the webhook's receivedAt in the
// body) would be dropped: it is left in the dead-letter queue, with the rest of its group
// behind it, and counted as held; run again later. (The emulator only deduplicates against
// messages still in the queue, so locally -dedup-window 0 is safe.)
//
// A message processed more than 24 hours after the customer sent it is outside WhatsApp's
// window: the worker records it but sends no free-text reply (docs/runtime.md).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/dev/emulator"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

const (
	// visibility is how long a received message stays invisible while it is moved.
	visibility = 30
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "redrive:", err)
		os.Exit(1)
	}
}

type options struct {
	env         string
	endpoint    string // "" with -aws
	aws         bool
	dedupWindow time.Duration
	max         int
	dryRun      bool
}

func parseArgs(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("redrive", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.env, "env", resourcenames.EnvDev, "the environment whose queues to use (dev, staging, prod)")
	fs.BoolVar(&o.aws, "aws", false, "use AWS with the default credential chain instead of the local emulator")
	fs.StringVar(&o.endpoint, "endpoint", "", "the emulator's URL (default WABOT_AWS_ENDPOINT, else http://127.0.0.1:${WABOT_EMULATOR_PORT:-4566}); not with -aws")
	fs.DurationVar(&o.dedupWindow, "dedup-window", 5*time.Minute+10*time.Second, "leave messages queued less than this long ago (SQS's deduplication interval); 0: move them all")
	fs.IntVar(&o.max, "max", 100000, "move at most this many messages")
	fs.BoolVar(&o.dryRun, "dry-run", false, "list what would be moved; move nothing")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if !resourcenames.ValidEnv(o.env) {
		return o, fmt.Errorf("-env %q is not one of %v", o.env, resourcenames.Environments)
	}
	if o.max < 1 || o.dedupWindow < 0 {
		return o, errors.New("-max must be positive and -dedup-window not negative")
	}
	if o.aws {
		if o.endpoint != "" {
			return o, errors.New("-aws and -endpoint exclude each other")
		}
		return o, nil
	}
	o.endpoint = emulator.Endpoint(o.endpoint, getenv)
	return o, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseArgs(args, getenv, stderr)
	if err != nil {
		return err
	}
	lo := awsclients.Options{}
	where := "AWS (" + o.env + ")"
	if !o.aws {
		lo = awsclients.Options{Endpoint: o.endpoint, Region: emulator.Region}
		where = "the emulator at " + o.endpoint
	}
	cfg, err := awsclients.Load(ctx, lo)
	if err != nil {
		return err
	}
	client := sqs.NewFromConfig(cfg)
	url := func(name string) (string, error) {
		out, err := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
		if err != nil {
			return "", fmt.Errorf("queue %s in %s: %w", name, where, err)
		}
		return aws.ToString(out.QueueUrl), nil
	}
	r := &redriver{api: client, now: time.Now, hold: o.dedupWindow, max: o.max, dryRun: o.dryRun, log: stdout}
	if r.from, err = url(resourcenames.InboundDLQ(o.env)); err != nil {
		return err
	}
	if r.to, err = url(resourcenames.InboundQueue(o.env)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "redrive: %s -> %s in %s\n", resourcenames.InboundDLQ(o.env), resourcenames.InboundQueue(o.env), where)
	res, err := r.run(ctx)
	verb := "moved"
	if o.dryRun {
		verb = "would move"
	}
	fmt.Fprintf(stdout, "redrive: %s %d message(s) of %d customer(s)\n", verb, res.Moved, res.Groups)
	if res.Held > 0 {
		fmt.Fprintf(stdout, "redrive: %d message(s) held in the dead-letter queue: queued less than %s ago, SQS would drop them as duplicates (run again later, or -dedup-window 0 against the emulator)\n",
			res.Held, o.dedupWindow)
	}
	return err
}

// API is the slice of SQS the redriver calls.
type API interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

// redriver moves messages from one FIFO queue to another.
type redriver struct {
	api      API
	from, to string
	now      func() time.Time
	hold     time.Duration
	max      int
	dryRun   bool
	log      io.Writer
}

type result struct {
	Moved, Held, Groups int
}

// run moves messages until the dead-letter queue has nothing more to give (or max).
func (r *redriver) run(ctx context.Context) (result, error) {
	var res result
	groups := map[string]bool{}
	held := map[string]bool{} // groups left behind: their later messages stay too
	var release []string      // receipt handles to make visible again at the end
	defer func() {
		// Held (and, in a dry run, listed) messages go back to the queue at once.
		for _, h := range release {
			_, _ = r.api.ChangeMessageVisibility(context.WithoutCancel(ctx), &sqs.ChangeMessageVisibilityInput{
				QueueUrl: aws.String(r.from), ReceiptHandle: aws.String(h), VisibilityTimeout: 0,
			})
		}
	}()
	for empty := 0; empty < 2 && res.Moved < r.max; {
		out, err := r.api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(r.from), MaxNumberOfMessages: int32(min(10, r.max-res.Moved)), WaitTimeSeconds: 1,
			VisibilityTimeout:           visibility,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			return res, fmt.Errorf("receive from the dead-letter queue: %w", err)
		}
		if len(out.Messages) == 0 {
			empty++
			continue
		}
		empty = 0
		for _, m := range out.Messages {
			group := m.Attributes[string(types.MessageSystemAttributeNameMessageGroupId)]
			dedup := m.Attributes[string(types.MessageSystemAttributeNameMessageDeduplicationId)]
			if held[group] || r.tooYoung(m) {
				held[group] = true
				res.Held++
				release = append(release, aws.ToString(m.ReceiptHandle))
				continue
			}
			if !groups[group] {
				groups[group] = true
				res.Groups++
			}
			if r.dryRun {
				fmt.Fprintf(r.log, "  %s group %s dedup %s: %.80s\n", aws.ToString(m.MessageId), group, dedup, aws.ToString(m.Body))
				release = append(release, aws.ToString(m.ReceiptHandle))
				res.Moved++
				continue
			}
			in := &sqs.SendMessageInput{QueueUrl: aws.String(r.to), MessageBody: m.Body}
			if group != "" {
				in.MessageGroupId = aws.String(group)
			}
			if dedup != "" {
				in.MessageDeduplicationId = aws.String(dedup)
			}
			if _, err := r.api.SendMessage(ctx, in); err != nil {
				return res, fmt.Errorf("send %s (group %s) back to the inbound queue: %w; nothing after it was moved; run again in %d s", aws.ToString(m.MessageId), group, err, visibility)
			}
			if _, err := r.api.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(r.from), ReceiptHandle: m.ReceiptHandle}); err != nil {
				// It is back in the inbound queue; left here too, it would be moved twice
				// (the worker recognises a MessageSid it already recorded).
				return res, fmt.Errorf("delete %s from the dead-letter queue after moving it: %w", aws.ToString(m.MessageId), err)
			}
			res.Moved++
		}
		if r.dryRun && len(release) >= r.max {
			break
		}
	}
	return res, nil
}

// tooYoung reports whether m still carries the deduplication id the webhook queued it with
// (its MessageSid) and was queued within the deduplication window: sent again now, SQS would
// drop it as a duplicate of the webhook's send.
func (r *redriver) tooYoung(m types.Message) bool {
	if r.hold <= 0 {
		return false
	}
	var body struct {
		MessageSid string    `json:"messageSid"`
		ReceivedAt time.Time `json:"receivedAt"`
	}
	_ = json.Unmarshal([]byte(aws.ToString(m.Body)), &body)
	dedup := m.Attributes[string(types.MessageSystemAttributeNameMessageDeduplicationId)]
	if body.MessageSid == "" || dedup != body.MessageSid {
		return false // a deduplication id the inbound queue never saw
	}
	queued := time.Time{}
	if ms, err := strconv.ParseInt(m.Attributes[string(types.MessageSystemAttributeNameSentTimestamp)], 10, 64); err == nil {
		queued = time.UnixMilli(ms)
	}
	if !body.ReceivedAt.IsZero() && (queued.IsZero() || body.ReceivedAt.Before(queued)) {
		queued = body.ReceivedAt
	}
	return !queued.IsZero() && r.now().Sub(queued) < r.hold
}
