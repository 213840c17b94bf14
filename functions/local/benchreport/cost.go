package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// Price is one list price: USD for Per units of Unit.
type Price struct {
	USD    float64 `json:"usd"`
	Per    float64 `json:"per"`
	Unit   string  `json:"unit"`
	Source string  `json:"source"`
	// Checked says how the price was confirmed, or that it could not be.
	Checked string `json:"checked"`
}

// Each is the price of one unit.
func (p Price) Each() float64 { return p.USD / p.Per }

// Assumption is a number the model needs that `make bench` does not measure.
type Assumption struct {
	Value float64 `json:"value"`
	Why   string  `json:"why"`
}

// Prices is docs/prices.json.
type Prices struct {
	AsOf        string                `json:"asOf"`
	Region      string                `json:"region"`
	Currency    string                `json:"currency"`
	Note        string                `json:"note"`
	Prices      map[string]Price      `json:"prices"`
	Assumptions map[string]Assumption `json:"assumptions"`
	// TurnMix weighs the worker's turn kinds in a typical conversation (by benchmark path).
	TurnMix map[string]float64 `json:"turnMix"`
}

// Price and assumption keys the model reads.
const (
	pAPIGateway     = "apiGatewayHttpApiRequest"
	pLambdaRequest  = "lambdaRequest"
	pLambdaArmGBs   = "lambdaArm64GBSecond"
	pDynamoWRU      = "dynamodbWriteRequestUnit"
	pDynamoRRU      = "dynamodbReadRequestUnit"
	pSQSFifo        = "sqsFifoRequest"
	pKMSRequest     = "kmsRequest"
	pSecretsAPICall = "secretsManagerApiCall"

	aTwilioLatencyMs   = "twilioSendLatencyMs"
	aMessagesPerHour   = "messagesPerHour"
	aColdStartsPer1000 = "coldStartsPer1000MessagesPerFunction"
	aPollers           = "inboundQueuePollers"
	aPollSeconds       = "longPollSeconds"
	aSQSKeyReuse       = "sqsKmsDataKeyReuseSeconds"
	aDynamoKeyCache    = "dynamodbTableKeyCacheSeconds"
	aSecretsTTL        = "secretsCacheSeconds"
	aBrands            = "activeBrands"
	aWebhookTables     = "webhookTables"
	aWorkerTables      = "workerTables"
	aStoreQueues       = "activeStoreQueues"
	// aWorkerInstances is optional (defaultWorkerInstances when docs/prices.json has none):
	// the worker's warm instances, each holding its own daily counters.
	aWorkerInstances = "workerInstances"
)

// defaultWorkerInstances is aWorkerInstances when docs/prices.json does not say: at a
// thousand messages an hour a turn of a fraction of a second keeps one or two warm.
const defaultWorkerInstances = 2

var requiredPrices = []string{pAPIGateway, pLambdaRequest, pLambdaArmGBs, pDynamoWRU, pDynamoRRU, pSQSFifo, pKMSRequest, pSecretsAPICall}

var requiredAssumptions = []string{aTwilioLatencyMs, aMessagesPerHour, aColdStartsPer1000, aPollers, aPollSeconds,
	aSQSKeyReuse, aDynamoKeyCache, aSecretsTTL, aBrands, aWebhookTables, aWorkerTables, aStoreQueues}

