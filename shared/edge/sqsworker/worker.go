// Package sqsworker runs the conversation worker over batches from the inbound FIFO queue.
// A batch holds messages of several customers; each customer's messages must be handled in
// order, one at a time.
//
// The messages of one customer (one FIFO group: brand + sender) in a batch are one burst:
// they are handed to the engine together and make one turn with one answer, so a customer
// who types "oi", "quero uma pizza", "calabresa grande" in three quick messages gets one
// reply, not three. The window is the batch: SQS hands a FIFO group's waiting messages to
// one invocation together (up to the batch size of 10), so messages that queued while the
// previous turn ran are merged; Lambda's batching window does not apply to FIFO queues.
//
// Bursts run in the order their first message appears. On the first failure the rest of the
// batch is not attempted and is reported failed with it, as Lambda's partial batch response
// requires for FIFO queues: a later message of the same customer must never overtake an
// earlier one that failed.
package sqsworker

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/inboundqueue"
)

// HandleFunc processes a burst: one customer's messages to one brand, in order
// (conversation.Service.HandleBurst).
type HandleFunc func(ctx context.Context, msgs []domain.InboundMessage) error

// Worker processes batches.
type Worker struct {
	handle HandleFunc
	log    *slog.Logger
}

// New returns a worker that hands each burst to handle.
func New(handle HandleFunc, log *slog.Logger) *Worker {
	if log == nil {
		log = slog.Default()
	}
	return &Worker{handle: handle, log: log}
}

// burst is the records of one customer in a batch, in order; an undecodable record is a
// burst of its own with err set.
type burst struct {
	ids  []string
	msgs []domain.InboundMessage
	err  error
}

// bursts groups records by FIFO group, in the order each group first appears.
func (w *Worker) bursts(ctx context.Context, records []inboundqueue.Record) []*burst {
	var out []*burst
	byGroup := map[string]*burst{}
	for _, r := range records {
		m, err := inboundqueue.Decode(r.Body)
		if err != nil {
			w.log.ErrorContext(ctx, "inbound message cannot be decoded", "messageId", r.ID, "error", err)
			out = append(out, &burst{ids: []string{r.ID}, err: err})
			continue
		}
		g := inboundqueue.GroupID(m.ClientID, m.From)
		b, ok := byGroup[g]
		if !ok {
			b = &burst{}
			byGroup[g] = b
			out = append(out, b)
		}
		b.ids = append(b.ids, r.ID)
		b.msgs = append(b.msgs, m)
	}
	return out
}

// Process handles records burst by burst and returns the ids of the records of the first
// failed burst and of every burst after it. A record that cannot be decoded fails too: after
// the queue's maxReceiveCount it is parked in the dead-letter queue, whose alarm calls an
// operator.
func (w *Worker) Process(ctx context.Context, records []inboundqueue.Record) []string {
	bs := w.bursts(ctx, records)
	for i, b := range bs {
		if err := w.one(ctx, b); err != nil {
			var failed []string
			for _, rest := range bs[i:] {
				failed = append(failed, rest.ids...)
			}
			return failed
		}
	}
	return nil
}

func (w *Worker) one(ctx context.Context, b *burst) error {
	if b.err != nil {
		return b.err
	}
	m := b.msgs[len(b.msgs)-1]
	ctx = domain.NewContextWithTenant(ctx, m.ClientID)
	if err := w.handle(ctx, b.msgs); err != nil {
		w.log.ErrorContext(ctx, "inbound messages failed; they will be retried",
			"clientId", m.ClientID, "messageSid", m.MessageSid, "messages", len(b.msgs), "from", domain.Mask(m.From), "error", err)
		return err
	}
	return nil
}

// HandleSQSEvent is the Lambda entry point: SQS event in, partial batch response out
// (the event source mapping has ReportBatchItemFailures on).
func (w *Worker) HandleSQSEvent(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	records := make([]inboundqueue.Record, len(ev.Records))
	for i, r := range ev.Records {
		records[i] = inboundqueue.Record{ID: r.MessageId, Body: r.Body, ReceiptHandle: r.ReceiptHandle}
	}
	var resp events.SQSEventResponse
	for _, id := range w.Process(ctx, records) {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: id})
	}
	return resp, nil
}
