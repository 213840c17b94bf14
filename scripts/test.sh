#!/usr/bin/env bash
# `make test`: start an emulator of its own on a free port, run every module's tests against
# it, and stop it whatever happens. Extra arguments go to `go test`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mkdir -p .build

port="$(scripts/emulator.sh free-port)"
pid="$(scripts/emulator.sh start "$port" .build/test-emulator.log)"
trap 'scripts/emulator.sh stop "$pid"' EXIT
echo "test: emulator on 127.0.0.1:$port (pid $pid)"

export WABOT_TEST_ENDPOINT="http://127.0.0.1:$port"
export WABOT_DEV_TEMPLATE="$root/cdk.out/dev/Wabot-dev.template.json"

status=0
# go test does not cross module boundaries in a workspace: run each module.
echo "test: shared and functions (race detector on)"
go test -race -count=1 "$@" ./shared/... ./functions/... || status=1
echo "test: infra (CDK assertions)"
go test -count=1 "$@" ./infra/... || status=1
exit $status
