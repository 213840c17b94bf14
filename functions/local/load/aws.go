package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/dynamo"
	"github.com/wabot-platform/wabot/shared/inboundqueue"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// records is the driver's view of the emulator: the queues it watches and the conversations
// it reads.
type records struct {
	sqs      *sqs.Client
	repos    *dynamo.Repositories
	inbound  string
	dlq      string
	stores   []storeQueue
	posMu    sync.Mutex
	pos      []posRecord
	posSeen  map[string]bool // SQS message ids already recorded (a redelivery is not a second message)
	posRedel int             // redeliveries of a message already recorded
}

type storeQueue struct {
	clientID, storeID string
	url, dlq          string
}

// posRecord is one message a store's POS received.
type posRecord struct {
	Store      string    `json:"store"` // clientId/storeId of the queue
	MessageID  string    `json:"messageId"`
	DedupID    string    `json:"dedupId"`
	OrderID    string    `json:"orderId"`
	EventType  string    `json:"eventType"`
	ClientID   string    `json:"clientId"`
	StoreID    string    `json:"storeId"`
	TotalCents int64     `json:"totalCents"`
	At         time.Time `json:"at"`
}

func newRecords(ctx context.Context, endpoint, env string) (*records, error) {
	awsCfg, err := awsclients.Load(ctx, awsclients.Options{Endpoint: endpoint, Region: "us-east-1"})
	if err != nil {
		return nil, err
	}
	// The driver's calls retry for longer than the SDK's default: it must ride out the
	// emulator's restart like the stack does.
	awsCfg.RetryMaxAttempts = 5
	repos, err := dynamo.New(resourcenames.TablesFor(env), dynamo.FromTenantClients(awsclients.NewStatic(awsCfg)))
	if err != nil {
		return nil, err
	}
	r := &records{sqs: sqs.NewFromConfig(awsCfg), repos: repos, posSeen: map[string]bool{}}
	if r.inbound, err = r.queueURL(ctx, resourcenames.InboundQueue(env)); err != nil {
		return nil, err
	}
	if r.dlq, err = r.queueURL(ctx, resourcenames.InboundDLQ(env)); err != nil {
		return nil, err
	}
	for _, t := range demo.Tenants() {
		for _, s := range t.Stores {
			q := storeQueue{clientID: s.ClientID, storeID: s.StoreID}
			if q.url, err = r.queueURL(ctx, resourcenames.StoreOrderQueue(env, s.ClientID, s.StoreID)); err != nil {
				return nil, err
			}
			if q.dlq, err = r.queueURL(ctx, resourcenames.StoreOrderDLQ(env, s.ClientID, s.StoreID)); err != nil {
				return nil, err
			}
			r.stores = append(r.stores, q)
		}
	}
	return r, nil
}

func (r *records) queueURL(ctx context.Context, name string) (string, error) {
	out, err := r.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		return "", fmt.Errorf("queue %s: %w", name, err)
	}
	return aws.ToString(out.QueueUrl), nil
}

// queueDepth is a queue's approximate counts: visible, in flight, delayed.
type queueDepth struct{ Visible, InFlight, Delayed int }

func (d queueDepth) Total() int { return d.Visible + d.InFlight + d.Delayed }

func (r *records) depth(ctx context.Context, url string) (queueDepth, error) {
	out, err := r.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{
		sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed,
	}})
	if err != nil {
		return queueDepth{}, err
	}
	n := func(k sqstypes.QueueAttributeName) int { v, _ := strconv.Atoi(out.Attributes[string(k)]); return v }
	return queueDepth{
		Visible:  n(sqstypes.QueueAttributeNameApproximateNumberOfMessages),
		InFlight: n(sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible),
		Delayed:  n(sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed),
	}, nil
}

// consumePOS plays the stores' points of sale until ctx ends: it receives each store queue's
// messages, records them and deletes them (moto's SQS slows down as a queue grows). An SQS
// message received again (its delete failed while the emulator was down) is recorded once.
func (r *records) consumePOS(ctx context.Context) {
	var wg sync.WaitGroup
	for _, q := range r.stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if _, err := r.receivePOS(ctx, q, 1); err != nil && ctx.Err() == nil {
					sleepCtx(ctx, 500*time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
}

// receivePOS receives once from q (long poll wait seconds) and returns how many messages came.
func (r *records) receivePOS(ctx context.Context, q storeQueue, wait int32) (int, error) {
	out, err := r.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(q.url), MaxNumberOfMessages: 10, WaitTimeSeconds: wait,
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
	})
	if err != nil {
		return 0, err
	}
	for _, m := range out.Messages {
		var body struct {
			EventType string `json:"eventType"`
			ClientID  string `json:"clientId"`
			StoreID   string `json:"storeId"`
			Order     struct {
				OrderID string `json:"orderId"`
				Amounts struct {
					TotalCents int64 `json:"totalCents"`
				} `json:"amounts"`
			} `json:"order"`
		}
		_ = json.Unmarshal([]byte(aws.ToString(m.Body)), &body)
		rec := posRecord{
			Store: q.clientID + "/" + q.storeID, MessageID: aws.ToString(m.MessageId),
			DedupID: m.Attributes[string(sqstypes.MessageSystemAttributeNameMessageDeduplicationId)],
			OrderID: body.Order.OrderID, EventType: body.EventType, ClientID: body.ClientID, StoreID: body.StoreID,
			TotalCents: body.Order.Amounts.TotalCents, At: time.Now(),
		}
		r.posMu.Lock()
		if r.posSeen[rec.MessageID] {
			r.posRedel++
		} else {
			r.posSeen[rec.MessageID] = true
			r.pos = append(r.pos, rec)
		}
		r.posMu.Unlock()
		// A failed delete leaves the message to come back: it is then recognised above.
		_, _ = r.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q.url), ReceiptHandle: m.ReceiptHandle})
	}
	return len(out.Messages), nil
}

