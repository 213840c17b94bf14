package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// benchText is go test -bench output as shared/wire prints it: two runs (-count 2), and a
// result whose numbers come a line after its name because the SDK logged in between.
const benchText = `goos: linux
goarch: amd64
pkg: github.com/wabot-platform/wabot/shared/wire
cpu: Intel(R) Xeon(R) Processor
BenchmarkWebhook-2                    	      20	  10000000 ns/op	         1.000 DynamoDB.PutItem/op	         2.000 aws-calls/op	         1.000 ddb-wru/op	   94996 B/op	    1002 allocs/op
BenchmarkWorkerTurnIdentification-2   	SDK 2026/11/29 22:45:05 WARN failed to discard remaining HTTP response body
SDK 2026/11/29 22:45:05 WARN failed to close HTTP response body
      20	  14983702 ns/op	         2.000 DynamoDB.GetItem/op	       796.0 conv-item-bytes	         1.000 ddb-wru/op	  146772 B/op	    1526 allocs/op
BenchmarkWebhook-2                    	      30	  30000000 ns/op	         1.000 DynamoDB.PutItem/op	         2.000 aws-calls/op	         2.000 ddb-wru/op	   95000 B/op	    1004 allocs/op
BenchmarkWorkerTurnIdentification-2   	      20	  15000000 ns/op	         2.000 DynamoDB.GetItem/op	       800.0 conv-item-bytes	         1.000 ddb-wru/op	  146000 B/op	    1520 allocs/op
PASS
ok  	github.com/wabot-platform/wabot/shared/wire	14.510s
`

func TestParseBenchText(t *testing.T) {
	bs, err := parseBench(strings.NewReader(benchText))
	if err != nil {
		t.Fatal(err)
	}
	checkParsed(t, bs)
}

func checkParsed(t *testing.T, bs []Bench) {
	t.Helper()
	if len(bs) != 2 || bs[0].Name != "BenchmarkWebhook" || bs[1].Name != "BenchmarkWorkerTurnIdentification" {
		t.Fatalf("parsed %+v, want the webhook then the identification turn", bs)
	}
	w, id := bs[0], bs[1]
	for _, c := range []struct {
		b    Bench
		unit string
		want float64
	}{
		{w, "ns/op", 20000000}, // median of two runs: their mean
		{w, "ddb-wru/op", 1.5},
		{w, "aws-calls/op", 2},
		{w, "DynamoDB.PutItem/op", 1},
		{w, "allocs/op", 1003},
		{id, "ns/op", (14983702 + 15000000) / 2.0},
		{id, "conv-item-bytes", 798},
		{id, "B/op", (146772 + 146000) / 2.0},
	} {
		if got := c.b.Metric(c.unit); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s %s = %v, want %v", c.b.Name, c.unit, got, c.want)
		}
	}
	if w.Runs != 2 || id.Runs != 2 || w.N != 30 {
		t.Errorf("runs %d and %d, last iterations %d; want 2, 2 and 30", w.Runs, id.Runs, w.N)
	}
}

// go test -json splits the text into events, sometimes in the middle of a line.
func TestParseBenchJSON(t *testing.T) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	rest := benchText
	for len(rest) > 0 {
		n := min(len(rest), 37) // cut anywhere, as test2json may
		_ = enc.Encode(map[string]string{"Action": "output", "Package": "x", "Output": rest[:n]})
		rest = rest[n:]
	}
	_ = enc.Encode(map[string]string{"Action": "pass", "Package": "x"})
	bs, err := parseBench(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	checkParsed(t, bs)
}

func TestParseBenchMalformed(t *testing.T) {
	if _, err := parseBench(strings.NewReader("BenchmarkX-2  10  5 ns/op 3\n")); err == nil {
		t.Error("a value without a unit was accepted")
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestIntConstants(t *testing.T) {
	src := `package stacks
const (
	WebhookTimeoutSeconds = 10
	WebhookMemoryMB = 256
	WorkerMemoryMB  = 512
	Derived = 6 * WebhookTimeoutSeconds
)`
	got, err := intConstants("runtime.go", src, "WebhookMemoryMB", "WorkerMemoryMB")
	if err != nil || got["WebhookMemoryMB"] != 256 || got["WorkerMemoryMB"] != 512 {
		t.Fatalf("got %v, %v", got, err)
	}
	if _, err := intConstants("runtime.go", src, "WorkerMemoryMB", "Missing"); err == nil {
		t.Error("a missing constant was not reported")
	}
	if _, err := intConstants("runtime.go", src, "Derived"); err == nil {
		t.Error("a constant that is not a literal was read")
	}
}

// The stack's own file: the cost model reads the memory sizes the functions are deployed
// with, so renaming or computing them must break this test, not silently the report.
func TestIntConstantsOfTheStack(t *testing.T) {
	got, err := intConstants("../../../infra/stacks/runtime.go", nil, "WebhookMemoryMB", "WorkerMemoryMB")
	if err != nil {
		t.Fatal(err)
	}
	if got["WebhookMemoryMB"] < 128 || got["WorkerMemoryMB"] < 128 {
		t.Errorf("memory sizes %v: Lambda's minimum is 128 MB", got)
	}
}