// readPrices reads and checks the prices file: every price the model uses, positive, with
// its unit and source; every assumption.
func readPrices(r io.Reader) (Prices, error) {
	var p Prices
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return p, fmt.Errorf("prices: %w", err)
	}
	var problems []string
	if p.AsOf == "" || p.Region == "" || p.Currency != "USD" {
		problems = append(problems, "asOf, region and currency USD are required")
	}
	for _, k := range requiredPrices {
		pr, ok := p.Prices[k]
		switch {
		case !ok:
			problems = append(problems, "no price "+k)
		case pr.USD < 0 || pr.Per <= 0 || pr.Unit == "" || pr.Source == "":
			problems = append(problems, k+" needs usd >= 0, per > 0, a unit and a source")
		}
	}
	for _, k := range requiredAssumptions {
		if a, ok := p.Assumptions[k]; !ok || a.Value < 0 || a.Why == "" {
			problems = append(problems, "assumption "+k+" needs a value >= 0 and why")
		}
	}
	if p.Assumptions[aMessagesPerHour].Value <= 0 || p.Assumptions[aPollSeconds].Value <= 0 ||
		p.Assumptions[aSQSKeyReuse].Value <= 0 || p.Assumptions[aDynamoKeyCache].Value <= 0 || p.Assumptions[aSecretsTTL].Value <= 0 {
		problems = append(problems, "the rates and periods of the assumptions must be positive")
	}
	if len(problems) > 0 {
		return p, errors.New("prices: " + strings.Join(problems, "; "))
	}
	return p, nil
}

func (p Prices) each(key string) float64   { return p.Prices[key].Each() }
func (p Prices) assume(key string) float64 { return p.Assumptions[key].Value }

// workerInstances is the aWorkerInstances assumption, or defaultWorkerInstances.
func workerInstances(p Prices) float64 {
	if a, ok := p.Assumptions[aWorkerInstances]; ok && a.Value > 0 {
		return a.Value
	}
	return defaultWorkerInstances
}

// Usage is what one message costs in work on one path, measured by the benchmarks.
type Usage struct {
	Ms         float64 // wall time of the operation (ns/op / 1e6)
	WRU, RRU   float64 // DynamoDB request units
	SQSBilled  float64 // SQS requests as billed
	SecretsAPI float64 // Secrets Manager calls
	// CounterCalls and CounterWRU are the daily counters' writes the operation made, and
	// their write units (part of WRU).
	CounterCalls, CounterWRU float64
}

// usageOf reads a benchmark's metrics.
func usageOf(b Bench) Usage {
	return Usage{Ms: b.Metric("ns/op") / 1e6, WRU: b.Metric("ddb-wru/op"), RRU: b.Metric("ddb-rru/op"),
		SQSBilled: b.Metric("sqs-billed-requests/op"), SecretsAPI: b.Metric("secrets-calls/op"),
		CounterCalls: b.Metric("counters-calls/op"), CounterWRU: b.Metric("ddb-counters-wru/op")}
}

// Counters is how the worker keeps the daily counters, as the benchmarks measured it.
type Counters struct {
	// MaxAgeS is how long traffic counts wait in an instance's memory before a batch writes
	// them (metrics.Daily's MaxAge); 0: every batch writes every key it counted.
	MaxAgeS float64 `json:"maxAgeSeconds"`
	// WRUPerWrite is the write units of one counters write, measured (1: an item under 1 KB).
	WRUPerWrite float64 `json:"wruPerWrite"`
}

// CostInput is one kind of message: the webhook's work, one worker turn, and the functions'
// configuration and cold starts.
type CostInput struct {
	Webhook, Turn               Usage
	WebhookMemMB, WorkerMemMB   int
	WebhookInitMs, WorkerInitMs float64
	MessagesPerHour             float64 // overrides the assumption when > 0
	Counters                    Counters
}

// CostLine is one service's US$ per 1,000 messages.
type CostLine struct {
	Service string  `json:"service"`
	USD     float64 `json:"usdPer1000"`
	Basis   string  `json:"basis"`
}

// Cost is US$ per 1,000 messages, by service.
type Cost struct {
	Lines []CostLine `json:"lines"`
	Total float64    `json:"totalUsdPer1000"`
}

// billedMs is Lambda's billed duration of one invocation: whole milliseconds, rounded up.
func billedMs(ms float64) float64 { return math.Ceil(ms - 1e-9) }

