package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// The language model's part, measured over the golden corpus by shared/wire's
// BenchmarkGoldenCorpus: every customer message of the golden transcripts played through
// the worker with the model on (the local model stand-in behind the Bedrock adapter), the
// rules first.
const corpusBenchmark = "BenchmarkGoldenCorpus"

// Targets of the model's part (the "Done when").
const (
	minNoModelPercent       = 60   // share of turns with no model call, at least
	maxInputTokensModelTurn = 1500 // input tokens at full price (not read from the prompt cache) a model turn, at most
)

// AI is the golden corpus's figures: per play of the corpus (one operation), and per model
// turn (a turn, one customer message, that called the model at least once).
type AI struct {
	Benchmark     string  `json:"benchmark"`
	Runs          int     `json:"runs"`
	N             int     `json:"iterations"` // plays of the corpus in the last run
	Conversations float64 `json:"conversations"`
	Turns         float64 `json:"turnsPerPlay"`
	ModelTurns    float64 `json:"modelTurnsPerPlay"`
	// NoModelPercent is the share of turns with no model call: the rules answered, or the
	// answer cache did (no call either); RulesOnlyPercent leaves the answer cache's out.
	NoModelPercent   float64 `json:"noModelPercent"`
	RulesOnlyPercent float64 `json:"rulesOnlyPercent"`
	AnswerCacheHits  float64 `json:"answerCacheHitsPerPlay"`
	Fallbacks        float64 `json:"modelFallbacksPerPlay"`
	// Per model turn: the calls (tool rounds and the final answer), the input tokens read at
	// full price, written to the prompt cache and read from it, and the output tokens.
	CallsPerModelTurn float64 `json:"modelCallsPerModelTurn"`
	InputTokens       float64 `json:"inputTokensPerModelTurn"`
	CacheWriteTokens  float64 `json:"cacheWriteTokensPerModelTurn"`
	CacheReadTokens   float64 `json:"cacheReadTokensPerModelTurn"`
	OutputTokens      float64 `json:"outputTokensPerModelTurn"`
	// PromptCacheHitPercent is the tokens read from the prompt cache over all input tokens.
	PromptCacheHitPercent float64 `json:"promptCacheHitPercent"`
	// Turns of the first play that called the model or were answered from the answer cache
	// (from the benchmark's turns file, when given).
	ModelMessages []CorpusTurn `json:"modelMessages,omitempty"`
}

// ModelTurnShare is the share of turns that called the model (0 to 1).
func (a *AI) ModelTurnShare() float64 {
	if a == nil || a.Turns <= 0 {
		return 0
	}
	return a.ModelTurns / a.Turns
}

// CorpusTurn is one turn as BenchmarkGoldenCorpus writes it (WABOT_BENCH_CORPUS_TURNS).
type CorpusTurn struct {
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
	Reply            string  `json:"reply,omitempty"`
}

// aiOf reads the corpus benchmark's metrics; nil when it has no turns.
func aiOf(b Bench) *AI {
	m := b.Metric
	if m("turns/op") <= 0 {
		return nil
	}
	return &AI{Benchmark: b.Name, Runs: b.Runs, N: b.N, Conversations: m("conversations/op"), Turns: m("turns/op"),
		ModelTurns: m("model-turns/op"), NoModelPercent: m("no-model-%"), RulesOnlyPercent: m("rules-only-%"),
		AnswerCacheHits: m("answer-cache-hits/op"), Fallbacks: m("model-fallbacks/op"),
		CallsPerModelTurn: m("model-calls/model-turn"), InputTokens: m("input-tok/model-turn"),
		CacheWriteTokens: m("cache-write-tok/model-turn"), CacheReadTokens: m("cache-read-tok/model-turn"),
		OutputTokens: m("output-tok/model-turn"), PromptCacheHitPercent: m("prompt-cache-hit-%")}
}

// readCorpusTurns reads the benchmark's turns file and keeps the turns that called the model
// or its answer cache.
func readCorpusTurns(path string) ([]CorpusTurn, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var all []CorpusTurn
	if err := json.Unmarshal(raw, &all); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []CorpusTurn
	for _, t := range all {
		if t.ModelCalls > 0 || t.AnswerCacheHit {
			out = append(out, t)
		}
	}
	return out, nil
}

