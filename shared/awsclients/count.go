package awsclients

import (
	"context"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// CallCounter counts AWS API calls by "Service.Operation" (one per operation invoked, not per
// HTTP attempt): `make bench` reports calls per message with it, and tests assert budgets.
type CallCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

// CountCalls installs a counter on cfg: every client built from cfg afterwards is counted.
func CountCalls(cfg *aws.Config) *CallCounter {
	c := &CallCounter{counts: map[string]int{}}
	cfg.APIOptions = append(cfg.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("wabotCallCounter",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				c.add(awsmiddleware.GetServiceID(ctx) + "." + awsmiddleware.GetOperationName(ctx))
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	})
	return c
}

func (c *CallCounter) add(op string) {
	c.mu.Lock()
	c.counts[op]++
	c.mu.Unlock()
}

// Total returns the number of calls counted, optionally only of one service ("DynamoDB").
func (c *CallCounter) Total(service string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for op, k := range c.counts {
		if service == "" || len(op) > len(service) && op[:len(service)+1] == service+"." {
			n += k
		}
	}
	return n
}

// Snapshot returns a copy of the counts.
func (c *CallCounter) Snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.counts))
	for k, v := range c.counts {
		out[k] = v
	}
	return out
}

// Ops returns the operations counted, sorted.
func (c *CallCounter) Ops() []string {
	snap := c.Snapshot()
	ops := make([]string, 0, len(snap))
	for k := range snap {
		ops = append(ops, k)
	}
	sort.Strings(ops)
	return ops
}

// Reset sets every count to zero.
func (c *CallCounter) Reset() {
	c.mu.Lock()
	c.counts = map[string]int{}
	c.mu.Unlock()
}
