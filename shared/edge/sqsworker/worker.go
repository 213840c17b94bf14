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
// # Failures
//
// Bursts run in the order their first message appears, and a failure stays in its group: a
// burst that fails is reported failed (Lambda's partial batch response), with every record of
// its group, so no later message of that customer overtakes it, while other customers' bursts
// go on and are deleted. Errors are classified (domain.IsPermanent):
//
//   - transient (a throttle, a timeout, Twilio's 5xx or 429, the emulator restarting): the
//     records are failed and their visibility is set to a growing delay (Backoff), so the
//     group waits and retries rather than spinning; after the queue's maxReceiveCount SQS
//     moves them to the dead-letter queue.
//   - permanent (an undecodable record, a deleted brand or its credentials, Twilio refusing
//     the number): retrying cannot help, so the records are parked in the dead-letter queue
//     at once, with the error, and acknowledged; the group goes on; the customer gets an
//     apology where one can be sent; the claims are completed.
//
// # The deadline
//
// A Lambda is killed at its deadline. No burst is started with less than StopBefore left:
// the rest of the batch is reported failed untried and made visible again at once, so a
// fresh invocation takes it. The engine itself starts no reply with less than
// conversation.SendReserve left (a Twilio call is not interrupted by a context).
//
// # Flush
//
// After the last burst of a batch, handled, failed or left untried, the worker calls
// Deps.Flush once (the daily counters that are due: metrics.Daily.FlushDue), so what must be
// stored with the batch is, before Lambda may freeze the environment. It gets at most
// FlushTimeout and never runs into the deadline; its failure is logged and fails no record.
// Shutdown writes the rest (Deps.FlushAll) when the process ends.
package sqsworker

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/inboundqueue"
	"github.com/wabot-platform/wabot/shared/metrics"
)

// Defaults.
const (
	// DefaultStopBefore: no burst is started with less time than this before the deadline:
	// a turn's reads and writes (well under a second, or a few seconds of SDK retries), the
	// model's calls when the rules cannot read the message (conversation.DefaultModelTurnBudget,
	// 12 s) and conversation.SendReserve for its first reply.
	DefaultStopBefore = 32 * time.Second
	// DefaultClaimTTL is how long a completed MessageSid is remembered (the webhook's TTL).
	DefaultClaimTTL = 48 * time.Hour
	// DefaultFlushTimeout bounds the flush at the end of a batch: at most one write per
	// brand, store and day, made in parallel.
	DefaultFlushTimeout = 3 * time.Second
	// flushMargin is left between the flush's end and the deadline, for the response.
	flushMargin = 250 * time.Millisecond
)

// Backoff is the delay before a failed message is tried again: First after the first
// receive, times Factor for each further receive, at most Max, with ±20% jitter so groups
// that failed together do not retry in lockstep. With the defaults and maxReceiveCount 5 the
// tries are about 10 s, 30 s, 1.5 min and 4.5 min apart: an outage of a dependency of up to
// about 6 minutes costs delay, not the dead-letter queue.
type Backoff struct {
	First  time.Duration
	Factor float64
	Max    time.Duration
}

// DefaultBackoff is the backoff of the inbound queue.
var DefaultBackoff = Backoff{First: 10 * time.Second, Factor: 3, Max: 5 * time.Minute}

// Delay is the delay after the receiveCount-th receive failed (receiveCount >= 1).
func (b Backoff) Delay(receiveCount int) time.Duration {
	d := float64(b.First)
	for i := 1; i < receiveCount && d < float64(b.Max); i++ {
		d *= b.Factor
	}
	d = min(d, float64(b.Max))
	return time.Duration(d * (0.8 + 0.4*rand.Float64()))
}

// HandleFunc processes a burst: one customer's messages to one brand, in order
// (conversation.Service.HandleBurst).
type HandleFunc func(ctx context.Context, msgs []domain.InboundMessage) error

// Queue is what the worker asks of the inbound queue beyond Lambda's own handling.
type Queue interface {
	// Delay makes a received record visible again after d (0: at once).
	Delay(ctx context.Context, r inboundqueue.Record, d time.Duration) error
	// Park puts the record in the dead-letter queue with the reason it cannot be processed.
	Park(ctx context.Context, r inboundqueue.Record, cause error) error
}

// ClaimCompleter marks the webhook's MessageSid claims done (domain.IdempotencyRepository).
type ClaimCompleter interface {
	Complete(ctx context.Context, clientID string, keys []string, ttl time.Duration) error
}

