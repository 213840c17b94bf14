// Package metrics counts what happens per tenant: messages in and out, orders, errors and
// Twilio's refusals, by brand (clientId) and store (storeId). In AWS the counts are written
// to stdout in CloudWatch's Embedded Metric Format (EMF), one JSON line each: Lambda ships
// stdout to CloudWatch Logs, which turns the lines into metrics, with no API call and no
// extra permission (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
//
// A metric line carries the metric's name, its value and the dimensions: ids of brands and
// stores only. Phone numbers, message bodies and secrets never go into one: a dimension value
// that is not an id (resourcenames.ValidateID) is left out.
//
// Recording never fails the caller: a count that cannot be written is dropped.
package metrics

import (
	"context"
	"sync"
)

// Dims are the dimensions of a count. Empty means unknown: the webhook knows the brand, not
// yet the store; a store is only counted with its brand.
type Dims struct {
	ClientID string
	StoreID  string
}

// Recorder records counts. Implementations are safe for concurrent use.
type Recorder interface {
	// Count adds n to the metric name of the tenant d.
	Count(ctx context.Context, name string, n float64, d Dims)
}

// Nop records nothing.
type Nop struct{}

// Count does nothing.
func (Nop) Count(context.Context, string, float64, Dims) {}

// Or returns r, or Nop when r is nil: what a Deps struct's optional recorder defaults to.
func Or(r Recorder) Recorder {
	if r == nil {
		return Nop{}
	}
	return r
}

// Only returns a recorder that hands r the counts of the metrics names and drops every other
// one: the admin's test chat counts its model usage (ModelUsage) and none of its traffic. A
// nil r, or no names, is Nop.
func Only(r Recorder, names ...string) Recorder {
	if r == nil || len(names) == 0 {
		return Nop{}
	}
	if _, ok := r.(Nop); ok {
		return r
	}
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[n] = true
	}
	return only{r: r, names: set}
}

type only struct {
	r     Recorder
	names map[string]bool
}

// Count hands the count on when its metric is one of the names.
func (o only) Count(ctx context.Context, name string, n float64, d Dims) {
	if o.names[name] {
		o.r.Count(ctx, name, n, d)
	}
}

type storeKey struct{}

// WithStore returns ctx carrying the store a message is about, for counts made deeper down
// that know the brand but not the store (a reply sent for a turn of that store's customer).
// An empty storeID leaves ctx as it is.
func WithStore(ctx context.Context, storeID string) context.Context {
	if storeID == "" {
		return ctx
	}
	return context.WithValue(ctx, storeKey{}, storeID)
}

// StoreFrom returns the store WithStore put in ctx, or "".
func StoreFrom(ctx context.Context) string {
	s, _ := ctx.Value(storeKey{}).(string)
	return s
}

// Point is one count a Memory recorder received.
type Point struct {
	Name  string
	Value float64
	Dims  Dims
}

// Memory keeps counts in memory, for tests. The zero value is ready to use.
type Memory struct {
	mu     sync.Mutex
	points []Point
}

// Count records the count as it is.
func (m *Memory) Count(_ context.Context, name string, n float64, d Dims) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.points = append(m.points, Point{Name: name, Value: n, Dims: d})
}

// Points returns the counts received, in order.
func (m *Memory) Points() []Point {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Point(nil), m.points...)
}

// Sum is the total of the metric name counted with exactly the dimensions d.
func (m *Memory) Sum(name string, d Dims) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	var sum float64
	for _, p := range m.points {
		if p.Name == name && p.Dims == d {
			sum += p.Value
		}
	}
	return sum
}

// Total is the total of the metric name, whatever its dimensions.
func (m *Memory) Total(name string) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	var sum float64
	for _, p := range m.points {
		if p.Name == name {
			sum += p.Value
		}
	}
	return sum
}
