// Package sqsworker runs the conversation worker over batches from the inbound FIFO inboundqueue. A
// batch holds messages of several customers; each customer's messages must be handled in
// order, one at a time. On the first failure the rest of the batch is not attempted and is
// reported failed with it, as Lambda's partial batch response requires for FIFO queues: a
// later message of the same customer must never overtake an earlier one that failed.
package sqsworker

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/inboundqueue"
)

// HandleFunc processes one inbound message (conversation.Service.Handle).
type HandleFunc func(ctx context.Context, m domain.InboundMessage) error

// Worker processes batches.
type Worker struct {
	handle HandleFunc
	log    *slog.Logger
}

// New returns a worker that hands each message to handle.
func New(handle HandleFunc, log *slog.Logger) *Worker {
	if log == nil {
		log = slog.Default()
	}
	return &Worker{handle: handle, log: log}
}

// Process handles records in order and returns the ids of the first failed record and of
// every record after it. A record that cannot be decoded fails too: after the queue's
// maxReceiveCount it is parked in the dead-letter queue, whose alarm calls an operator.
func (w *Worker) Process(ctx context.Context, records []inboundqueue.Record) []string {
	for i, r := range records {
		if err := w.one(ctx, r); err != nil {
			failed := make([]string, 0, len(records)-i)
			for _, rest := range records[i:] {
				failed = append(failed, rest.ID)
			}
			return failed
		}
	}
	return nil
}

func (w *Worker) one(ctx context.Context, r inboundqueue.Record) error {
	m, err := inboundqueue.Decode(r.Body)
	if err != nil {
		w.log.ErrorContext(ctx, "inbound message cannot be decoded", "messageId", r.ID, "error", err)
		return err
	}
	ctx = domain.NewContextWithTenant(ctx, m.ClientID)
	if err := w.handle(ctx, m); err != nil {
		w.log.ErrorContext(ctx, "inbound message failed; it will be retried",
			"clientId", m.ClientID, "messageSid", m.MessageSid, "from", domain.Mask(m.From), "error", err)
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
