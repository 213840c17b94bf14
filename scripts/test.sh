#!/usr/bin/env bash
# `make test`, run under scripts/with-emulator.sh: every module's tests, then the fuzz tests
# for a bounded time. Every step runs; the script fails if any failed, and ends with a summary
# of the failed steps and tests (CI shows the end of the log).
set -uo pipefail
cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-10s}"
status=0
failed=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# step NAME CMD...: runs CMD, echoing its output and keeping it for the summary.
step() {
  local name=$1; shift
  echo "== $name"
  if ! "$@" 2>&1 | tee -a "$log"; then
    status=1
    failed+=("$name")
  fi
}

# go test does not cross module boundaries in a workspace: name each module.
step "shared and functions (race detector on)" go test -race -count=1 ./shared/... ./functions/...
step "infra (CDK assertions)" go test -count=1 ./infra/...
step "cfn-lint: every environment's template (.cfnlintrc)" make --no-print-directory cfn-lint
step "fuzz: webhook form parsing and signature path ($fuzztime)" go test -run '^$' -fuzz '^FuzzWebhook$' -fuzztime "$fuzztime" ./shared/edge/twiliohook/
step "fuzz: WhatsApp address parsing ($fuzztime)" go test -run '^$' -fuzz '^FuzzParseWhatsAppAddress$' -fuzztime "$fuzztime" ./shared/domain/
step "IAM policy evaluation (iam-simulate)" node --test tools/iamcheck/
# One file at a time: each starts a local runner of its own on the shared emulator.
step "admin UI in Chromium (playwright-core, axe-core; screenshots in .build/ui-test/screenshots)" \
  node --test --test-concurrency=1 web/admin/test/

if [ "$status" -ne 0 ]; then
  echo
  echo "== FAILED: ${#failed[@]} step(s)"
  printf '  - %s\n' "${failed[@]}"
  echo "== failing tests and packages:"
  grep -E '^(--- FAIL|FAIL|panic:|not ok)|^\s+[a-z_]+_test\.go:[0-9]+:' "$log" | head -60
fi
exit $status
