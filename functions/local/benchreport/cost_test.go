package main

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// testPrices are round prices and the assumptions of docs/prices.json, so the expected
// dollars below can be worked out by hand.
func testPrices() Prices {
	pr := func(usd, per float64) Price { return Price{USD: usd, Per: per, Unit: "u", Source: "s"} }
	as := func(v float64) Assumption { return Assumption{Value: v, Why: "w"} }
	return Prices{AsOf: "2026-11-29", Region: "us-east-1", Currency: "USD",
		Prices: map[string]Price{
			pAPIGateway: pr(1, 1e6), pLambdaRequest: pr(0.2, 1e6), pLambdaArmGBs: pr(0.00002, 1),
			pDynamoWRU: pr(0.625, 1e6), pDynamoRRU: pr(0.125, 1e6), pSQSFifo: pr(0.5, 1e6),
			pKMSRequest: pr(0.03, 1e4), pSecretsAPICall: pr(0.05, 1e4),
		},
		Assumptions: map[string]Assumption{
			aTwilioLatencyMs: as(150), aMessagesPerHour: as(1000), aColdStartsPer1000: as(10), aPollers: as(5),
			aPollSeconds: as(20), aSQSKeyReuse: as(300), aDynamoKeyCache: as(300), aSecretsTTL: as(300),
			aBrands: as(2), aWebhookTables: as(2), aWorkerTables: as(7), aStoreQueues: as(3),
		},
		TurnMix: map[string]float64{"cart": 3, "checkout": 1},
	}
}

func testInput() CostInput {
	return CostInput{
		Webhook:      Usage{Ms: 9.2, WRU: 1, SQSBilled: 1},
		Turn:         Usage{Ms: 30.5, WRU: 4, RRU: 2},
		WebhookMemMB: 256, WorkerMemMB: 512, WebhookInitMs: 8.2, WorkerInitMs: 10,
	}
}

func TestCostPer1000(t *testing.T) {
	c := costPer1000(testPrices(), testInput())
	// Worked by hand, for 1,000 messages in one hour (1,000 an hour):
	want := map[string]float64{
		// 1,000 requests at $1 a million.
		"API Gateway (HTTP API)": 0.001,
		// 2,000 requests at $0.20 a million = 0.0004; webhook 10 ms (9.2 rounded up) x 0.25 GB
		// + worker 181 ms (30.5 + 150 rounded up) x 0.5 GB = 0.093 GB-s a message, 93 GB-s;
		// 10 cold starts x (9 ms x 0.25 + 10 ms x 0.5) = 0.0725 GB-s; 93.0725 x $0.00002.
		"Lambda (arm64)": 0.0004 + 93.0725*0.00002,
		// (1 + 4) WRU x 1,000 at $0.625 a million + 2 RRU x 1,000 at $0.125 a million.
		"DynamoDB (on-demand)": 0.003125 + 0.00025,
		// No counters write measured, none timed (counts do not wait); 12 KMS requests for
		// the table's key in the hour at $0.03 / 10,000.
		"DynamoDB daily counters": 12 * 3e-6,
		// (1 + 0 + 2) x 1,000 + 5 pollers x 180 an hour = 3,900 requests at $0.50 a million.
		"SQS (FIFO)": 3900 * 0.5e-6,
		// 2 functions x 2 brands x (12 expiries + 10 cold starts) = 88 calls at $0.05 / 10,000.
		"Secrets Manager": 88 * 5e-6,
		// 88 secret reads + 12 x 4 queues x 2 + 12 x 9 table keys = 292 requests at $0.03 / 10,000.
		"KMS": 292 * 3e-6,
	}
	total := 0.0
	for _, l := range c.Lines {
		w, ok := want[l.Service]
		if !ok {
			t.Errorf("unexpected line %q", l.Service)
			continue
		}
		if math.Abs(l.USD-w) > 1e-12 {
			t.Errorf("%s: $%.10f, want $%.10f (%s)", l.Service, l.USD, w, l.Basis)
		}
		total += w
	}
	if len(c.Lines) != len(want) {
		t.Errorf("%d lines, want %d", len(c.Lines), len(want))
	}
	if math.Abs(c.Total-total) > 1e-12 || math.Abs(c.Total-0.00993845) > 1e-9 {
		t.Errorf("total $%.10f, want $%.10f", c.Total, total)
	}
}

// Time-based costs shrink as traffic grows; per-message costs do not.
func TestCostPer1000AtOtherRates(t *testing.T) {
	p, in := testPrices(), testInput()
	slow, fast := in, in
	slow.MessagesPerHour, fast.MessagesPerHour = 100, 10000
	cs, cf := costPer1000(p, slow), costPer1000(p, fast)
	if cs.Total <= cf.Total {
		t.Errorf("100 an hour costs $%v, 10,000 an hour $%v: the slower rate should cost more per message", cs.Total, cf.Total)
	}
	if cs.Lines[0].USD != cf.Lines[0].USD {
		t.Error("API Gateway's cost per message changed with the rate")
	}
	// At 100 an hour, 1,000 messages take 10 hours: 9,000 long polls.
	if want := (3000 + 9000) * 0.5e-6; math.Abs(line(t, cs, "SQS (FIFO)")-want) > 1e-12 {
		t.Errorf("SQS at 100 an hour: $%v, want $%v", line(t, cs, "SQS (FIFO)"), want)
	}
}

