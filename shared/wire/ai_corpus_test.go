package wire_test

import (
	"bufio"
	"context"
	"encoding/json"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/bedrock"
	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/dev/emulator/emulatortest"
	"github.com/wabot-platform/wabot/shared/dev/localmodel"
	"github.com/wabot-platform/wabot/shared/dev/localmodel/standin"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/metrics"
	"github.com/wabot-platform/wabot/shared/wire"
)

// The golden corpus: every customer message of the local runner's golden transcripts
// (functions/local/testdata/golden) and of this package's corpus (testdata/corpus), the
// conversations customers have with the demo brands, typos, questions and all. Same format:
// "brand <number>", then "> message" lines; reply ("< "), order ("= ") and comment ("#")
// lines are skipped here.
var corpusGlobs = []string{"../../functions/local/testdata/golden/*.txt", "testdata/corpus/*.txt"}

// corpusTurnsEnv, when set, is a file where BenchmarkGoldenCorpus writes every turn of its
// first play (JSON: file, line, message, model calls and tokens), so `make bench`'s report can
// say which messages went to the model (scripts/bench.sh sets it).
const corpusTurnsEnv = "WABOT_BENCH_CORPUS_TURNS"

type corpusConversation struct {
	file     string // base name
	clientID string
	number   string
	says     []corpusLine
}

type corpusLine struct {
	line int
	text string
}

// loadCorpus reads every transcript of corpusGlobs.
func loadCorpus(tb testing.TB) []corpusConversation {
	tb.Helper()
	brands := map[string]string{}
	for _, tn := range demo.Tenants() {
		brands[tn.Client.TwilioPhoneNumber] = tn.Client.ClientID
	}
	var out []corpusConversation
	for _, g := range corpusGlobs {
		files, err := filepath.Glob(g)
		if err != nil || len(files) == 0 {
			tb.Fatalf("corpus %s: %v %v", g, files, err)
		}
		for _, path := range files {
			c := corpusConversation{file: filepath.Base(path)}
			f, err := os.Open(path)
			if err != nil {
				tb.Fatal(err)
			}
			sc := bufio.NewScanner(f)
			for n := 1; sc.Scan(); n++ {
				line := sc.Text()
				switch {
				case strings.HasPrefix(line, "brand "):
					c.number = strings.TrimSpace(strings.TrimPrefix(line, "brand "))
					c.clientID = brands[c.number]
				case strings.HasPrefix(line, "> "):
					c.says = append(c.says, corpusLine{line: n, text: strings.TrimPrefix(line, "> ")})
				}
			}
			f.Close()
			if err := sc.Err(); err != nil {
				tb.Fatal(err)
			}
			if c.clientID == "" || len(c.says) == 0 {
				tb.Fatalf("%s: no demo brand (%q) or no message", path, c.number)
			}
			out = append(out, c)
		}
	}
	return out
}

// modelMeter is the engine's metrics recorder of the benchmark: it adds up each metric by
// name (metrics.Memory keeps every point, and reading it after each turn would grow with
// the run). Every model figure comes from here: the engine counts each call and the usage the
// model server reported for it (conversation.Service.modelFor), the answer cache's hits and
// the fallbacks (countAI).
type modelMeter struct {
	mu   sync.Mutex
	sums map[string]float64
}

func (m *modelMeter) Count(_ context.Context, name string, n float64, _ metrics.Dims) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sums == nil {
		m.sums = map[string]float64{}
	}
	m.sums[name] += n
}

func (m *modelMeter) snapshot() map[string]float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.sums)
}

// corpusTurn is what one message cost in model work.
type corpusTurn struct {
	File             string  `json:"file"`
	Line             int     `json:"line"`
	Message          string  `json:"message"`
	ModelCalls       float64 `json:"modelCalls"`
	InputTokens      float64 `json:"inputTokens"`
	OutputTokens     float64 `json:"outputTokens"`
	CacheReadTokens  float64 `json:"cacheReadTokens"`
	CacheWriteTokens float64 `json:"cacheWriteTokens"`
	AnswerCacheHit   bool    `json:"answerCacheHit,omitempty"`
	Fallback         bool    `json:"fallback,omitempty"`
	// Reply is what the customer got (every message of the turn), to judge the turn by.
	Reply string `json:"reply"`
}

