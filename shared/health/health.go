// Package health answers GET /healthz: ready only when the AWS endpoint answers and every
// table the service needs exists and is ACTIVE.
package health

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TableDescriber is the slice of DynamoDB the check calls.
type TableDescriber interface {
	DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// Checker checks that tables exist.
type Checker struct {
	DB      TableDescriber
	Tables  []string
	Timeout time.Duration // per check; default 2s
}

// Report is the body of /healthz.
type Report struct {
	Status string            `json:"status"` // "ok" or "unavailable"
	Tables map[string]string `json:"tables"` // table -> status (ACTIVE, MISSING, UNREACHABLE, ...)
}

// Check describes every table and reports ok only when all are ACTIVE.
func (c *Checker) Check(ctx context.Context) Report {
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rep := Report{Status: "ok", Tables: map[string]string{}}
	for _, t := range c.Tables {
		out, err := c.DB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(t)})
		var status string
		switch {
		case err == nil:
			status = string(out.Table.TableStatus)
		case isNotFound(err):
			status = "MISSING"
		default:
			slog.WarnContext(ctx, "health check cannot reach DynamoDB", "table", t, "error", err)
			status = "UNREACHABLE"
		}
		rep.Tables[t] = status
		if status != string(types.TableStatusActive) {
			rep.Status = "unavailable"
		}
	}
	return rep
}

func isNotFound(err error) bool {
	var nf *types.ResourceNotFoundException
	return errors.As(err, &nf)
}

// ServeHTTP answers 200 with the report when healthy, 503 otherwise.
func (c *Checker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rep := c.Check(r.Context())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if rep.Status != "ok" {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(rep)
}
