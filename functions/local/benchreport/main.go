// Command benchreport writes `make bench`'s report, in Markdown and JSON, from what
// scripts/bench.sh measured: the benchmarks of shared/wire (go test -bench output, text or
// -json), the cold starts of the function binaries (functions/local/coldstart's JSON), the
// sizes of the arm64 Lambda binaries, the functions' memory sizes (read from
// infra/stacks/runtime.go) and the list prices and assumptions of docs/prices.json. It
// prints the Markdown, and checks the targets: the webhook at most 2 AWS calls per
// message, a known customer's turn at most 4 DynamoDB calls, arm64 binaries at most 15 MB,
// the infrastructure at most US$0.01 per 1,000 messages, and over the golden corpus
// (BenchmarkGoldenCorpus, see ai.go) at least 60 % of the turns without a model call and at
// most 1,500 full-price input tokens a model turn. The daily counters' writes are priced on
// a line of their own; the model, measured over the corpus, beside the infrastructure.
//
//	go run ./functions/local/benchreport -bench bench.txt -coldstart coldstart.json \
//	  -prices docs/prices.json -runtime infra/stacks/runtime.go -corpus-turns corpus-turns.json \
//	  -binary webhook=.build/lambda/webhook/bootstrap -binary worker=.build/lambda/worker/bootstrap -out .build/bench
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Paths, keyed as docs/prices.json's turnMix keys them, by benchmark.
var paths = []struct{ Key, Name, Benchmark string }{
	{"webhook", "webhook", "BenchmarkWebhook"},
	{"identification", "identification turn (a new customer's first message)", "BenchmarkWorkerTurnIdentification"},
	{"known", "known customer's turn", "BenchmarkWorkerTurnKnownCustomer"},
	{"cart", "cart turn (menu cache warm)", "BenchmarkWorkerTurnMenuAndCart"},
	{"checkout", "checkout turn (order placed)", "BenchmarkWorkerTurnCheckout"},
}

// Targets of issue 7.
const (
	maxWebhookCalls     = 2
	maxKnownDynamoCalls = 4
	maxBinaryBytes      = 15_000_000 // 15 MB
	maxUSDPer1000       = 0.01
)

// UnitsMethod says how the DynamoDB units were obtained.
const UnitsMethod = "Computed, not reported by the emulator: moto 5.2.5 answers ReturnConsumedCapacity with fixed " +
	"placeholders (1.0 for a PutItem of any size, 0.5 for an UpdateItem, nothing for TransactWriteItems). An SDK " +
	"middleware in the benchmarks (shared/wire) reads every item a write touches before and after the call, with a " +
	"client of its own and the benchmark timer stopped, and bills it as DynamoDB on-demand does: 1 WRU per started KB " +
	"of the larger of the two, per item (PutItem, UpdateItem, DeleteItem, each BatchWriteItem request), twice that in " +
	"TransactWriteItems (ConditionCheck included), and for each global secondary index of the table nothing when nothing " +
	"it holds changed, one write of the projected item when the item enters, leaves or changes a projected attribute, " +
	"two when an index key changes; reads 1 RRU per started 4 KB strongly consistent, half eventually " +
	"consistent, on the full items even when projected. Item size is the sum of attribute name lengths and value sizes " +
	"by AWS's documented rules (strings UTF-8 bytes, numbers 1 byte per 2 significant digits + 1, lists and maps 3 bytes + " +
	"1 per element)."

// Path is one benchmarked path's figures.
type Path struct {
	Key       string             `json:"key"`
	Name      string             `json:"name"`
	Benchmark string             `json:"benchmark"`
	Runs      int                `json:"runs"`
	N         int                `json:"iterations"`
	Metrics   map[string]float64 `json:"metrics"`
	CallsByOp map[string]float64 `json:"callsByOperation"`
}

// Binary is an arm64 Lambda binary's size.
type Binary struct {
	Function string `json:"function"`
	Path     string `json:"path"`
	Bytes    int64  `json:"bytes"`
	Limit    int64  `json:"limitBytes"`
	Pass     bool   `json:"pass"`
}

