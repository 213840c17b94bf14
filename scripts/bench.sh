#!/usr/bin/env bash
# `make bench`, run under scripts/with-emulator.sh: measures the message path and writes a
# report, .build/bench/report.md (printed) and .build/bench/report.json:
#   1. the benchmarks of shared/wire (webhook; identification, known customer's, cart and
#      checkout turns through the worker's Lambda entry point): ns/op, CPU, B/op, allocs/op,
#      AWS calls by service and operation, DynamoDB write and read units, item sizes; and,
#      apart, BenchmarkGoldenCorpus: the golden corpus played with the language model on (the
#      local model stand-in), its turns without a model call, tokens and prompt cache, and
#      each turn in $out/corpus-turns.json;
#   2. the cold start of each function binary (functions/local/coldstart), built for this
#      machine with the Lambda build's flags;
#   3. the sizes of the arm64 Lambda binaries (.build/lambda/<name>/bootstrap, which the
#      Makefile builds first);
#   4. a cost model in US$ per 1,000 messages from those counts and docs/prices.json
#      (functions/local/benchreport), with the issue's targets passed or failed.
# BENCHTIME and BENCHCOUNT set go test's -benchtime and -count (CORPUS_BENCHTIME, default 1x,
# the golden corpus's: a play is some hundred turns, and later plays of a run find earlier
# answers in the answer cache, so 1x measures each turn once); COLDSTART_RUNS the processes
# started per function; BENCH_STRICT=1 makes a failed target fail the command; BENCH_OUT the
# directory of the report (default .build/bench); BENCH_DAILY_MAX_AGE (a Go duration, -1s:
# every batch) how long the worker's daily counters may wait, to measure another policy than
# the default (metrics.DefaultMaxAge).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${BENCH_OUT:-.build/bench}"
mkdir -p "$out/native/webhook" "$out/native/worker"
benchtime="${BENCHTIME:-300x}"
count="${BENCHCOUNT:-3}"
corpustime="${CORPUS_BENCHTIME:-1x}"
corpusturns="$(cd "$out" && pwd)/corpus-turns.json" # absolute: go test runs in the package's directory
rm -f "$corpusturns"

echo "== benchmarks (-benchtime $benchtime -count $count)"
WABOT_BENCH_DAILY_MAX_AGE="${BENCH_DAILY_MAX_AGE:-}" \
  go test -run '^$' -bench . -skip '^BenchmarkGoldenCorpus$' -benchmem -benchtime "$benchtime" -count "$count" ./shared/wire/ | tee "$out/bench.txt"

echo "== golden corpus with the model (-benchtime $corpustime -count $count)"
WABOT_BENCH_DAILY_MAX_AGE="${BENCH_DAILY_MAX_AGE:-}" WABOT_BENCH_CORPUS_TURNS="$corpusturns" \
  go test -run '^$' -bench '^BenchmarkGoldenCorpus$' -benchtime "$corpustime" -count "$count" ./shared/wire/ | tee -a "$out/bench.txt"

echo "== cold starts (${COLDSTART_RUNS:-5} runs a function, binaries built for $(go env GOOS)/$(go env GOARCH))"
for f in webhook worker; do
  CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -ldflags='-s -w' -o "$out/native/$f/bootstrap" "./functions/$f"
done
go build -o "$out/coldstart" ./functions/local/coldstart
go build -o "$out/benchreport" ./functions/local/benchreport
"$out/coldstart" -webhook "$out/native/webhook/bootstrap" -worker "$out/native/worker/bootstrap" \
  -runs "${COLDSTART_RUNS:-5}" -out "$out/coldstart.json"

echo "== report"
strict=()
if [ "${BENCH_STRICT:-0}" = 1 ]; then strict=(-strict); fi
"$out/benchreport" -bench "$out/bench.txt" -coldstart "$out/coldstart.json" \
  -prices docs/prices.json -runtime infra/stacks/runtime.go -corpus-turns "$corpusturns" \
  -binary webhook=.build/lambda/webhook/bootstrap -binary worker=.build/lambda/worker/bootstrap -binary admin=.build/lambda/admin/bootstrap \
  -config "-benchtime $benchtime -count $count; golden corpus -benchtime $corpustime -count $count" -out "$out" ${strict[@]+"${strict[@]}"}
echo
echo "report: $out/report.md and $out/report.json"