// costPer1000 prices 1,000 messages, each one webhook invocation (one API Gateway request)
// and one worker invocation (a batch of one: the worst case) with one reply.
func costPer1000(p Prices, in CostInput) Cost {
	const n = 1000.0
	perHour := p.assume(aMessagesPerHour)
	if in.MessagesPerHour > 0 {
		perHour = in.MessagesPerHour
	}
	hours := n / perHour // how long 1,000 messages take at that rate
	brands := p.assume(aBrands)
	coldStarts := p.assume(aColdStartsPer1000)
	gbs := func(ms float64, memMB int) float64 { return billedMs(ms) / 1000 * float64(memMB) / 1024 }

	var lines []CostLine
	add := func(service string, usd float64, basis string, args ...any) {
		lines = append(lines, CostLine{Service: service, USD: usd, Basis: fmt.Sprintf(basis, args...)})
	}
	add("API Gateway (HTTP API)", n*p.each(pAPIGateway), "1 request a message")

	workerMs := in.Turn.Ms + p.assume(aTwilioLatencyMs)
	invokeGBs := n * (gbs(in.Webhook.Ms, in.WebhookMemMB) + gbs(workerMs, in.WorkerMemMB))
	initGBs := coldStarts * (gbs(in.WebhookInitMs, in.WebhookMemMB) + gbs(in.WorkerInitMs, in.WorkerMemMB))
	add("Lambda (arm64)", 2*n*p.each(pLambdaRequest)+(invokeGBs+initGBs)*p.each(pLambdaArmGBs),
		"2 requests a message; webhook %.0f ms at %d MB, worker %.0f ms (turn %.1f + Twilio %.0f assumed) at %d MB; %.0f cold starts a function with init billed (%.1f and %.1f ms): %.2f GB-s",
		billedMs(in.Webhook.Ms), in.WebhookMemMB, billedMs(workerMs), in.Turn.Ms, p.assume(aTwilioLatencyMs), in.WorkerMemMB,
		coldStarts, in.WebhookInitMs, in.WorkerInitMs, invokeGBs+initGBs)

	turnWRU := in.Turn.WRU - in.Turn.CounterWRU
	wru, rru := in.Webhook.WRU+turnWRU, in.Webhook.RRU+in.Turn.RRU
	add("DynamoDB (on-demand)", n*(wru*p.each(pDynamoWRU)+rru*p.each(pDynamoRRU)),
		"%.2f WRU and %.2f RRU a message (webhook %.2f/%.2f, turn %.2f/%.2f), the daily counters apart", wru, rru, in.Webhook.WRU, in.Webhook.RRU, turnWRU, in.Turn.RRU)

	// The daily counters (metrics.Daily): the writes the benchmark measured (with the batch:
	// a key holding an order, revenue or a handoff, or every key when counts do not wait),
	// and the timed writes of traffic counts, which a benchmark of seconds cannot see: each
	// instance writes each key it holds at most once per MaxAge, and a batch at most once.
	perWrite := in.Counters.WRUPerWrite
	if perWrite <= 0 {
		perWrite = 1
	}
	keys := brands + p.assume(aStoreQueues) // each brand's counts without a store, each store's
	instances := workerInstances(p)
	var timed float64
	if in.Counters.MaxAgeS > 0 {
		timed = min(instances*keys*3600/in.Counters.MaxAgeS*hours, n*max(0, 1-in.Turn.CounterCalls))
	}
	counterKMS := 3600 / p.assume(aDynamoKeyCache) * hours // the table's key, for the worker
	counterWRU := n*in.Turn.CounterWRU + timed*perWrite
	if in.Counters.MaxAgeS > 0 {
		add("DynamoDB daily counters", counterWRU*p.each(pDynamoWRU)+counterKMS*p.each(pKMSRequest),
			"%.2f writes a message measured with the batch (%.2f WRU) + %.0f timed writes of %.2f WRU (at most one per key per %.0f s per instance: %.0f keys, %.0f instances, over %.2f h; at most one a batch) + %.0f KMS requests for the table's key",
			in.Turn.CounterCalls, in.Turn.CounterWRU, timed, perWrite, in.Counters.MaxAgeS, keys, instances, hours, counterKMS)
	} else {
		add("DynamoDB daily counters", counterWRU*p.each(pDynamoWRU)+counterKMS*p.each(pKMSRequest),
			"%.2f writes a message measured, every batch writing what it counted (%.2f WRU) + %.0f KMS requests for the table's key",
			in.Turn.CounterCalls, in.Turn.CounterWRU, counterKMS)
	}

	polls := p.assume(aPollers) * 3600 / p.assume(aPollSeconds) * hours
	sqsReqs := n*(in.Webhook.SQSBilled+in.Turn.SQSBilled+2) + polls
	add("SQS (FIFO)", sqsReqs*p.each(pSQSFifo),
		"%.2f requests a message counted (webhook %.2f, turn %.2f) + 2 by Lambda's event source (receive, delete) + %.0f long polls over %.2f h (%.0f pollers, %.0f s)",
		in.Webhook.SQSBilled+in.Turn.SQSBilled+2, in.Webhook.SQSBilled, in.Turn.SQSBilled, polls, hours, p.assume(aPollers), p.assume(aPollSeconds))

	// Secrets Manager: the functions cache each brand's secret (secrets.DefaultTTL), so calls
	// come with cold starts and cache expiries, not with messages.
	expiries := 3600 / p.assume(aSecretsTTL) * hours * brands * 2
	secretCalls := n*(in.Webhook.SecretsAPI+in.Turn.SecretsAPI) + 2*coldStarts*brands + expiries
	add("Secrets Manager", secretCalls*p.each(pSecretsAPICall),
		"%.1f GetSecretValue: per cold start and per cache expiry (%.0f s) of %.0f brand(s) in 2 functions over %.2f h", secretCalls, p.assume(aSecretsTTL), brands, hours)

	// KMS (one customer-managed key for tables, queues and secrets): a Decrypt per secret
	// read; SQS asks for a data key once per reuse period per queue and principal (producer
	// and consumer); DynamoDB for a table key once per cache period per table and principal.
	queues := 1 + p.assume(aStoreQueues)
	sqsKMS := 3600 / p.assume(aSQSKeyReuse) * hours * queues * 2
	ddbKMS := 3600 / p.assume(aDynamoKeyCache) * hours * (p.assume(aWebhookTables) + p.assume(aWorkerTables))
	kms := secretCalls + sqsKMS + ddbKMS
	add("KMS", kms*p.each(pKMSRequest),
		"%.0f requests: %.0f with secret reads, %.0f SQS data keys (%.0f queues), %.0f DynamoDB table keys over %.2f h", kms, secretCalls, sqsKMS, queues, ddbKMS, hours)

	c := Cost{Lines: lines}
	for _, l := range lines {
		c.Total += l.USD
	}
	return c
}

// mixCost is the weighted mean of costs by path.
func mixCost(costs map[string]Cost, weights map[string]float64) (Cost, error) {
	var total float64
	keys := make([]string, 0, len(weights))
	for k, w := range weights {
		if w < 0 {
			return Cost{}, fmt.Errorf("turn mix: negative weight for %s", k)
		}
		if _, ok := costs[k]; !ok && w > 0 {
			return Cost{}, fmt.Errorf("turn mix: no benchmark for %s", k)
		}
		total += w
		keys = append(keys, k)
	}
	if total <= 0 {
		return Cost{}, errors.New("turn mix: the weights add up to nothing")
	}
	sort.Strings(keys)
	var out Cost
	for _, k := range keys {
		w := weights[k] / total
		for i, l := range costs[k].Lines {
			if len(out.Lines) <= i {
				out.Lines = append(out.Lines, CostLine{Service: l.Service, Basis: "weighted by the turn mix"})
			}
			out.Lines[i].USD += w * l.USD
		}
		out.Total += w * costs[k].Total
	}
	return out, nil
}
