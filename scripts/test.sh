#!/usr/bin/env bash
# `make test`, run under scripts/with-emulator.sh: every module's tests, then the fuzz tests
# for a bounded time. Every step runs; the script fails if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-10s}"
status=0

# go test does not cross module boundaries in a workspace: name each module.
echo "== shared and functions (race detector on)"
go test -race -count=1 ./shared/... ./functions/... || status=1
echo "== infra (CDK assertions)"
go test -count=1 ./infra/... || status=1
echo "== cfn-lint: every environment's template (.cfnlintrc)"
make --no-print-directory cfn-lint || status=1
echo "== fuzz: webhook form parsing and signature path ($fuzztime)"
go test -run '^$' -fuzz '^FuzzWebhook$' -fuzztime "$fuzztime" ./shared/edge/twiliohook/ || status=1
echo "== fuzz: WhatsApp address parsing ($fuzztime)"
go test -run '^$' -fuzz '^FuzzParseWhatsAppAddress$' -fuzztime "$fuzztime" ./shared/domain/ || status=1
echo "== IAM policy evaluation (iam-simulate)"
node --test tools/iamcheck/ || status=1
exit $status
