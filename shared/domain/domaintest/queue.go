package domaintest

import (
	"context"
	"sync"

	"github.com/wabot-platform/wabot/shared/domain"
)

// Queue is an in-memory domain.InboundQueue for tests of the code that enqueues (the
// webhooks). Like the SQS adapter, which sends with the brand's own session, it refuses a
// message whose brand is not the tenant in the context (EFORBIDDEN; platform scope is not
// enough). Unlike SQS it does not deduplicate: it records every message it is given, so a
// test sees a double enqueue that the queue's deduplication window would hide.
//
// It is safe for concurrent use; the zero value is an empty queue.
type Queue struct {
	mu   sync.Mutex
	msgs []domain.InboundMessage
	err  error
}

var _ domain.InboundQueue = (*Queue)(nil)

// Enqueue implements domain.InboundQueue.
func (q *Queue) Enqueue(ctx context.Context, m domain.InboundMessage) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if t := domain.TenantFromContext(ctx); t != m.ClientID {
		return domain.Errorf(domain.EFORBIDDEN, "queue: tenant %q in context, message of client %q", t, m.ClientID)
	}
	if q.err != nil {
		return q.err
	}
	q.msgs = append(q.msgs, m)
	return nil
}

// FailWith makes every later Enqueue of a message of the context's tenant fail with err, as
// when the queue is unreachable; nil makes it work again.
func (q *Queue) FailWith(err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.err = err
}

// Messages returns the messages enqueued, in order.
func (q *Queue) Messages() []domain.InboundMessage {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]domain.InboundMessage(nil), q.msgs...)
}

// Len returns how many messages were enqueued.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.msgs)
}

// Group returns the messages of one FIFO group, in order: those of the brand's customer
// from (the inbound queue groups by brand and customer).
func (q *Queue) Group(clientID, from string) []domain.InboundMessage {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []domain.InboundMessage
	for _, m := range q.msgs {
		if m.ClientID == clientID && m.From == from {
			out = append(out, m)
		}
	}
	return out
}