// drainPOS receives what is left in the store queues until they are empty (or ctx ends).
func (r *records) drainPOS(ctx context.Context) error {
	for _, q := range r.stores {
		for {
			n, err := r.receivePOS(ctx, q, 0)
			if err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			d, err := r.depth(ctx, q.url)
			if err != nil {
				return err
			}
			if d.Total() == 0 {
				break
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			sleepCtx(ctx, 500*time.Millisecond)
		}
	}
	return nil
}

func (r *records) posRecords() ([]posRecord, int) {
	r.posMu.Lock()
	defer r.posMu.Unlock()
	return append([]posRecord(nil), r.pos...), r.posRedel
}

// poison is a message put on the inbound queue that no worker can ever process.
type poison struct {
	Kind      string `json:"kind"`
	Body      string `json:"body"`
	GroupID   string `json:"groupId"`
	MessageID string `json:"messageId"`
}

// injectPoison puts n poison messages on the inbound queue, each in the FIFO group of one of
// the given customers (clientId|from), so it sits in front of that customer's next messages:
// an undecodable body, a contract version no worker knows, a version 1 message without its
// required fields.
func (r *records) injectPoison(ctx context.Context, run string, n int, groups []string) ([]poison, error) {
	var out []poison
	for i := 0; i < n; i++ {
		p := poison{GroupID: groups[i%len(groups)]}
		tag := fmt.Sprintf("poison %s-%d", run, i)
		switch i % 3 {
		case 0:
			p.Kind, p.Body = "undecodable", "this is not JSON: "+tag
		case 1:
			p.Kind = "unknown contract version"
			b, _ := json.Marshal(map[string]any{"v": 99, "clientId": "demo-burger", "messageSid": "SM" + randomHex(16),
				"from": "whatsapp:+5511900000000", "to": demo.BurgerNumber, "body": tag})
			p.Body = string(b)
		default:
			p.Kind = "version 1 without its fields"
			b, _ := json.Marshal(map[string]any{"v": domain.InboundMessageVersion, "body": tag})
			p.Body = string(b)
		}
		var err error
		for attempt := 0; attempt < 20; attempt++ {
			var o *sqs.SendMessageOutput
			o, err = r.sqs.SendMessage(ctx, &sqs.SendMessageInput{
				QueueUrl: aws.String(r.inbound), MessageBody: aws.String(p.Body),
				MessageGroupId: aws.String(p.GroupID), MessageDeduplicationId: aws.String(fmt.Sprintf("poison-%s-%d", run, i)),
			})
			if err == nil {
				p.MessageID = aws.ToString(o.MessageId)
				break
			}
			sleepCtx(ctx, time.Second)
		}
		if err != nil {
			return out, fmt.Errorf("inject poison: %w", err)
		}
		out = append(out, p)
	}
	return out, nil
}

// dlqMessage is a message found in the inbound dead-letter queue.
type dlqMessage struct {
	MessageID string            `json:"messageId"`
	Body      string            `json:"body"`
	GroupID   string            `json:"groupId"`
	Attrs     map[string]string `json:"attributes,omitempty"` // message attributes (wabotError, wabotErrorClass)
}

// readDLQ returns every message in the inbound dead-letter queue, consuming nothing for good:
// each is received once with a visibility timeout longer than the read.
func (r *records) readDLQ(ctx context.Context) ([]dlqMessage, error) {
	var out []dlqMessage
	seen := map[string]bool{}
	for empty := 0; empty < 2; {
		o, err := r.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(r.dlq), MaxNumberOfMessages: 10, VisibilityTimeout: 300, WaitTimeSeconds: 1,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			return out, err
		}
		if len(o.Messages) == 0 {
			empty++
			continue
		}
		for _, m := range o.Messages {
			id := aws.ToString(m.MessageId)
			if seen[id] {
				continue
			}
			seen[id] = true
			d := dlqMessage{MessageID: id, Body: aws.ToString(m.Body), GroupID: m.Attributes[string(sqstypes.MessageSystemAttributeNameMessageGroupId)]}
			for k, v := range m.MessageAttributes {
				if d.Attrs == nil {
					d.Attrs = map[string]string{}
				}
				d.Attrs[k] = aws.ToString(v.StringValue)
			}
			out = append(out, d)
		}
	}
	return out, nil
}

// history returns the customer's conversation history as stored now (nil when there is no
// conversation).
func (r *records) history(ctx context.Context, clientID, phone string) ([]domain.HistoryEntry, error) {
	c, err := r.repos.GetConversation(domain.NewContextWithTenant(ctx, clientID), clientID, phone)
	if domain.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return c.MessageHistory, nil
}

// groupOf is a customer's FIFO group on the inbound queue.
func groupOf(clientID, phone string) string { return inboundqueue.GroupID(clientID, phone) }

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