func turnOf(before, after map[string]float64) corpusTurn {
	d := func(name string) float64 { return after[name] - before[name] }
	return corpusTurn{ModelCalls: d(metrics.ModelCalls), InputTokens: d(metrics.ModelInputTokens), OutputTokens: d(metrics.ModelOutputTokens),
		CacheReadTokens: d(metrics.ModelCacheReadTokens), CacheWriteTokens: d(metrics.ModelCacheWriteTokens),
		AnswerCacheHit: d(metrics.AnswerCacheHits) > 0, Fallback: d(metrics.ModelFallbacks) > 0}
}

// replies keeps what the engine sends, by customer, before it hands it to the messenger.
type replies struct {
	domain.Messenger
	mu   sync.Mutex
	sent map[string][]string
}

func (r *replies) Send(ctx context.Context, m domain.OutboundMessage) (string, error) {
	r.mu.Lock()
	if r.sent == nil {
		r.sent = map[string][]string{}
	}
	r.sent[m.To] = append(r.sent[m.To], m.Body)
	r.mu.Unlock()
	return r.Messenger.Send(ctx, m)
}

// take returns and forgets what was sent to the customer.
func (r *replies) take(to string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := strings.Join(r.sent[to], "\n")
	delete(r.sent, to)
	return out
}

// eveningOffset is how far the benchmark's clock runs ahead of the real one: it shows 21:00
// in São Paulo on the Friday after the next (the demo pizzeria is open) when the run starts,
// and advances with real time, as the local runner's tests set it. Messages are stamped with
// it too, so each is a moment old when its turn runs, as in use.
func eveningOffset(tb testing.TB) time.Duration {
	tb.Helper()
	sp, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		tb.Fatal(err)
	}
	t := time.Now().In(sp)
	for t.Weekday() != time.Friday {
		t = t.AddDate(0, 0, 1)
	}
	return time.Until(time.Date(t.Year(), t.Month(), t.Day()+7, 21, 0, 0, 0, sp))
}

// pixStub is the payment provider of the benchmark: every charge a pending PIX (or card
// link) at once, as the provider's sandbox answers; no network (the default provider is
// Asaas itself).
type pixStub struct{ now func() time.Time }

func (p pixStub) Charge(_ context.Context, _ *domain.Client, o *domain.Order, _ domain.Payer) (*domain.Charge, error) {
	return &domain.Charge{PaymentID: "pay_" + o.OrderID, CustomerID: "cus_bench", Method: o.PaymentMethod, Status: "PENDING",
		AmountCents: o.TotalCents, PixCode: "00020126580014br.gov.bcb.pix0136bench-" + o.OrderID,
		URL: "https://sandbox.asaas.test/i/" + o.OrderID, ExpiresAt: p.now().Add(30 * time.Minute)}, nil
}

func (pixStub) CancelCharge(context.Context, *domain.Client, string) error { return nil }

func (pixStub) Refund(context.Context, *domain.Client, string, string) error { return nil }

