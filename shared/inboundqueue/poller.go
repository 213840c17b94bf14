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

// BatchFunc processes a batch and returns the ids of the messages that failed.
type BatchFunc func(ctx context.Context, records []Record) (failed []string)

// Poller consumes a queue the way Lambda's SQS event source does: batches of up to ten with
// their system attributes (group, receive count), successes deleted, failures left in the
// queue. When they come back is the worker's business (it sets their visibility to its
// backoff); SQS, and the emulator, hold a FIFO group back while one of its messages is in
// flight, and move a message to the dead-letter queue after maxReceiveCount receives.
type Poller struct {
	API     ReceiveAPI
	URL     string
	Process BatchFunc
	Logger  *slog.Logger
	Wait    time.Duration // long-poll wait; default 1s
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
		p.handle(ctx, out.Messages)
	}
}

func (p *Poller) handle(ctx context.Context, msgs []types.Message) {
	records := make([]Record, len(msgs))
	for i, m := range msgs {
		records[i] = recordOf(aws.ToString(m.MessageId), aws.ToString(m.Body), aws.ToString(m.ReceiptHandle), m.Attributes)
	}
	failed := map[string]bool{}
	for _, id := range p.Process(ctx, records) {
		failed[id] = true
	}
	for _, r := range records {
		if failed[r.ID] {
			continue
		}
		if err := p.delete(ctx, r); err != nil {
			// The emulator is down, say: keep trying in the background while the receipt is
			// valid, as Lambda's event source does, so a processed message does not come
			// back and have its replies sent again.
			p.Logger.WarnContext(ctx, "could not delete a processed message; retrying", "messageId", r.ID, "error", err)
			go p.deleteLater(ctx, r)
		}
	}
}

// deleteRetryFor bounds the retries of a delete: past the visibility timeout the receipt is
// stale anyway and the message is delivered again.
const deleteRetryFor = 5 * time.Minute

func (p *Poller) delete(ctx context.Context, r Record) error {
	// A context that outlives a shutdown signal: a processed message must be deleted.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_, err := p.API.DeleteMessage(cctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(p.URL), ReceiptHandle: aws.String(r.ReceiptHandle)})
	return err
}

func (p *Poller) deleteLater(ctx context.Context, r Record) {
	deadline := time.Now().Add(deleteRetryFor)
	for pause := time.Second; time.Now().Before(deadline); pause = min(2*pause, 15*time.Second) {
		time.Sleep(pause)
		if err := p.delete(ctx, r); err == nil {
			p.Logger.InfoContext(ctx, "processed message deleted after retrying", "messageId", r.ID)
			return
		}
	}
	p.Logger.ErrorContext(ctx, "could not delete a processed message: it will be delivered again", "messageId", r.ID)
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