// Target is one of the targets: Value at most Limit, or at least when AtLeast. A
// target NotMeasured fails.
type Target struct {
	Name        string  `json:"name"`
	Value       float64 `json:"value"`
	Limit       float64 `json:"limit"`
	Unit        string  `json:"unit"`
	AtLeast     bool    `json:"atLeast,omitempty"`
	NotMeasured bool    `json:"notMeasured,omitempty"`
	Pass        bool    `json:"pass"`
	Note        string  `json:"note,omitempty"`
}

// Beside is a cost outside the infrastructure, for scale.
type Beside struct {
	Item  string  `json:"item"`
	USD   float64 `json:"usdPer1000"`
	Basis string  `json:"basis"`
}

// CostReport is the cost model's result.
type CostReport struct {
	AsOf            string         `json:"pricesAsOf"`
	Region          string         `json:"region"`
	MessagesPerHour float64        `json:"messagesPerHour"`
	MemoryMB        map[string]int `json:"memoryMB"`
	Counters        Counters       `json:"dailyCounters"`
	// CountersEveryBatch is the mix's total had every batch written the keys it counted (one
	// write a message, batches of one), computed from the measured write.
	CountersEveryBatch float64               `json:"mixWithCountersEveryBatchUsdPer1000"`
	ByTurn             map[string]Cost       `json:"byTurn"`
	TurnMix            map[string]float64    `json:"turnMix"`
	Mix                Cost                  `json:"mix"`
	AtRates            []RateCost            `json:"atOtherRates"`
	Beside             []Beside              `json:"beside"`
	Assumptions        map[string]Assumption `json:"assumptions"`
	Prices             map[string]Price      `json:"prices"`
}

// RateCost is the mix's cost at another traffic rate.
type RateCost struct {
	MessagesPerHour float64 `json:"messagesPerHour"`
	USD             float64 `json:"usdPer1000"`
}

// Report is report.json.
type Report struct {
	Generated   time.Time  `json:"generated"`
	Machine     string     `json:"machine"`
	BenchConfig string     `json:"benchConfig"`
	UnitsMethod string     `json:"unitsMethod"`
	Paths       []Path     `json:"paths"`
	AI          *AI        `json:"ai,omitempty"`
	Other       []Bench    `json:"otherBenchmarks,omitempty"`
	ColdStart   *ColdStart `json:"coldStart,omitempty"`
	Binaries    []Binary   `json:"binaries"`
	Cost        CostReport `json:"cost"`
	Targets     []Target   `json:"targets"`
	Notes       []string   `json:"notes"`
}

// ColdStart is what functions/local/coldstart writes (the fields the report uses).
type ColdStart struct {
	Measured  time.Time `json:"measured"`
	GOOS      string    `json:"goos"`
	GOARCH    string    `json:"goarch"`
	Note      string    `json:"note"`
	Functions []struct {
		Function     string `json:"function"`
		Binary       string `json:"binary"`
		BinaryBytes  int64  `json:"binaryBytes"`
		StartFailure string `json:"startFailure,omitempty"`
		Workaround   string `json:"workaround,omitempty"`
		Runs         []struct {
			FirstEventMs float64 `json:"firstEventMs"`
		} `json:"runs"`
		InitMs       Stats `json:"initMs"`
		FirstEventMs Stats `json:"firstEventMs"`
		WarmMs       Stats `json:"warmMs"`
		MaxRSSKB     int64 `json:"maxRssKB"`
	} `json:"functions"`
}

// Stats are milliseconds.
type Stats struct {
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Max    float64 `json:"max"`
}

type binaryFlags map[string]string

func (b binaryFlags) String() string { return fmt.Sprint(map[string]string(b)) }
func (b binaryFlags) Set(v string) error {
	name, path, ok := strings.Cut(v, "=")
	if !ok || name == "" || path == "" {
		return errors.New("want function=path")
	}
	b[name] = path
	return nil
}