// BenchmarkGoldenCorpus plays the golden corpus through the worker's Lambda entry point with
// the language model on: the rules first, and what they cannot read to the local model
// stand-in (localmodel's Converse server with the standin brain) through the Bedrock adapter
// and the AWS SDK's Bedrock Runtime client, each brand on its own inference profile. One
// operation plays every conversation once, each as a new customer, one message per turn.
//
// Per operation it reports the turns; the share of turns with no model call ("no-model-%":
// the rules answered, or the answer cache did, which calls no model; "answer-cache-hits/op"
// says how many of those the cache answered, "rules-only-%" the share neither asked the
// model nor its cache); and per turn that called the model ("model-turn"): the calls, the
// input tokens read at full price (not from the prompt cache), the tokens written to and
// read from the prompt cache, the output tokens; and the prompt cache's hit rate (tokens
// read from it over all input tokens). The tokens are the model server's own accounting
// (four characters a token; its simulation of Bedrock's prompt cache, five minutes from the
// last use), as the engine counted them from each response's usage: the first call of a
// brand and store writes the cached prefix, later calls within five minutes read it, as a
// busy brand's would. Later plays of one run find earlier answers in the answer cache
// (30 minutes, per store and exact words): -benchtime 1x measures each turn once.
func BenchmarkGoldenCorpus(b *testing.B) {
	corpus := loadCorpus(b)
	srv := httptest.NewServer(localmodel.NewServer(standin.Brain{}))
	b.Cleanup(srv.Close)
	meter := &modelMeter{}
	// The wiring's default model (bedrock.New over the clients' Bedrock Runtime), over clients
	// of its own whose Bedrock Runtime endpoint is the stand-in: the fixture's clients are
	// built inside newFixtureWithOptions.
	model := bedrock.New(bedrock.ClientsFrom(awsclients.NewStatic(emulatortest.Config(b)), srv.URL))
	offset := eveningOffset(b)
	now := func() time.Time { return time.Now().Add(offset) }
	sent := &replies{}
	f := newFixtureWithOptions(b, nil, func(o *wire.Options) {
		sent.Messenger = o.Messenger
		o.Model, o.Metrics, o.Now, o.Payments, o.Messenger = model, meter, now, pixStub{now}, sent
	})
	// Each brand on its own application inference profile, as its registration writes it in
	// AWS; the daily token budget out of the way (it is not what is measured here).
	ctx := domain.NewPlatformContext(context.Background())
	for _, tn := range demo.Tenants() {
		id := tn.Client.ClientID
		if _, err := f.rt.Repos.UpdateClient(ctx, id, func(c *domain.Client) error {
			c.InferenceProfileARN = "arn:aws:bedrock:sa-east-1:111111111111:application-inference-profile/" + id
			c.AIDailyTokenBudget = domain.MaxAIDailyTokenBudget
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}

	var totals corpusTurn
	var turns, modelTurns, cacheHits, fallbacks int
	var first []corpusTurn
	b.ResetTimer()
	for i := range b.N {
		for _, c := range corpus {
			phone := f.newPhone()
			for _, s := range c.says {
				m := domain.InboundMessage{Version: 1, ClientID: c.clientID, MessageSid: f.sid(), From: phone, To: c.number,
					Body: s.text, ProfileName: "Cliente", ReceivedAt: f.receivedAt().Add(offset)}
				ev := sqsEvent(b, m)
				before := meter.snapshot()
				f.work(b, ev)
				t := turnOf(before, meter.snapshot())
				t.File, t.Line, t.Message, t.Reply = c.file, s.line, s.text, sent.take(phone)
				turns++
				switch {
				case t.ModelCalls > 0:
					modelTurns++
				case t.AnswerCacheHit:
					cacheHits++
				}
				if t.Fallback {
					fallbacks++
				}
				totals.ModelCalls += t.ModelCalls
				totals.InputTokens += t.InputTokens
				totals.OutputTokens += t.OutputTokens
				totals.CacheReadTokens += t.CacheReadTokens
				totals.CacheWriteTokens += t.CacheWriteTokens
				if i == 0 {
					first = append(first, t)
				}
			}
		}
		b.StopTimer()
		for store := range f.posQueues {
			f.drain(b, store)
		}
		b.StartTimer()
	}
	b.StopTimer()

	n := float64(b.N)
	perModelTurn := func(v float64) float64 {
		if modelTurns == 0 {
			return 0
		}
		return v / float64(modelTurns)
	}
	b.ReportMetric(float64(len(corpus)), "conversations/op")
	b.ReportMetric(float64(turns)/n, "turns/op")
	b.ReportMetric(float64(modelTurns)/n, "model-turns/op")
	b.ReportMetric(100*float64(turns-modelTurns)/float64(turns), "no-model-%")
	b.ReportMetric(100*float64(turns-modelTurns-cacheHits)/float64(turns), "rules-only-%")
	b.ReportMetric(float64(cacheHits)/n, "answer-cache-hits/op")
	b.ReportMetric(float64(fallbacks)/n, "model-fallbacks/op")
	b.ReportMetric(perModelTurn(totals.ModelCalls), "model-calls/model-turn")
	b.ReportMetric(perModelTurn(totals.InputTokens), "input-tok/model-turn")
	b.ReportMetric(perModelTurn(totals.CacheWriteTokens), "cache-write-tok/model-turn")
	b.ReportMetric(perModelTurn(totals.CacheReadTokens), "cache-read-tok/model-turn")
	b.ReportMetric(perModelTurn(totals.OutputTokens), "output-tok/model-turn")
	if all := totals.InputTokens + totals.CacheReadTokens + totals.CacheWriteTokens; all > 0 {
		b.ReportMetric(100*totals.CacheReadTokens/all, "prompt-cache-hit-%")
	}

	if path := os.Getenv(corpusTurnsEnv); path != "" {
		js, err := json.MarshalIndent(first, "", "  ")
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path, append(js, '\n'), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	called := 0
	for _, t := range first {
		if t.ModelCalls > 0 {
			called++
		}
	}
	b.Logf("%d of %d turns of the first play called the model (%s=<file> writes each turn with its model calls, tokens and reply)",
		called, len(first), corpusTurnsEnv)
}