// aiTargets are the model's targets: at least minNoModelPercent of the turns without a model
// call, at most maxInputTokensModelTurn full-price input tokens a model turn. Without the
// corpus's measurement both fail.
func aiTargets(a *AI) []Target {
	noModel := Target{Name: "golden corpus: turns with no model call", Limit: minNoModelPercent, Unit: "%", AtLeast: true}
	tokens := Target{Name: "golden corpus: input tokens per model turn, uncached (not read from the prompt cache)", Limit: maxInputTokensModelTurn, Unit: "tokens"}
	if a == nil {
		for _, t := range []*Target{&noModel, &tokens} {
			t.NotMeasured = true
			t.Note = "not measured: no " + corpusBenchmark + " result"
		}
		return []Target{noModel, tokens}
	}
	noModel.Value = a.NoModelPercent
	noModel.Note = fmt.Sprintf("%s of %s turns, %s answered from the answer cache", num(a.Turns-a.ModelTurns), num(a.Turns), num(a.AnswerCacheHits))
	tokens.Value = a.InputTokens
	tokens.Note = fmt.Sprintf("over %s model turns a play; besides, %s tokens written to and %s read from the prompt cache", num(a.ModelTurns),
		num(a.CacheWriteTokens), num(a.CacheReadTokens))
	return []Target{noModel, tokens}
}

// Bedrock models the cost model prices: the keys of their prices in docs/prices.json are
// the prefix and InputToken, OutputToken, and (optional) CacheReadToken and CacheWriteToken.
var bedrockModels = []struct{ name, prefix string }{
	{"Bedrock, Claude Haiku 4.5", "bedrockClaudeHaiku45"},
	{"Bedrock, Amazon Nova Micro", "bedrockNovaMicro"},
}

// Assumptions of docs/prices.json the Bedrock lines use when the corpus was not measured.
const (
	aBedrockInputTokens  = "bedrockInputTokensPerTurn"
	aBedrockOutputTokens = "bedrockOutputTokensPerTurn"
)

// bedrockBeside prices the model per 1,000 messages. Measured (a not nil): the share of
// turns that call the model times a model turn's tokens, full-price input and output, and the
// prompt cache's reads and writes when docs/prices.json prices them (else said, and left
// out). Not measured: the assumptions, as if every turn called the model once.
func bedrockBeside(p Prices, a *AI) []Beside {
	var out []Beside
	price := func(k string) (float64, bool) {
		pr, ok := p.Prices[k]
		return pr.Each(), ok
	}
	for _, m := range bedrockModels {
		pi, ok1 := price(m.prefix + "InputToken")
		po, ok2 := price(m.prefix + "OutputToken")
		if !ok1 || !ok2 {
			continue
		}
		if a == nil {
			in, o := p.assume(aBedrockInputTokens), p.assume(aBedrockOutputTokens)
			if in > 0 {
				out = append(out, Beside{m.name, 1000 * (in*pi + o*po),
					fmt.Sprintf("assumed, not measured (no %s result): every turn calling the model once with %.0f input and %.0f output tokens", corpusBenchmark, in, o)})
			}
			continue
		}
		share := a.ModelTurnShare()
		perTurn := a.InputTokens*pi + a.OutputTokens*po
		basis := fmt.Sprintf("measured over the golden corpus: %.1f %% of messages call the model, each such turn %s input tokens at full price and %s output tokens",
			100*share, num(a.InputTokens), num(a.OutputTokens))
		var unpriced []string
		for _, c := range []struct {
			key, what string
			tokens    float64
		}{{"CacheWriteToken", "written to", a.CacheWriteTokens}, {"CacheReadToken", "read from", a.CacheReadTokens}} {
			if pc, ok := price(m.prefix + c.key); ok {
				perTurn += c.tokens * pc
				basis += fmt.Sprintf(", %s %s the prompt cache", num(c.tokens), c.what)
			} else if c.tokens > 0 {
				unpriced = append(unpriced, fmt.Sprintf("%s tokens %s the prompt cache", num(c.tokens), c.what))
			}
		}
		if len(unpriced) > 0 {
			basis += fmt.Sprintf("; not priced (docs/prices.json has no %sCacheWriteToken or %sCacheReadToken): %s", m.prefix, m.prefix, strings.Join(unpriced, " and "))
		}
		out = append(out, Beside{m.name, 1000 * share * perTurn, basis})
	}
	return out
}

