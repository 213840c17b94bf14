package domain

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Daily counters: what happened per brand, store and day (messages in and out, conversations
// started, orders and their revenue, handoffs to a person, errors; the AI layer's model calls,
// tokens, fallbacks and answer-cache hits), kept by the runtime as
// atomic increments of one item per (brand, day, store) in WhatsAppBotDailyMetrics, so they
// read the same locally and in AWS.
//
// The day is the calendar day in DefaultTimezone (America/Sao_Paulo, UTC-3 without daylight
// saving since 2019), whatever the store's own time zone: the counts of one day are one key
// range for every store of a brand, and a day is the business day of the platform's stores
// (in Brazil). A store in another zone (Manaus, UTC-4) sees its last hour before midnight
// counted on its next day.

// MetricsDayLayout is the layout of a metrics day: "2026-03-14".
const MetricsDayLayout = time.DateOnly

// MaxMetricsDays is the most days one ListDailyMetrics may read: a quarter.
const MaxMetricsDays = 92

var (
	defaultZoneOnce sync.Once
	defaultZone     *time.Location
)

// DefaultLocation is DefaultTimezone, Brasília time (embedded zone data: it always loads):
// the platform's day for the metrics, and the time of a payment provider's dates.
func DefaultLocation() *time.Location {
	defaultZoneOnce.Do(func() {
		loc, err := LoadTimezone(DefaultTimezone)
		if err != nil {
			loc = time.FixedZone("BRT", -3*60*60) // unreachable with time/tzdata embedded
		}
		defaultZone = loc
	})
	return defaultZone
}

// MetricsDay is the metrics day of t: its date in DefaultTimezone.
func MetricsDay(t time.Time) string { return t.In(DefaultLocation()).Format(MetricsDayLayout) }

// ParseMetricsDay returns the start (midnight in DefaultTimezone) of day, or EINVALID naming
// field when day is not a date "YYYY-MM-DD".
func ParseMetricsDay(field, day string) (time.Time, error) {
	t, err := time.ParseInLocation(MetricsDayLayout, day, DefaultLocation())
	if err != nil || t.Format(MetricsDayLayout) != day {
		return time.Time{}, InvalidField(field, "%q is not a day YYYY-MM-DD", day)
	}
	return t, nil
}

// MetricsDayRange checks a range of days, from and to inclusive: both days, from not after
// to, at most MaxMetricsDays days. It returns the number of days.
func MetricsDayRange(from, to string) (int, error) {
	f, err := ParseMetricsDay("from", from)
	if err != nil {
		return 0, err
	}
	t, err := ParseMetricsDay("to", to)
	if err != nil {
		return 0, err
	}
	if t.Before(f) {
		return 0, InvalidField("from", "%s is after to (%s)", from, to)
	}
	// Calendar days: the dates' distance in UTC, where every day has 24 hours.
	fu, tu := time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, time.UTC), time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	days := int(tu.Sub(fu)/(24*time.Hour)) + 1
	if days > MaxMetricsDays {
		return 0, InvalidField("from", "the range %s to %s is %d days, more than %d", from, to, days, MaxMetricsDays)
	}
	return days, nil
}

