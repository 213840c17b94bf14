package inboundqueue

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// ReceiveAPI is the slice of SQS the poller calls.
type ReceiveAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

// Record is one received message, as Lambda's SQS event gives it.
type Record struct {
	ID            string // the message id (what a batch response reports as failed)
	Body          string
	ReceiptHandle string
}

// BatchFunc processes a batch and returns the ids of the messages that failed.
type BatchFunc func(ctx context.Context, records []Record) (failed []string)

// Poller consumes a queue the way Lambda's SQS event source does: batches of up to ten,
// successes deleted, failures left for redelivery (after RetryDelay) and, past the queue's
// maxReceiveCount, moved to its dead-letter queue by SQS.
type Poller struct {
	API        ReceiveAPI
	URL        string
	Process    BatchFunc
	Logger     *slog.Logger
	Wait       time.Duration // long-poll wait; default 1s
	RetryDelay time.Duration // pause before a retry; default 2s
	Attempts   int           // in-process attempts before a batch's failures go back to the queue; default 3
}

// Run polls until ctx ends.
func (p *Poller) Run(ctx context.Context) {
	wait := p.Wait
	if wait == 0 {
		wait = time.Second
	}
	for ctx.Err() == nil {
		out, err := p.API.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(p.URL),
			MaxNumberOfMessages:         10,
			WaitTimeSeconds:             int32(wait / time.Second),
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		})
		if err != nil {
			if ctx.Err() == nil {
				p.Logger.WarnContext(ctx, "receive from the inbound queue failed", "error", err)
				sleep(ctx, time.Second)
			}
			continue
		}
		if len(out.Messages) == 0 {
			if wait < time.Second {
				sleep(ctx, wait)
			}
			continue
		}
		if failed := p.handle(ctx, out.Messages); failed > 0 {
			// The emulator does not hold back a FIFO group while one of its messages waits
			// for a retry, as SQS does: wait until the failed messages are visible again so
			// a later message of the same customer cannot overtake them.
			sleep(ctx, p.retryDelay())
		}
	}
}

func (p *Poller) retryDelay() time.Duration {
	if p.RetryDelay == 0 {
		return 2 * time.Second
	}
	return p.RetryDelay
}

func (p *Poller) handle(ctx context.Context, msgs []types.Message) int {
	pending := make([]Record, len(msgs))
	for i, m := range msgs {
		pending[i] = Record{ID: aws.ToString(m.MessageId), Body: aws.ToString(m.Body), ReceiptHandle: aws.ToString(m.ReceiptHandle)}
	}
	// Use a context that outlives a shutdown signal: a processed message must be deleted.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for attempt := 1; ; attempt++ {
		failed := map[string]bool{}
		for _, id := range p.Process(ctx, pending) {
			failed[id] = true
		}
		var again []Record
		for _, r := range pending {
			if failed[r.ID] {
				again = append(again, r)
				continue
			}
			if _, err := p.API.DeleteMessage(cctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(p.URL), ReceiptHandle: aws.String(r.ReceiptHandle)}); err != nil {
				p.Logger.WarnContext(ctx, "could not delete a processed message", "messageId", r.ID, "error", err)
			}
		}
		if len(again) == 0 {
			return 0
		}
		pending = again
		// Retry here, in order, while we still hold the messages: the emulator does not
		// redeliver a FIFO group's messages in their original order, as SQS does.
		if attempt >= p.inProcessAttempts() || ctx.Err() != nil {
			break
		}
		sleep(ctx, p.retryDelay())
	}
	// Give up for now: SQS redelivers them and, past maxReceiveCount, parks them in the DLQ.
	for _, r := range pending {
		if _, err := p.API.ChangeMessageVisibility(cctx, &sqs.ChangeMessageVisibilityInput{
			QueueUrl: aws.String(p.URL), ReceiptHandle: aws.String(r.ReceiptHandle),
			VisibilityTimeout: int32(p.retryDelay() / time.Second),
		}); err != nil {
			p.Logger.WarnContext(ctx, "could not schedule a retry", "messageId", r.ID, "error", err)
		}
	}
	return len(pending)
}

func (p *Poller) inProcessAttempts() int {
	if p.Attempts == 0 {
		return 3
	}
	return p.Attempts
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
