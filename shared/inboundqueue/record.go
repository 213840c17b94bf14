package inboundqueue

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/wabot-platform/wabot/shared/domain"
)

// Record is one received message, as Lambda's SQS event gives it.
type Record struct {
	ID            string // the message id (what a batch response reports as failed)
	Body          string
	ReceiptHandle string
	GroupID       string // MessageGroupId
	DedupID       string // MessageDeduplicationId
	ReceiveCount  int    // ApproximateReceiveCount: 1 on the first delivery
}

// RecordFromLambda is the record of a message of Lambda's SQS event.
func RecordFromLambda(m events.SQSMessage) Record {
	return recordOf(m.MessageId, m.Body, m.ReceiptHandle, m.Attributes)
}

// recordOf reads the system attributes SQS reports (both Lambda's event and ReceiveMessage
// use SQS's attribute names).
func recordOf(id, body, receipt string, attrs map[string]string) Record {
	n, _ := strconv.Atoi(attrs[string(types.MessageSystemAttributeNameApproximateReceiveCount)])
	return Record{
		ID: id, Body: body, ReceiptHandle: receipt,
		GroupID:      attrs[string(types.MessageSystemAttributeNameMessageGroupId)],
		DedupID:      attrs[string(types.MessageSystemAttributeNameMessageDeduplicationId)],
		ReceiveCount: n,
	}
}

// ConsumerAPI is the slice of SQS the worker calls beyond Lambda's own handling.
type ConsumerAPI interface {
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// Dead-letter attributes: why the worker parked a message (see Consumer.Park).
const (
	AttrError      = "wabotError"      // the error, without message content
	AttrErrorClass = "wabotErrorClass" // "permanent"
	AttrSourceID   = "wabotSourceMessageId"
	// maxErrorAttr bounds the error text kept on a parked message.
	maxErrorAttr = 512
)

// Consumer delays and parks records of the inbound queue (sqsworker.Queue).
type Consumer struct {
	API    ConsumerAPI
	URL    string // the inbound queue
	DLQURL string // its dead-letter queue
}

// maxVisibility is SQS's longest visibility timeout (12 hours).
const maxVisibility = 12 * time.Hour

// Delay implements sqsworker.Queue with ChangeMessageVisibility.
func (c *Consumer) Delay(ctx context.Context, r Record, d time.Duration) error {
	if c.URL == "" {
		return errors.New("queue: no inbound queue URL to change visibility on")
	}
	d = min(max(d, 0), maxVisibility)
	_, err := c.API.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl: aws.String(c.URL), ReceiptHandle: aws.String(r.ReceiptHandle),
		VisibilityTimeout: int32(d.Round(time.Second) / time.Second),
	})
	if err != nil {
		return fmt.Errorf("queue: change visibility: %w", err)
	}
	return nil
}

// Park implements sqsworker.Queue: it sends the record to the dead-letter queue as it came,
// with the error and its class as message attributes. The group is kept, so a redrive keeps
// the customer's order; the deduplication id is the record's own message id, which no other
// message has (the original's, a MessageSid, would be dropped by the inbound queue if the
// message were redriven within five minutes of its first send).
func (c *Consumer) Park(ctx context.Context, r Record, cause error) error {
	if c.DLQURL == "" {
		return errors.New("queue: no dead-letter queue URL")
	}
	group := r.GroupID
	if group == "" {
		group = "unknown"
	}
	text := "unknown error"
	if cause != nil {
		text = clipUTF8(cause.Error(), maxErrorAttr)
	}
	class := "transient"
	if domain.IsPermanent(cause) {
		class = "permanent"
	}
	_, err := c.API.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:               aws.String(c.DLQURL),
		MessageBody:            aws.String(r.Body),
		MessageGroupId:         aws.String(group),
		MessageDeduplicationId: aws.String(r.ID),
		MessageAttributes: map[string]types.MessageAttributeValue{
			AttrError:      {DataType: aws.String("String"), StringValue: aws.String(text)},
			AttrErrorClass: {DataType: aws.String("String"), StringValue: aws.String(class)},
			AttrSourceID:   {DataType: aws.String("String"), StringValue: aws.String(r.ID)},
		},
	})
	if err != nil {
		return fmt.Errorf("queue: send to the dead-letter queue: %w", err)
	}
	return nil
}

func clipUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