// Counts are increments of a day's counters (or, in DailyCounters, their totals). The
// dynamodbav names are the counters' attributes in WhatsAppBotDailyMetrics.
type Counts struct {
	// MessagesIn: the customers' messages the worker put into a conversation
	// (resourcenames.MetricMessagesProcessed).
	MessagesIn int64 `dynamodbav:"messagesIn" json:"messagesIn"`
	// MessagesOut: messages sent to customers, one per part of a reply.
	MessagesOut int64 `dynamodbav:"messagesOut" json:"messagesOut"`
	// Conversations: conversations started (a new session).
	Conversations int64 `dynamodbav:"conversations" json:"conversations"`
	// Orders: orders handed to a store's point of sale; RevenueCents their totals, in centavos.
	Orders       int64 `dynamodbav:"orders" json:"orders"`
	RevenueCents int64 `dynamodbav:"revenueCents" json:"revenueCents"`
	// Handoffs: conversations handed to a person.
	Handoffs int64 `dynamodbav:"handoffs" json:"handoffs"`
	// Errors: inbound messages the worker failed to process.
	Errors int64 `dynamodbav:"errors" json:"errors"`

	// The AI conversation layer (resourcenames.MetricModelCalls and the ones after it).

	// ModelCalls: model calls made, tool rounds included.
	ModelCalls int64 `dynamodbav:"modelCalls" json:"modelCalls"`
	// ModelInputTokens: input tokens read at full price (not from the prompt cache).
	ModelInputTokens int64 `dynamodbav:"modelInputTokens" json:"modelInputTokens"`
	// ModelOutputTokens: tokens the model generated.
	ModelOutputTokens int64 `dynamodbav:"modelOutputTokens" json:"modelOutputTokens"`
	// ModelCacheReadTokens: input tokens read from the prompt cache.
	ModelCacheReadTokens int64 `dynamodbav:"modelCacheReadTokens" json:"modelCacheReadTokens"`
	// ModelCacheWriteTokens: input tokens written to the prompt cache.
	ModelCacheWriteTokens int64 `dynamodbav:"modelCacheWriteTokens" json:"modelCacheWriteTokens"`
	// ModelFallbacks: turns where the model was wanted but the rules answered (an error, a
	// throttle, a timeout, the daily budget, a reply the engine refused).
	ModelFallbacks int64 `dynamodbav:"modelFallbacks" json:"modelFallbacks"`
	// AnswerCacheHits: store questions answered from the per-store answer cache, without a
	// model call.
	AnswerCacheHits int64 `dynamodbav:"answerCacheHits" json:"answerCacheHits"`
}

// CounterField is one counter of Counts: its attribute name (its dynamodbav and json name)
// and its value.
type CounterField struct {
	Name  string
	Value int64
}

// Fields returns every counter of c with its attribute name, in the struct's order: what
// code that handles the counters one by one (the DynamoDB update, Validate) ranges over, so
// a counter added to Counts is added here once.
func (c Counts) Fields() []CounterField {
	return []CounterField{
		{"messagesIn", c.MessagesIn}, {"messagesOut", c.MessagesOut}, {"conversations", c.Conversations},
		{"orders", c.Orders}, {"revenueCents", c.RevenueCents}, {"handoffs", c.Handoffs}, {"errors", c.Errors},
		{"modelCalls", c.ModelCalls}, {"modelInputTokens", c.ModelInputTokens}, {"modelOutputTokens", c.ModelOutputTokens},
		{"modelCacheReadTokens", c.ModelCacheReadTokens}, {"modelCacheWriteTokens", c.ModelCacheWriteTokens},
		{"modelFallbacks", c.ModelFallbacks}, {"answerCacheHits", c.AnswerCacheHits},
	}
}

// BudgetTokens are the tokens that count against a brand's daily token budget
// (Client.TokenBudget): ModelInputTokens + ModelOutputTokens + ModelCacheWriteTokens,
// saturating at 2^53. Cache reads are left out: they cost about a tenth of an input token,
// and a brand whose prompt is cached well should not run out for the prefix it re-reads on
// every call.
func (c Counts) BudgetTokens() int64 {
	return min(c.ModelInputTokens+c.ModelOutputTokens+c.ModelCacheWriteTokens, maxCount)
}

// maxCount bounds one counter: beyond 2^53 a count is no longer exact in a float64 (JSON
// readers, CloudWatch), far beyond anything a day can hold.
const maxCount = 1 << 53

// IsZero reports whether every counter is zero.
func (c Counts) IsZero() bool { return c == Counts{} }