func main() {
	bins := binaryFlags{}
	benchFile := flag.String("bench", "", "go test -bench output (text or -json)")
	coldFile := flag.String("coldstart", "", "functions/local/coldstart's JSON (optional)")
	pricesFile := flag.String("prices", "docs/prices.json", "list prices and assumptions")
	runtimeFile := flag.String("runtime", "infra/stacks/runtime.go", "the stack's runtime settings (memory sizes)")
	flag.Var(bins, "binary", "function=path of an arm64 Lambda binary (repeatable)")
	out := flag.String("out", ".build/bench", "directory for report.md and report.json")
	config := flag.String("config", "", "how the benchmarks were run, for the report (e.g. -benchtime 300x -count 3)")
	corpusTurns := flag.String("corpus-turns", "", "BenchmarkGoldenCorpus's turns (WABOT_BENCH_CORPUS_TURNS), to list the messages that went to the model (optional)")
	strict := flag.Bool("strict", false, "exit 1 when a target fails")
	flag.Parse()
	rep, err := build(*benchFile, *coldFile, *pricesFile, *runtimeFile, bins, *config)
	if err == nil && *corpusTurns != "" && rep.AI != nil {
		rep.AI.ModelMessages, err = readCorpusTurns(*corpusTurns)
	}
	if err == nil {
		err = write(rep, *out, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(2)
	}
	if *strict {
		for _, t := range rep.Targets {
			if !t.Pass {
				os.Exit(1)
			}
		}
	}
}

var cpuLine = regexp.MustCompile(`(?m)^cpu: (.+)$`)

func build(benchFile, coldFile, pricesFile, runtimeFile string, bins map[string]string, config string) (*Report, error) {
	if benchFile == "" {
		return nil, errors.New("-bench is required")
	}
	raw, err := os.ReadFile(benchFile)
	if err != nil {
		return nil, err
	}
	benches, err := parseBench(strings.NewReader(string(raw)))
	if err != nil {
		return nil, err
	}
	rep := &Report{Generated: time.Now().UTC(), BenchConfig: config, UnitsMethod: UnitsMethod}
	if m := cpuLine.FindSubmatch(raw); m != nil {
		rep.Machine = string(m[1])
	}
	byName := map[string]Bench{}
	for _, b := range benches {
		byName[b.Name] = b
	}
	known := map[string]bool{}
	usage := map[string]Usage{}
	var counters Counters
	var counterCalls, counterWRU float64
	measured := false
	for _, p := range paths {
		known[p.Benchmark] = true
		b, ok := byName[p.Benchmark]
		if !ok {
			return nil, fmt.Errorf("no result for %s in %s", p.Benchmark, benchFile)
		}
		path := Path{Key: p.Key, Name: p.Name, Benchmark: p.Benchmark, Runs: b.Runs, N: b.N, Metrics: map[string]float64{}, CallsByOp: map[string]float64{}}
		for unit, v := range b.Metrics {
			if op, ok := strings.CutSuffix(unit, "/op"); ok && strings.Contains(op, ".") {
				path.CallsByOp[op] = v
			} else {
				path.Metrics[unit] = v
			}
		}
		rep.Paths = append(rep.Paths, path)
		usage[p.Key] = usageOf(b)
		if _, ok := b.Metrics["daily-max-age-s"]; ok && p.Key != "webhook" {
			measured = true
			counters.MaxAgeS = b.Metric("daily-max-age-s")
			counterCalls += b.Metric("counters-calls/op")
			counterWRU += b.Metric("ddb-counters-wru/op")
		}
	}
	counters.WRUPerWrite = 1
	if counterCalls > 0 {
		counters.WRUPerWrite = counterWRU / counterCalls
	}
	known[corpusBenchmark] = true
	if b, ok := byName[corpusBenchmark]; ok {
		rep.AI = aiOf(b)
	}
	if !measured {
		rep.Notes = append(rep.Notes, "The benchmarks measured no daily counters (no daily-max-age-s metric): their line prices what the turns measured (none) and the table's key.")
	}
	for _, b := range benches {
		if !known[b.Name] {
			rep.Other = append(rep.Other, b)
		}
	}

	var cold ColdStart
	initMs := map[string]float64{}
	if coldFile != "" {
		b, err := os.ReadFile(coldFile)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, &cold); err != nil {
			return nil, fmt.Errorf("%s: %w", coldFile, err)
		}
		rep.ColdStart = &cold
		for _, f := range cold.Functions {
			initMs[f.Function] = f.InitMs.Median
			if f.StartFailure != "" {
				rep.Notes = append(rep.Notes, fmt.Sprintf("The %s binary does not start with the environment the CDK app gives it (%s); its cold start was measured %s.",
					f.Function, f.StartFailure, f.Workaround))
			}
		}
	} else {
		rep.Notes = append(rep.Notes, "No cold-start measurement was given: the cost model bills no init duration.")
	}

	names := make([]string, 0, len(bins))
	for n := range bins {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		st, err := os.Stat(bins[n])
		if err != nil {
			return nil, err
		}
		rep.Binaries = append(rep.Binaries, Binary{Function: n, Path: bins[n], Bytes: st.Size(), Limit: maxBinaryBytes, Pass: st.Size() <= maxBinaryBytes})
	}

	f, err := os.Open(pricesFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	prices, err := readPrices(f)
	if err != nil {
		return nil, err
	}
	src, err := os.ReadFile(runtimeFile)
	if err != nil {
		return nil, err
	}
	mem, err := intConstants(runtimeFile, src, "WebhookMemoryMB", "WorkerMemoryMB")
	if err != nil {
		return nil, err
	}
	rep.Cost, err = costReport(prices, usage, mem["WebhookMemoryMB"], mem["WorkerMemoryMB"], initMs, counters, rep.AI)
	if err != nil {
		return nil, err
	}
	rep.Targets = targets(rep)
	return rep, nil
}

// costReport prices each turn kind, the mix, and the mix at other traffic rates.
func costReport(p Prices, usage map[string]Usage, webhookMB, workerMB int, initMs map[string]float64, counters Counters, ai *AI) (CostReport, error) {
	cr := CostReport{AsOf: p.AsOf, Region: p.Region, MessagesPerHour: p.assume(aMessagesPerHour),
		MemoryMB: map[string]int{"webhook": webhookMB, "worker": workerMB}, Counters: counters, ByTurn: map[string]Cost{},
		TurnMix: p.TurnMix, Assumptions: p.Assumptions, Prices: p.Prices}
	in := func(turn string, perHour float64) CostInput {
		return CostInput{Webhook: usage["webhook"], Turn: usage[turn], WebhookMemMB: webhookMB, WorkerMemMB: workerMB,
			WebhookInitMs: initMs["webhook"], WorkerInitMs: initMs["worker"], MessagesPerHour: perHour, Counters: counters}
	}
	for _, path := range paths[1:] {
		cr.ByTurn[path.Key] = costPer1000(p, in(path.Key, 0))
	}
	var err error
	if cr.Mix, err = mixCost(cr.ByTurn, p.TurnMix); err != nil {
		return cr, err
	}
	// The same mix had every batch written the keys it counted: one write a message.
	every := map[string]Cost{}
	for _, path := range paths[1:] {
		ci := in(path.Key, 0)
		ci.Counters.MaxAgeS = 0
		extra := max(0, 1-ci.Turn.CounterCalls)
		ci.Turn.CounterCalls += extra
		ci.Turn.CounterWRU += extra * counters.WRUPerWrite
		ci.Turn.WRU += extra * counters.WRUPerWrite
		every[path.Key] = costPer1000(p, ci)
	}
	if m, err := mixCost(every, p.TurnMix); err == nil {
		cr.CountersEveryBatch = m.Total
	}
	for _, rate := range []float64{100, 1000, 10000} {
		byTurn := map[string]Cost{}
		for _, path := range paths[1:] {
			byTurn[path.Key] = costPer1000(p, in(path.Key, rate))
		}
		m, err := mixCost(byTurn, p.TurnMix)
		if err != nil {
			return cr, err
		}
		cr.AtRates = append(cr.AtRates, RateCost{MessagesPerHour: rate, USD: m.Total})
	}
	cr.Beside = beside(p, ai)
	return cr, nil
}

// beside prices what is not infrastructure, for scale, from the prices that are there: the
// model's from the golden corpus's measurement (ai; nil: the assumptions).
func beside(p Prices, ai *AI) []Beside {
	var out []Beside
	price := func(k string) (float64, bool) {
		pr, ok := p.Prices[k]
		return pr.Each(), ok
	}
	if each, ok := price("twilioWhatsAppMessage"); ok {
		out = append(out, Beside{"Twilio WhatsApp fee", 2 * 1000 * each, "the inbound message and the reply, each at Twilio's per-message fee"})
	}
	if each, ok := price("metaServiceMessage"); ok {
		out = append(out, Beside{"Meta, replies in the 24-hour service window", 1000 * each, "free-form replies to a customer's message"})
	}
	if each, ok := price("metaUtilityTemplateBrazil"); ok {
		out = append(out, Beside{"Meta, utility template outside the window (Brazil)", 1000 * each, "only when the business writes first or after 24 hours: per 1,000 such templates"})
	}
	if each, ok := price("metaMarketingTemplateBrazil"); ok {
		out = append(out, Beside{"Meta, marketing template (Brazil)", 1000 * each, "per 1,000 marketing templates (the bot sends none today)"})
	}
	return append(out, bedrockBeside(p, ai)...)
}

func targets(r *Report) []Target {
	var webhook, known Path
	for _, p := range r.Paths {
		switch p.Key {
		case "webhook":
			webhook = p
		case "known":
			known = p
		}
	}
	ts := []Target{
		{Name: "webhook: AWS calls per message", Value: webhook.Metrics["aws-calls/op"], Limit: maxWebhookCalls, Unit: "calls"},
		{Name: "known customer's turn: DynamoDB calls", Value: known.Metrics["dynamodb-calls/op"], Limit: maxKnownDynamoCalls, Unit: "calls",
			Note: knownNote(r.Cost.Counters)},
	}
	for _, b := range r.Binaries {
		ts = append(ts, Target{Name: "arm64 binary size: " + b.Function, Value: float64(b.Bytes) / 1e6, Limit: maxBinaryBytes / 1e6, Unit: "MB"})
	}
	var over []string
	for _, p := range paths[1:] {
		if c, ok := r.Cost.ByTurn[p.Key]; ok && c.Total > maxUSDPer1000 {
			over = append(over, fmt.Sprintf("%s %s", p.Key, usd(c.Total)))
		}
	}
	note := fmt.Sprintf("the turn mix at %.0f messages an hour, under the cost model's assumptions", r.Cost.MessagesPerHour)
	if len(over) > 0 {
		note += "; alone over the limit: " + strings.Join(over, ", ")
	}
	ts = append(ts, Target{Name: "infrastructure per 1,000 messages", Value: r.Cost.Mix.Total, Limit: maxUSDPer1000, Unit: "US$", Note: note})
	ts = append(ts, aiTargets(r.AI)...)
	for i := range ts {
		t := &ts[i]
		switch {
		case t.NotMeasured:
			t.Pass = false
		case t.AtLeast:
			t.Pass = t.Value >= t.Limit-1e-12
		default:
			t.Pass = t.Value <= t.Limit+1e-12
		}
	}
	return ts
}

// knownNote says what the known turn's count includes.
func knownNote(c Counters) string {
	note := "through the worker's Lambda entry point, claims completed included"
	if c.MaxAgeS > 0 {
		note += fmt.Sprintf(", and the daily counters' writes made with the batch; their timed writes (at most one per key per %.0f s per instance) are priced on the cost model's daily counters line", c.MaxAgeS)
	}
	return note
}

func write(r *Report, dir string, stdout io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	md := markdown(r)
	if err := os.WriteFile(filepath.Join(dir, "report.md"), []byte(md), 0o644); err != nil {
		return err
	}
	_, err = io.WriteString(stdout, md)
	return err
}