// Deps are what the worker needs; Handle is required.
type Deps struct {
	Handle HandleFunc
	// Queue delays retries and parks poison; nil: failures wait for the queue's visibility
	// timeout, and permanent ones are retried until maxReceiveCount like transient ones.
	Queue Queue
	// Claims, when set, completes the claims of every burst processed or parked.
	Claims   ClaimCompleter
	ClaimTTL time.Duration // default DefaultClaimTTL
	// Apologize, when set, tells the customers of a burst that failed for good that their
	// message could not be handled (conversation.Service.Apologize).
	Apologize  func(ctx context.Context, msgs []domain.InboundMessage) error
	StopBefore time.Duration // default DefaultStopBefore
	Backoff    Backoff       // default DefaultBackoff
	Logger     *slog.Logger
	// Metrics counts metrics.Errors by brand: each burst that failed (transient or
	// permanent) and each record that cannot be decoded; nil counts nothing.
	Metrics metrics.Recorder
	// Flush, when set, is called once at the end of every batch, whatever happened to its
	// bursts (metrics.Daily.FlushDue: the daily counters that must be stored before Lambda
	// may freeze the environment). Its error is logged; no record fails for it.
	Flush func(ctx context.Context) error
	// FlushTimeout bounds Flush (default DefaultFlushTimeout); it is shortened to end before
	// the invocation's deadline, and Flush is skipped when there is no time left (what it
	// would have written waits for the next batch).
	FlushTimeout time.Duration
	// FlushAll, when set, is what Shutdown calls: everything the worker still holds
	// (metrics.Daily.Flush).
	FlushAll func(ctx context.Context) error
}

// Stats are the worker's counters since it started.
type Stats struct {
	Bursts        int64 // bursts handled successfully
	Transient     int64 // bursts failed with a transient error (retried after a backoff)
	Permanent     int64 // bursts or records failed for good
	Parked        int64 // records put in the dead-letter queue by the worker
	DeadlineStops int64 // invocations that stopped early to stay inside the deadline
	Flushes       int64 // flushes at the end of a batch that succeeded
	FlushFailures int64 // flushes that failed or were skipped for lack of time
}

type counters struct {
	bursts, transient, permanent, parked, deadlineStops, flushes, flushFailures atomic.Int64
}

// Worker processes batches. It is safe for concurrent use.
type Worker struct {
	d   Deps
	log *slog.Logger
	n   counters
}