// aiMarkdown is the report's section on the model's part.
func aiMarkdown(w func(string, ...any), a *AI) {
	w("\n## AI (golden corpus)\n\n")
	if a == nil {
		w("No %s result: the model's part was not measured, and its targets fail.\n", corpusBenchmark)
		return
	}
	w("`%s` (shared/wire) plays every customer message of the golden transcripts (`functions/local/testdata/golden/*.txt` and `shared/wire/testdata/corpus/*.txt`: %s conversations, %s messages) ",
		a.Benchmark, num(a.Conversations), num(a.Turns))
	w("through the worker's Lambda entry point with the language model on, each conversation a new customer, one message a turn: the rules read a message first, and only what they cannot read goes to the model. ")
	w("The model is the local stand-in (shared/dev/localmodel with the standin brain, behind the Bedrock adapter and the AWS SDK's Bedrock Runtime client, each brand on its own inference profile). ")
	w("Its token counts are the model server's own accounting (four characters a token, of the prompt the engine really builds: the brand's template, the store's menu and data, the tools, the history, the message), as the engine counted them from each response; ")
	w("its prompt cache is a simulation of Bedrock's (a prefix lives five minutes after its last use). ")
	w("%d run(s) of %d play(s) each (median of the runs).\n\n", a.Runs, a.N)
	w("| figure | per play of the corpus | target |\n|---|---|---|\n")
	w("| turns (customer messages) | %s | |\n", num(a.Turns))
	w("| turns with no model call | %s %% (%s turns): the rules %s %%, the answer cache %s turns | ≥ %d %% %s |\n", num(a.NoModelPercent), num(a.Turns-a.ModelTurns),
		num(a.RulesOnlyPercent), num(a.AnswerCacheHits), minNoModelPercent, passFail(a.NoModelPercent >= minNoModelPercent))
	w("| model turns (turns that called the model) | %s | |\n", num(a.ModelTurns))
	w("| model fallbacks (the model failed or its answer was refused: the rules answered) | %s | |\n", num(a.Fallbacks))
	w("\n| per model turn | tokens | target |\n|---|---|---|\n")
	w("| model calls (tool rounds and the answer) | %s | |\n", num(a.CallsPerModelTurn))
	w("| input tokens at full price (not read from the prompt cache) | %s | ≤ %d %s |\n", num(a.InputTokens), maxInputTokensModelTurn, passFail(a.InputTokens <= maxInputTokensModelTurn))
	w("| input tokens written to the prompt cache (billed at a premium) | %s | |\n", num(a.CacheWriteTokens))
	w("| input tokens read from the prompt cache | %s | |\n", num(a.CacheReadTokens))
	w("| output tokens | %s | |\n", num(a.OutputTokens))
	w("| prompt cache hit rate (tokens read from it over all input tokens) | %s %% | |\n\n", num(a.PromptCacheHitPercent))
	w("How to read these: ")
	w("the first call of a brand and store writes the prompt's cached prefix (the template, the menu, the tools), and the later calls of the run, minutes apart at most, read it: that is a busy brand's case. ")
	if a.CallsPerModelTurn > 0 {
		w("A brand whose model turns come more than five minutes apart writes the prefix again at each model turn's first call (about %s tokens, written instead of read; the turn's later calls still read it). ",
			num((a.CacheWriteTokens+a.CacheReadTokens)/a.CallsPerModelTurn))
	}
	w("Later plays of a run (with -benchtime above 1x) find the earlier answers to the same questions at the same store in the answer cache (30 minutes, exact words), which calls no model: those turns count as no model call and show apart as answer cache hits. ")
	w("The output tokens are the stand-in's short answers, not a real model's: a real model writes more (at most 500 tokens a call).\n")
	if len(a.ModelMessages) > 0 {
		w("\nThe messages that went to the model in the first play (or to its answer cache):\n\n| transcript | message | calls | input tokens (full price) | cache write | cache read | output | reply |\n|---|---|---|---|---|---|---|---|\n")
		for _, t := range a.ModelMessages {
			calls := num(t.ModelCalls)
			if t.AnswerCacheHit {
				calls = "answer cache"
			}
			if t.Fallback {
				calls += " (fallback)"
			}
			w("| %s:%d | %s | %s | %s | %s | %s | %s | %s |\n", t.File, t.Line, cell(t.Message), calls, num(t.InputTokens), num(t.CacheWriteTokens),
				num(t.CacheReadTokens), num(t.OutputTokens), cell(short(t.Reply, 120)))
		}
	}
}

// cell is text fit for a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "\n", " / ")
	return strings.ReplaceAll(s, "|", `\|`)
}

// short cuts s to n runes at most.
func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