// line is the cost of service in c.
func line(t *testing.T, c Cost, service string) float64 {
	t.Helper()
	for _, l := range c.Lines {
		if l.Service == service {
			return l.USD
		}
	}
	t.Fatalf("no line %q in %+v", service, c.Lines)
	return 0
}

// The daily counters' line: the writes measured with the batch, plus the timed writes of
// traffic counts (one per key per MaxAge per instance, at most one a message), plus the
// table's key; their write units are not also on the DynamoDB line.
func TestCostOfDailyCounters(t *testing.T) {
	p := testPrices()
	const kms = 12 * 3e-6 // the table's key, one hour
	cases := []struct {
		name     string
		turn     Usage
		counters Counters
		perHour  float64
		writes   float64 // counters WRU for 1,000 messages
	}{
		// 2 instances x 5 keys (2 brands + 3 stores) x 12 an hour = 120 timed writes.
		{"traffic waits 5 min", Usage{WRU: 4}, Counters{MaxAgeS: 300, WRUPerWrite: 1}, 0, 120},
		// The order's key is written with its batch: nothing left to time.
		{"an order in every batch", Usage{WRU: 5, CounterCalls: 1, CounterWRU: 1}, Counters{MaxAgeS: 300, WRUPerWrite: 1}, 0, 1000},
		// At 100 an hour the timed writes (1,200 over 10 hours) are capped at one a message.
		{"slow traffic", Usage{WRU: 4}, Counters{MaxAgeS: 300, WRUPerWrite: 1}, 100, 1000},
		// Counts that do not wait: what the benchmark measured, every batch.
		{"every batch", Usage{WRU: 5, CounterCalls: 1, CounterWRU: 1}, Counters{}, 0, 1000},
	}
	for _, c := range cases {
		in := testInput()
		in.Turn, in.Counters, in.MessagesPerHour = c.turn, c.counters, c.perHour
		cost := costPer1000(p, in)
		hours := 1.0
		if c.perHour > 0 {
			hours = 1000 / c.perHour
		}
		if got, want := line(t, cost, "DynamoDB daily counters"), c.writes*0.625e-6+kms*hours; math.Abs(got-want) > 1e-12 {
			t.Errorf("%s: $%.10f, want $%.10f", c.name, got, want)
		}
		if got, want := line(t, cost, "DynamoDB (on-demand)"), (1+c.turn.WRU-c.turn.CounterWRU)*1000*0.625e-6; math.Abs(got-want) > 1e-12 {
			t.Errorf("%s: DynamoDB $%.10f, want $%.10f (the counters apart)", c.name, got, want)
		}
	}
	// More instances, more timed writes.
	p.Assumptions[aWorkerInstances] = Assumption{Value: 4, Why: "w"}
	in := testInput()
	in.Turn, in.Counters = Usage{WRU: 4}, Counters{MaxAgeS: 300, WRUPerWrite: 1}
	if got, want := line(t, costPer1000(p, in), "DynamoDB daily counters"), 240*0.625e-6+kms; math.Abs(got-want) > 1e-12 {
		t.Errorf("4 instances: $%.10f, want $%.10f", got, want)
	}
}

func TestBilledMs(t *testing.T) {
	for in, want := range map[float64]float64{10: 10, 10.0001: 11, 0.2: 1, 0: 0} {
		if got := billedMs(in); got != want {
			t.Errorf("billedMs(%v) = %v, want %v", in, got, want)
		}
	}
}

func TestMixCost(t *testing.T) {
	costs := map[string]Cost{
		"cart":     {Lines: []CostLine{{Service: "a", USD: 1}, {Service: "b", USD: 2}}, Total: 3},
		"checkout": {Lines: []CostLine{{Service: "a", USD: 5}, {Service: "b", USD: 6}}, Total: 11},
	}
	m, err := mixCost(costs, map[string]float64{"cart": 3, "checkout": 1})
	if err != nil {
		t.Fatal(err)
	}
	if m.Total != 5 || m.Lines[0].USD != 2 || m.Lines[1].USD != 3 {
		t.Errorf("mix %+v, want a 2, b 3, total 5", m)
	}
	if _, err := mixCost(costs, map[string]float64{"nope": 1}); err == nil {
		t.Error("a mix naming no benchmark was accepted")
	}
	if _, err := mixCost(costs, map[string]float64{}); err == nil {
		t.Error("an empty mix was accepted")
	}
}