// New returns a worker.
func New(d Deps) (*Worker, error) {
	if d.Handle == nil {
		return nil, errors.New("sqsworker: a handle function is required")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.ClaimTTL == 0 {
		d.ClaimTTL = DefaultClaimTTL
	}
	if d.StopBefore == 0 {
		d.StopBefore = DefaultStopBefore
	}
	if d.Backoff == (Backoff{}) {
		d.Backoff = DefaultBackoff
	}
	if d.FlushTimeout <= 0 {
		d.FlushTimeout = DefaultFlushTimeout
	}
	d.Metrics = metrics.Or(d.Metrics)
	return &Worker{d: d, log: d.Logger}, nil
}

// Stats returns the counters.
func (w *Worker) Stats() Stats {
	return Stats{Bursts: w.n.bursts.Load(), Transient: w.n.transient.Load(), Permanent: w.n.permanent.Load(),
		Parked: w.n.parked.Load(), DeadlineStops: w.n.deadlineStops.Load(),
		Flushes: w.n.flushes.Load(), FlushFailures: w.n.flushFailures.Load()}
}

// burst is one group's records in a batch, in order: msgs are the decodable ones, with recs
// their records; poison are the records that cannot be decoded, with why.
type burst struct {
	group  string
	recs   []inboundqueue.Record
	msgs   []domain.InboundMessage
	poison []poisoned
	all    []inboundqueue.Record // every record of the group, for reporting failures
	parked map[string]bool       // records the worker put in the dead-letter queue
}

// pending are the group's records still in the queue's hands: all but those parked.
func (b *burst) pending() []inboundqueue.Record {
	var out []inboundqueue.Record
	for _, r := range b.all {
		if !b.parked[r.ID] {
			out = append(out, r)
		}
	}
	return out
}

type poisoned struct {
	rec inboundqueue.Record
	err error
}

// bursts groups records by FIFO group, in the order each group first appears. The group is
// the record's MessageGroupId (an undecodable record still has one); a record without it
// (an old test double) is grouped by its decoded brand and sender.
func bursts(records []inboundqueue.Record) []*burst {
	var out []*burst
	byGroup := map[string]*burst{}
	for _, r := range records {
		m, err := inboundqueue.Decode(r.Body)
		g := r.GroupID
		if g == "" && err == nil {
			g = inboundqueue.GroupID(m.ClientID, m.From)
		}
		if g == "" {
			g = "record:" + r.ID // no group known: alone
		}
		b, ok := byGroup[g]
		if !ok {
			b = &burst{group: g}
			byGroup[g] = b
			out = append(out, b)
		}
		b.all = append(b.all, r)
		if err != nil {
			b.poison = append(b.poison, poisoned{r, err})
			continue
		}
		if len(b.msgs) > 0 && (b.msgs[0].ClientID != m.ClientID || b.msgs[0].From != m.From) {
			// A group holds one customer of one brand; a record that says otherwise broke
			// the queue contract.
			b.poison = append(b.poison, poisoned{r, domain.Errorf(domain.EINVALID, "record of another customer in group %q", g)})
			continue
		}
		b.recs = append(b.recs, r)
		b.msgs = append(b.msgs, m)
	}
	return out
}

// Process handles records burst by burst and returns the ids of the records to report
// failed: those of each group whose burst failed with a transient error, and those of every
// burst not started before the deadline. Then it flushes (Deps.Flush).
func (w *Worker) Process(ctx context.Context, records []inboundqueue.Record) []string {
	defer w.flush(ctx)
	var failed []string
	bs := bursts(records)
	for i, b := range bs {
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < w.d.StopBefore {
			w.n.deadlineStops.Add(1)
			var rest int
			for _, untried := range bs[i:] {
				for _, r := range untried.all {
					failed = append(failed, r.ID)
					rest++
					w.delay(ctx, r, 0) // untried: another invocation may take it at once
				}
			}
			w.log.WarnContext(ctx, "too close to the deadline to start another customer: the rest of the batch is returned to the queue",
				"records", rest, "remaining", time.Until(dl).Round(time.Millisecond))
			break
		}
		if !w.one(ctx, b) {
			for _, r := range b.pending() {
				failed = append(failed, r.ID)
			}
		}
	}
	return failed
}

// flush runs Deps.Flush with at most FlushTimeout, ending flushMargin before ctx's deadline;
// without that much time left it is skipped. Cancelling ctx does not cut it short: the
// counts of a batch that ran are worth the wait.
func (w *Worker) flush(ctx context.Context) {
	if w.d.Flush == nil {
		return
	}
	timeout := w.d.FlushTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl)-flushMargin)
	}
	if timeout <= 0 {
		w.n.flushFailures.Add(1)
		w.log.WarnContext(ctx, "no time left to write the daily counters: they wait for the next batch")
		return
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	if err := w.d.Flush(fctx); err != nil {
		w.n.flushFailures.Add(1)
		w.log.WarnContext(ctx, "could not write the daily counters; what failed is kept for the next batch", "error", err)
		return
	}
	w.n.flushes.Add(1)
}

// Shutdown writes what the worker still holds (Deps.FlushAll: the daily counters not yet
// due), within ctx: call it when the process ends (Lambda's SIGTERM gives about 500 ms).
func (w *Worker) Shutdown(ctx context.Context) error {
	if w.d.FlushAll == nil {
		return nil
	}
	if err := w.d.FlushAll(ctx); err != nil {
		w.log.ErrorContext(ctx, "could not write the daily counters at shutdown: they are lost", "error", err)
		return err
	}
	return nil
}