// Plus returns c + o, each counter saturating at 2^53.
func (c Counts) Plus(o Counts) Counts {
	add := func(a, b int64) int64 { return min(a+b, maxCount) }
	return Counts{
		MessagesIn: add(c.MessagesIn, o.MessagesIn), MessagesOut: add(c.MessagesOut, o.MessagesOut),
		Conversations: add(c.Conversations, o.Conversations), Orders: add(c.Orders, o.Orders),
		RevenueCents: add(c.RevenueCents, o.RevenueCents), Handoffs: add(c.Handoffs, o.Handoffs),
		Errors:     add(c.Errors, o.Errors),
		ModelCalls: add(c.ModelCalls, o.ModelCalls), ModelInputTokens: add(c.ModelInputTokens, o.ModelInputTokens),
		ModelOutputTokens: add(c.ModelOutputTokens, o.ModelOutputTokens), ModelCacheReadTokens: add(c.ModelCacheReadTokens, o.ModelCacheReadTokens),
		ModelCacheWriteTokens: add(c.ModelCacheWriteTokens, o.ModelCacheWriteTokens), ModelFallbacks: add(c.ModelFallbacks, o.ModelFallbacks),
		AnswerCacheHits: add(c.AnswerCacheHits, o.AnswerCacheHits),
	}
}

// Validate refuses a negative counter, or one above 2^53: counters only grow.
func (c Counts) Validate() error {
	for _, f := range c.Fields() {
		if f.Value < 0 || f.Value > maxCount {
			return InvalidField(f.Name, "must be between 0 and 2^53, got %d", f.Value)
		}
	}
	return nil
}

// DailyCounters are one store's (or, StoreID "", the brand's counts that no store was known
// for: a first message before the customer chose one, a failure) counters of one day.
type DailyCounters struct {
	ClientID string `dynamodbav:"clientId" json:"clientId"`
	// StoreID is "" for the counts without a store (resourcenames.NoStore in the key).
	StoreID string `dynamodbav:"storeId,omitempty" json:"storeId,omitempty"`
	Day     string `dynamodbav:"day" json:"day"` // MetricsDayLayout, in DefaultTimezone
	Counts
}

// Conversion is the share of conversations that ended in an order that day: Orders /
// Conversations, 0 when there were no conversations. It is a day's ratio, not a cohort's: an
// order placed after midnight counts on the next day, and it may exceed 1 (a customer who
// orders twice in one conversation).
func (d DailyCounters) Conversion() float64 {
	if d.Conversations <= 0 {
		return 0
	}
	r := float64(d.Orders) / float64(d.Conversations)
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return 0
	}
	return r
}

// CheckMetricsStore checks the storeID of a daily counter: "" (no store) or a store id.
// In ListDailyMetrics resourcenames.NoStore is also allowed: the counts without a store.
func CheckMetricsStore(storeID string, listing bool) error {
	if storeID == "" || (listing && storeID == resourcenames.NoStore) {
		return nil
	}
	if err := resourcenames.ValidateID("storeId", storeID); err != nil {
		return InvalidField("storeId", "%s", err.Error())
	}
	return nil
}

// DailyMetricsRepository keeps the daily counters.
type DailyMetricsRepository interface {
	// AddCounts adds c to the counters of (clientID, storeID, day) atomically, creating them at
	// zero when absent; concurrent calls all count. storeID "" counts without a store. Zero
	// counts write nothing. EINVALID for a day that is not YYYY-MM-DD, a store that is not an
	// id, or a negative count.
	AddCounts(ctx context.Context, clientID, storeID, day string, c Counts) error
	// ListDailyMetrics returns the brand's counters of the days from to to (inclusive, at most
	// MaxMetricsDays; EINVALID otherwise, naming "from" or "to"), by day, then store. storeID ""
	// returns every store's (and the counts without a store), a store id only that store's,
	// resourcenames.NoStore only the counts without a store. Days without counts are absent.
	ListDailyMetrics(ctx context.Context, clientID, from, to, storeID string) ([]DailyCounters, error)
}