func TestReadPrices(t *testing.T) {
	f, err := os.Open("../../../docs/prices.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := readPrices(f)
	if err != nil {
		t.Fatal(err)
	}
	if p.AsOf == "" || p.Region != "us-east-1" {
		t.Errorf("asOf %q region %q", p.AsOf, p.Region)
	}
	for k, pr := range p.Prices {
		if pr.Checked == "" {
			t.Errorf("price %s does not say how it was checked", k)
		}
	}
	broken := `{"asOf":"x","region":"r","currency":"USD","prices":{},"assumptions":{}}`
	if _, err := readPrices(strings.NewReader(broken)); err == nil || !strings.Contains(err.Error(), pSQSFifo) {
		t.Errorf("prices without SQS: %v", err)
	}
}

// A whole report from files: targets judged, both files written.
func TestBuildReport(t *testing.T) {
	dir := t.TempDir()
	put := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	line := func(name string, ns, calls, ddb, wru float64) string {
		return name + "-2 \t 10\t " + ftoa(ns) + " ns/op\t " + ftoa(calls) + " aws-calls/op\t " + ftoa(ddb) + " dynamodb-calls/op\t " +
			ftoa(wru) + " ddb-wru/op\t 1 DynamoDB.GetItem/op\t 1000 B/op\t 10 allocs/op\n"
	}
	bench := put("bench.txt", "cpu: Test CPU\n"+
		line("BenchmarkWebhook", 9e6, 3, 1, 1)+ // 3 calls: over the budget of 2
		line("BenchmarkWorkerTurnIdentification", 20e6, 3, 3, 1)+
		line("BenchmarkWorkerTurnKnownCustomer", 20e6, 3, 3, 2)+
		line("BenchmarkWorkerTurnMenuAndCart", 20e6, 3, 3, 2)+
		line("BenchmarkWorkerTurnCheckout", 40e6, 7, 6, 5)+
		// The daily counters: one write with the order's batch; traffic waits 300 s.
		"BenchmarkWorkerTurnCheckout-2 \t 10\t 40000000 ns/op\t 7 aws-calls/op\t 7 dynamodb-calls/op\t 6 ddb-wru/op\t 1 counters-calls/op\t 1 ddb-counters-wru/op\t 300 daily-max-age-s\n")
	runtimeGo := put("runtime.go", "package stacks\nconst (\n\tWebhookMemoryMB = 256\n\tWorkerMemoryMB = 512\n)\n")
	small := put("small", strings.Repeat("x", 100))
	prices, err := os.ReadFile("../../../docs/prices.json")
	if err != nil {
		t.Fatal(err)
	}
	pricesFile := put("prices.json", string(prices))
	cold := put("cold.json", `{"goos":"linux","goarch":"amd64","functions":[{"function":"webhook","initMs":{"median":8},"firstEventMs":{"median":40}},{"function":"worker","initMs":{"median":9},"firstEventMs":{"median":120}}]}`)
	rep, err := build(bench, cold, pricesFile, runtimeGo, map[string]string{"webhook": small, "worker": small}, "-benchtime 10x")
	if err != nil {
		t.Fatal(err)
	}
	pass := map[string]bool{}
	for _, tg := range rep.Targets {
		pass[tg.Name] = tg.Pass
	}
	if pass["webhook: AWS calls per message"] {
		t.Error("3 webhook calls passed a budget of 2")
	}
	if !pass["known customer's turn: DynamoDB calls"] || !pass["arm64 binary size: webhook"] {
		t.Errorf("targets %+v", rep.Targets)
	}
	if rep.Machine != "Test CPU" || rep.Paths[0].CallsByOp["DynamoDB.GetItem"] != 1 {
		t.Errorf("machine %q, webhook calls by op %v", rep.Machine, rep.Paths[0].CallsByOp)
	}
	var md strings.Builder
	if err := write(rep, dir, &md); err != nil {
		t.Fatal(err)
	}
	if c := rep.Cost.Counters; c.MaxAgeS != 300 || c.WRUPerWrite != 1 || rep.Cost.CountersEveryBatch <= rep.Cost.Mix.Total {
		t.Errorf("counters %+v, every batch $%v, mix $%v", c, rep.Cost.CountersEveryBatch, rep.Cost.Mix.Total)
	}
	for _, want := range []string{"## Targets", "**FAIL**", "Cold start", "Cost model", "Twilio WhatsApp fee", "| DynamoDB daily counters |", "Had every batch written"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("the markdown lacks %q", want)
		}
	}
	for _, f := range []string{"report.md", "report.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// The cost model's data key period is the stack's: a change to either shows here.
func TestDataKeyReuseMatchesTheStack(t *testing.T) {
	c, err := intConstants("../../../infra/tenant/store.go", nil, "SQSDataKeyReuseHours")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("../../../docs/prices.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := readPrices(f)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.assume("sqsKmsDataKeyReuseSeconds"), float64(c["SQSDataKeyReuseHours"]*3600); got != want {
		t.Errorf("prices.json assumes a data key period of %v s, the stack sets %v s", got, want)
	}
}
