package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

func passFail(ok bool) string {
	if ok {
		return "**pass**"
	}
	return "**FAIL**"
}

// num prints v with the digits it deserves.
func num(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 100 || v == float64(int64(v)):
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// usd prints dollars with four significant digits.
func usd(v float64) string {
	if v == 0 {
		return "$0"
	}
	return "$" + strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.6f", v), "0"), ".")
}

func markdown(r *Report) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# `make bench` report\n\n")
	w("Generated %s", r.Generated.Format("2006-01-02 15:04 UTC"))
	if r.Machine != "" {
		w(" on %s", r.Machine)
	}
	if r.BenchConfig != "" {
		w("; benchmarks run with `%s`", r.BenchConfig)
	}
	w(". Every AWS service is the local emulator (moto) on loopback: times are this machine's, not AWS's; call counts, units and item sizes are the code's own.\n\n")

	w("## Targets\n\n| target | measured | limit | result |\n|---|---|---|---|\n")
	for _, t := range r.Targets {
		v, l := num(t.Value)+" "+t.Unit, num(t.Limit)+" "+t.Unit
		if t.Unit == "US$" {
			v, l = usd(t.Value), usd(t.Limit)
		}
		if t.AtLeast {
			l = "≥ " + l
		}
		if t.NotMeasured {
			v = "—"
		}
		note := ""
		if t.Note != "" {
			note = ": " + t.Note
		}
		w("| %s%s | %s | %s | %s |\n", t.Name, note, v, l, passFail(t.Pass))
	}
	for _, n := range r.Notes {
		w("\n> %s\n", n)
	}

	w("\n## Per path (median of the runs, per message)\n\n")
	w("| path | ns/op | CPU ns/op | B/op | allocs/op | AWS calls | DynamoDB | SQS | Secrets Manager | DynamoDB WRU (of which indexes) | DynamoDB RRU | SQS billed requests | conversation item after the turn | largest item written |\n")
	w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, p := range r.Paths {
		m := p.Metrics
		conv := "—"
		if v, ok := m["conv-item-bytes"]; ok {
			conv = num(v) + " B"
		}
		w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s B |\n", p.Name,
			num(m["ns/op"]), num(m["cpu-ns/op"]), num(m["B/op"]), num(m["allocs/op"]), num(m["aws-calls/op"]),
			num(m["dynamodb-calls/op"]), num(m["sqs-calls/op"]), num(m["secrets-calls/op"]),
			num(m["ddb-wru/op"])+" ("+num(m["ddb-index-wru/op"])+")", num(m["ddb-rru/op"]), num(m["sqs-billed-requests/op"]), conv, num(m["max-item-bytes"]))
	}
	w("\nCalls by API operation, per message:\n\n")
	for _, p := range r.Paths {
		ops := make([]string, 0, len(p.CallsByOp))
		for op := range p.CallsByOp {
			ops = append(ops, op)
		}
		sort.Strings(ops)
		parts := make([]string, 0, len(ops))
		for _, op := range ops {
			parts = append(parts, fmt.Sprintf("%s %s", op, num(p.CallsByOp[op])))
		}
		w("- %s: %s\n", p.Name, strings.Join(parts, ", "))
	}
	w("\nThe worker's turns run through its Lambda entry point (an SQS event of one record), the webhook's through its handler; caches warm, as in a warm Lambda. ")
	w("ns/op includes the round trips to the emulator; CPU ns/op is this process's CPU per message.\n\n")
	w("**How the DynamoDB units were obtained.** %s\n", r.UnitsMethod)

	aiMarkdown(w, r.AI)

	if c := r.ColdStart; c != nil {
		w("\n## Cold start (process start to first handled event)\n\n")
		w("%s Built for %s/%s with `CGO_ENABLED=0 -tags lambda.norpc -trimpath -ldflags='-s -w'`; this machine cannot run the arm64 build. ", c.Note, c.GOOS, c.GOARCH)
		w("Each run starts the binary against a Runtime API on loopback and hands it a realistic event (webhook: API Gateway HTTP API event with a signed Twilio delivery; worker: SQS event, a new customer's first message, replied through a local Twilio), then a second, warm one.\n\n")
		w("| function | runs | init (exec to first /next), median | first event handled: min | median | max | warm event, median | peak RSS | binary (this machine) |\n|---|---|---|---|---|---|---|---|---|\n")
		for _, f := range c.Functions {
			w("| %s | %d | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.1f MB | %.1f MB |\n", f.Function, len(f.Runs), f.InitMs.Median,
				f.FirstEventMs.Min, f.FirstEventMs.Median, f.FirstEventMs.Max, f.WarmMs.Median, float64(f.MaxRSSKB)/1024, float64(f.BinaryBytes)/1e6)
		}
	}

	w("\n## Binary sizes (arm64 Lambda builds)\n\n| function | path | size | limit | result |\n|---|---|---|---|---|\n")
	for _, bin := range r.Binaries {
		w("| %s | `%s` | %.2f MB (%d bytes) | %.0f MB | %s |\n", bin.Function, bin.Path, float64(bin.Bytes)/1e6, bin.Bytes, float64(bin.Limit)/1e6, passFail(bin.Pass))
	}

	cr := r.Cost
	w("\n## Cost model: US$ per 1,000 messages\n\n")
	w("A message is one inbound customer message: webhook (API Gateway, Lambda) → inbound FIFO queue → one worker turn (Lambda) → one reply. ")
	w("List prices of %s (%s) from `docs/prices.json`; memory from `infra/stacks/runtime.go` (webhook %d MB, worker %d MB, arm64). ", cr.Region, cr.AsOf, cr.MemoryMB["webhook"], cr.MemoryMB["worker"])
	w("Time-based costs (queue polling, key and secret caches) are spread over messages at an assumed %.0f messages an hour. No free tiers.\n\n", cr.MessagesPerHour)
	turns := []string{}
	for _, p := range paths[1:] {
		turns = append(turns, p.Key)
	}
	w("| service |")
	for _, t := range turns {
		w(" %s |", t)
	}
	w(" **turn mix** |\n|---|")
	for range turns {
		w("---|")
	}
	w("---|\n")
	for i, line := range cr.Mix.Lines {
		w("| %s |", line.Service)
		for _, t := range turns {
			w(" %s |", usd(cr.ByTurn[t].Lines[i].USD))
		}
		w(" **%s** |\n", usd(line.USD))
	}
	w("| **total** |")
	for _, t := range turns {
		w(" **%s** %s |", usd(cr.ByTurn[t].Total), passFailShort(cr.ByTurn[t].Total <= maxUSDPer1000))
	}
	w(" **%s** %s |\n\n", usd(cr.Mix.Total), passFailShort(cr.Mix.Total <= maxUSDPer1000))
	mix := make([]string, 0, len(cr.TurnMix))
	for _, t := range turns {
		if wgt, ok := cr.TurnMix[t]; ok {
			mix = append(mix, fmt.Sprintf("%s %s", t, num(wgt)))
		}
	}
	w("Each turn column prices 1,000 messages that are all that kind of turn; the turn mix weighs them %s.\n\n", strings.Join(mix, ", "))
	w("What each line counts (the cart turn):\n\n")
	for _, line := range cr.ByTurn["cart"].Lines {
		w("- %s: %s\n", line.Service, line.Basis)
	}
	w("\nThe mix at other traffic rates: ")
	rates := make([]string, 0, len(cr.AtRates))
	for _, rc := range cr.AtRates {
		rates = append(rates, fmt.Sprintf("%.0f messages/hour %s", rc.MessagesPerHour, usd(rc.USD)))
	}
	w("%s.\n\n", strings.Join(rates, "; "))
	if cr.Counters.MaxAgeS > 0 {
		w("The daily counters: an instance writes a key's traffic counts (messages, conversations, errors) at most once per %.0f s, and a key holding an order, revenue or a handoff with its batch (%.2f WRU a write, measured). ", cr.Counters.MaxAgeS, cr.Counters.WRUPerWrite)
		w("Had every batch written what it counted (one write a message in batches of one), the mix would cost %s.\n\n", usd(cr.CountersEveryBatch))
	}
	w("Not per message, so not above: the customer-managed KMS key (US$1 a month, plus US$1 a month per yearly rotation), two secrets per brand (US$0.40 each a month), CloudWatch logs, metrics and alarms, and cache refresh reads of brand and menu configuration (every 60 s per warm function).\n\n")

	w("### Beside the infrastructure, for scale (not in the total)\n\n| item | US$ per 1,000 | basis |\n|---|---|---|\n")
	for _, x := range cr.Beside {
		w("| %s | %s | %s |\n", x.Item, usd(x.USD), x.Basis)
	}

	w("\n### Assumptions\n\n")
	keys := make([]string, 0, len(cr.Assumptions))
	for k := range cr.Assumptions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		a := cr.Assumptions[k]
		unused := ""
		if r.AI != nil && (k == aBedrockInputTokens || k == aBedrockOutputTokens) {
			unused = " (not used: the Bedrock lines above use the golden corpus's measurement)"
		}
		w("- `%s` = %s: %s%s\n", k, num(a.Value), a.Why, unused)
	}
	w("\n### Prices (as of %s, %s)\n\n| price | US$ | per | unit | source | checked |\n|---|---|---|---|---|---|\n", cr.AsOf, cr.Region)
	keys = keys[:0]
	for k := range cr.Prices {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := cr.Prices[k]
		w("| %s | %s | %s | %s | %s | %s |\n", k, strconv.FormatFloat(p.USD, 'f', -1, 64), strconv.FormatFloat(p.Per, 'f', -1, 64), p.Unit, p.Source, p.Checked)
	}
	if len(r.Other) > 0 {
		w("\n## Other benchmarks\n\n")
		for _, o := range r.Other {
			w("- %s: %s ns/op\n", o.Name, num(o.Metric("ns/op")))
		}
	}
	return b.String()
}

func passFailShort(ok bool) string {
	if ok {
		return "pass"
	}
	return "FAIL"
}