// one handles a burst and reports whether its records may be deleted.
func (w *Worker) one(ctx context.Context, b *burst) bool {
	// Records that can never be processed go to the dead-letter queue first; if that fails
	// the whole group waits and tries again.
	for _, p := range b.poison {
		w.log.ErrorContext(ctx, "inbound record cannot be processed: parking it in the dead-letter queue",
			"messageId", p.rec.ID, "error", p.err)
		w.n.permanent.Add(1)
		w.d.Metrics.Count(ctx, metrics.Errors, 1, metrics.Dims{ClientID: groupClient(b.group)})
		if !w.park(ctx, b, p.rec, p.err) {
			w.retryLater(ctx, b)
			return false
		}
	}
	if len(b.msgs) == 0 {
		return true
	}
	m := b.msgs[len(b.msgs)-1]
	tctx := domain.NewContextWithTenant(ctx, m.ClientID)
	log := w.log.With("clientId", m.ClientID, "messageSid", m.MessageSid, "messages", len(b.msgs), "from", domain.Mask(m.From))
	err := w.d.Handle(tctx, b.msgs)
	switch {
	case err == nil:
		w.n.bursts.Add(1)
		w.complete(tctx, log, b.msgs)
		return true
	case !domain.IsPermanent(err):
		w.n.transient.Add(1)
		w.d.Metrics.Count(tctx, metrics.Errors, 1, metrics.Dims{ClientID: m.ClientID})
		log.WarnContext(ctx, "inbound messages failed; they will be retried after a backoff", "class", "transient", "error", err)
		w.retryLater(ctx, b)
		return false
	}
	w.n.permanent.Add(1)
	w.d.Metrics.Count(tctx, metrics.Errors, 1, metrics.Dims{ClientID: m.ClientID})
	log.ErrorContext(ctx, "inbound messages failed for good: parking them in the dead-letter queue", "class", "permanent", "error", err)
	for _, r := range b.recs {
		if !w.park(ctx, b, r, err) {
			w.retryLater(ctx, b)
			return false
		}
	}
	if w.d.Apologize != nil && answerable(err) {
		if aerr := w.d.Apologize(tctx, b.msgs); aerr != nil {
			log.WarnContext(ctx, "could not apologise to the customer", "error", aerr)
		}
	}
	w.complete(tctx, log, b.msgs)
	return true
}

// groupClient is the brand of a FIFO group (inboundqueue.GroupID: "<clientId>|<from>"), or ""
// for a group of another form: a record that cannot be decoded is still counted by brand.
func groupClient(group string) string {
	if c, _, ok := strings.Cut(group, "|"); ok {
		return c
	}
	return ""
}

// answerable: a permanent failure the customer can still be told about. Not when the
// messenger refused the customer (an invalid number), nor when the brand or its credentials
// are gone (nobody to send as).
func answerable(err error) bool {
	var refusal interface{ Permanent() bool }
	return !errors.As(err, &refusal) && domain.ErrorCode(err) != domain.ENOTFOUND
}

func (w *Worker) park(ctx context.Context, b *burst, r inboundqueue.Record, cause error) bool {
	if w.d.Queue == nil {
		return false // no dead-letter queue of our own: the queue's redrive policy parks it
	}
	if err := w.d.Queue.Park(context.WithoutCancel(ctx), r, cause); err != nil {
		w.log.ErrorContext(ctx, "could not park a record in the dead-letter queue; it will be retried", "messageId", r.ID, "error", err)
		return false
	}
	if b.parked == nil {
		b.parked = map[string]bool{}
	}
	b.parked[r.ID] = true
	w.n.parked.Add(1)
	return true
}

// retryLater delays every record of the burst's group by the backoff of its receive count.
func (w *Worker) retryLater(ctx context.Context, b *burst) {
	for _, r := range b.pending() {
		w.delay(ctx, r, w.d.Backoff.Delay(max(r.ReceiveCount, 1)))
	}
}

func (w *Worker) delay(ctx context.Context, r inboundqueue.Record, d time.Duration) {
	if w.d.Queue == nil || r.ReceiptHandle == "" {
		return
	}
	if err := w.d.Queue.Delay(context.WithoutCancel(ctx), r, d); err != nil {
		w.log.WarnContext(ctx, "could not set the retry delay; the queue's visibility timeout applies", "messageId", r.ID, "error", err)
	}
}

// complete marks the burst's claims done (a message's MessageSid, a payment event's id:
// InboundMessage.ClaimKey), so Twilio's and Asaas's late retries of them are acknowledged at
// the webhooks. A failure costs nothing but that: it is logged.
func (w *Worker) complete(ctx context.Context, log *slog.Logger, msgs []domain.InboundMessage) {
	if w.d.Claims == nil {
		return
	}
	keys := make([]string, len(msgs))
	for i, m := range msgs {
		keys[i] = m.ClaimKey()
	}
	if err := w.d.Claims.Complete(context.WithoutCancel(ctx), msgs[0].ClientID, keys, w.d.ClaimTTL); err != nil {
		log.WarnContext(ctx, "could not complete the MessageSid claims", "error", err)
	}
}

// HandleSQSEvent is the Lambda entry point: SQS event in, partial batch response out
// (the event source mapping has ReportBatchItemFailures on).
func (w *Worker) HandleSQSEvent(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	records := make([]inboundqueue.Record, len(ev.Records))
	for i, r := range ev.Records {
		records[i] = inboundqueue.RecordFromLambda(r)
	}
	var resp events.SQSEventResponse
	for _, id := range w.Process(ctx, records) {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: id})
	}
	return resp, nil
}
