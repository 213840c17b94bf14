package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusLine is BenchmarkGoldenCorpus's result line as go test prints it.
func corpusLine(noModel, inputTok float64) string {
	return "BenchmarkGoldenCorpus-2 \t 1\t 3000000000 ns/op\t 1.000 answer-cache-hits/op\t 1500 cache-read-tok/model-turn\t 100.0 cache-write-tok/model-turn\t " +
		ftoa(inputTok) + " input-tok/model-turn\t 2.000 model-calls/model-turn\t 0 model-fallbacks/op\t 25.00 model-turns/op\t " + ftoa(noModel) +
		" no-model-%\t 40.00 output-tok/model-turn\t 75.00 prompt-cache-hit-%\t 79.00 rules-only-%\t 100.0 turns/op\t 9.000 conversations/op\n"
}

func TestAIOfTheCorpusBenchmark(t *testing.T) {
	bs, err := parseBench(strings.NewReader("goos: linux\n" + corpusLine(75, 480) + "--- BENCH: BenchmarkGoldenCorpus-2\n    ai_corpus_test.go:1: 25 of 100 turns\n" + corpusLine(75, 500)))
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 1 {
		t.Fatalf("parsed %+v", bs)
	}
	a := aiOf(bs[0])
	if a == nil {
		t.Fatal("no AI figures")
	}
	want := AI{Benchmark: corpusBenchmark, Runs: 2, N: 1, Conversations: 9, Turns: 100, ModelTurns: 25, NoModelPercent: 75, RulesOnlyPercent: 79,
		AnswerCacheHits: 1, CallsPerModelTurn: 2, InputTokens: 490, CacheWriteTokens: 100, CacheReadTokens: 1500, OutputTokens: 40, PromptCacheHitPercent: 75}
	if a.Benchmark != want.Benchmark || a.Runs != want.Runs || a.N != want.N || a.Conversations != want.Conversations || a.Turns != want.Turns ||
		a.ModelTurns != want.ModelTurns || a.NoModelPercent != want.NoModelPercent || a.RulesOnlyPercent != want.RulesOnlyPercent ||
		a.AnswerCacheHits != want.AnswerCacheHits || a.CallsPerModelTurn != want.CallsPerModelTurn || a.InputTokens != want.InputTokens ||
		a.CacheWriteTokens != want.CacheWriteTokens || a.CacheReadTokens != want.CacheReadTokens || a.OutputTokens != want.OutputTokens ||
		a.PromptCacheHitPercent != want.PromptCacheHitPercent {
		t.Errorf("AI %+v\nwant %+v", *a, want)
	}
	if s := a.ModelTurnShare(); s != 0.25 {
		t.Errorf("model turn share %v, want 0.25", s)
	}
	if aiOf(Bench{Name: corpusBenchmark, Metrics: map[string]float64{"ns/op": 1}}) != nil {
		t.Error("a result without turns read as figures")
	}
}

func TestAITargets(t *testing.T) {
	for _, c := range []struct {
		name            string
		ai              *AI
		noModel, tokens bool
		notMeasured     bool
	}{
		{"both met", &AI{Turns: 100, ModelTurns: 40, NoModelPercent: 60, InputTokens: 1500}, true, true, false},
		{"too many model turns", &AI{Turns: 100, ModelTurns: 41, NoModelPercent: 59, InputTokens: 400}, false, true, false},
		{"too many tokens", &AI{Turns: 100, ModelTurns: 10, NoModelPercent: 90, InputTokens: 1501}, true, false, false},
		{"not measured", nil, false, false, true},
	} {
		r := &Report{AI: c.ai}
		got := map[string]Target{}
		for _, tg := range targets(r) {
			got[tg.Name] = tg
		}
		nm, tok := got["golden corpus: turns with no model call"], got["golden corpus: input tokens per model turn, uncached (not read from the prompt cache)"]
		if nm.Pass != c.noModel || tok.Pass != c.tokens {
			t.Errorf("%s: no-model target %+v, tokens target %+v; want pass %v and %v", c.name, nm, tok, c.noModel, c.tokens)
		}
		if !nm.AtLeast || tok.AtLeast || nm.Limit != 60 || tok.Limit != 1500 {
			t.Errorf("%s: targets %+v and %+v", c.name, nm, tok)
		}
		if nm.NotMeasured != c.notMeasured || tok.NotMeasured != c.notMeasured {
			t.Errorf("%s: not measured %v and %v", c.name, nm.NotMeasured, tok.NotMeasured)
		}
	}
}

func TestBedrockBeside(t *testing.T) {
	p := testPrices()
	pr := func(usd float64) Price { return Price{USD: usd, Per: 1e6, Unit: "token", Source: "s"} }
	p.Prices["bedrockClaudeHaiku45InputToken"], p.Prices["bedrockClaudeHaiku45OutputToken"] = pr(1), pr(5)
	p.Assumptions[aBedrockInputTokens], p.Assumptions[aBedrockOutputTokens] = Assumption{Value: 1500, Why: "w"}, Assumption{Value: 150, Why: "w"}
	a := &AI{Turns: 100, ModelTurns: 20, InputTokens: 500, OutputTokens: 50, CacheWriteTokens: 100, CacheReadTokens: 1500}

	// Measured, no cache prices: 1,000 messages x 20 % x (500 x $1 + 50 x $5) a million.
	got := bedrockBeside(p, a)
	if len(got) != 1 || got[0].Item != "Bedrock, Claude Haiku 4.5" {
		t.Fatalf("lines %+v", got)
	}
	if want := 1000 * 0.2 * (500*1e-6 + 50*5e-6); math.Abs(got[0].USD-want) > 1e-12 {
		t.Errorf("measured: $%v, want $%v", got[0].USD, want)
	}
	for _, s := range []string{"20.0 %", "not priced", "bedrockClaudeHaiku45CacheReadToken", "1500 tokens read from"} {
		if !strings.Contains(got[0].Basis, s) {
			t.Errorf("basis %q lacks %q", got[0].Basis, s)
		}
	}

	// With cache prices, the reads and writes are priced too.
	p.Prices["bedrockClaudeHaiku45CacheWriteToken"], p.Prices["bedrockClaudeHaiku45CacheReadToken"] = pr(1.25), pr(0.1)
	got = bedrockBeside(p, a)
	if want := 1000 * 0.2 * (500*1e-6 + 50*5e-6 + 100*1.25e-6 + 1500*0.1e-6); math.Abs(got[0].USD-want) > 1e-12 || strings.Contains(got[0].Basis, "not priced") {
		t.Errorf("with cache prices: $%v (%s), want $%v", got[0].USD, got[0].Basis, want)
	}

	// Not measured: the assumptions, every turn once.
	got = bedrockBeside(p, nil)
	if want := 1000 * (1500*1e-6 + 150*5e-6); len(got) != 1 || math.Abs(got[0].USD-want) > 1e-12 || !strings.Contains(got[0].Basis, "assumed") {
		t.Errorf("assumed: %+v, want $%v", got, want)
	}
}

func TestReadCorpusTurns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "turns.json")
	if err := os.WriteFile(path, []byte(`[
  {"file":"a.txt","line":3,"message":"oi","modelCalls":0,"reply":"Olá"},
  {"file":"a.txt","line":4,"message":"vcs entregam no itaim?","modelCalls":2,"inputTokens":350,"reply":"Entrega"},
  {"file":"b.txt","line":9,"message":"sim","modelCalls":0,"answerCacheHit":true}
]`), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readCorpusTurns(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Message != "vcs entregam no itaim?" || got[0].InputTokens != 350 || !got[1].AnswerCacheHit {
		t.Errorf("turns %+v, want the model's and the answer cache's", got)
	}
	if _, err := readCorpusTurns(filepath.Join(t.TempDir(), "none.json")); err == nil {
		t.Error("a missing file read")
	}
}

// A whole report with the corpus: its section, its targets (one failed), the Bedrock lines
// from the measurement, and BENCH_STRICT's reason to fail.
func TestBuildReportWithTheCorpus(t *testing.T) {
	dir := t.TempDir()
	put := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	line := func(name string) string {
		return name + "-2 \t 10\t 20000000 ns/op\t 2 aws-calls/op\t 2 dynamodb-calls/op\t 1 ddb-wru/op\t 1000 B/op\t 10 allocs/op\n"
	}
	var b strings.Builder
	for _, p := range paths {
		b.WriteString(line(p.Benchmark))
	}
	b.WriteString(corpusLine(55, 480)) // 55 %: under the target of 60 %
	bench := put("bench.txt", b.String())
	runtimeGo := put("runtime.go", "package stacks\nconst (\n\tWebhookMemoryMB = 256\n\tWorkerMemoryMB = 512\n)\n")
	prices, err := os.ReadFile("../../../docs/prices.json")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := build(bench, "", put("prices.json", string(prices)), runtimeGo, nil, "-benchtime 10x")
	if err != nil {
		t.Fatal(err)
	}
	if rep.AI == nil || rep.AI.NoModelPercent != 55 || len(rep.Other) != 0 {
		t.Fatalf("AI %+v, other benchmarks %+v", rep.AI, rep.Other)
	}
	rep.AI.ModelMessages = []CorpusTurn{{File: "a.txt", Line: 4, Message: "meio | meio", ModelCalls: 3, InputTokens: 900, Reply: "Anotei"}}
	pass := map[string]bool{}
	for _, tg := range rep.Targets {
		pass[tg.Name] = tg.Pass
	}
	if pass["golden corpus: turns with no model call"] || !pass["golden corpus: input tokens per model turn, uncached (not read from the prompt cache)"] {
		t.Errorf("targets %+v", rep.Targets)
	}
	var md strings.Builder
	if err := write(rep, dir, &md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## AI (golden corpus)", "| turns with no model call | 55 %", "≥ 60 %", "| input tokens at full price (not read from the prompt cache) | 480 |",
		"measured over the golden corpus: 25.0 % of messages", "a.txt:4 | meio \\| meio | 3 | 900", "not used: the Bedrock lines above use the golden corpus's measurement"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("the markdown lacks %q", want)
		}
	}

	// Without the corpus's result, its targets fail as not measured.
	bench = put("bench2.txt", strings.Replace(b.String(), corpusLine(55, 480), "", 1))
	rep, err = build(bench, "", filepath.Join(dir, "prices.json"), runtimeGo, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range rep.Targets {
		if strings.HasPrefix(tg.Name, "golden corpus") && (tg.Pass || !tg.NotMeasured) {
			t.Errorf("unmeasured target %+v", tg)
		}
	}
	md.Reset()
	if err := write(rep, dir, &md); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "No BenchmarkGoldenCorpus result") || !strings.Contains(md.String(), "assumed, not measured") {
		t.Error("the markdown does not say the model's part was not measured")
	}
}
