#!/usr/bin/env bash
# `make dev`: start the local AWS emulator, then the local runner (.build/local: webhook,
# worker, outbox, /healthz) on 127.0.0.1:${PORT:-8080} until Ctrl-C; the emulator stops with it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

emu_port="${WABOT_EMULATOR_PORT:-4566}"
endpoint="http://127.0.0.1:$emu_port"
mkdir -p .build
pid=""
if curl -fsS -o /dev/null "$endpoint/moto-api/" 2>/dev/null; then
  echo "dev: reusing the emulator already running at $endpoint"
else
  pid="$(scripts/emulator.sh start "$emu_port" .build/emulator.log)"
  echo "dev: emulator started at $endpoint (pid $pid, log .build/emulator.log)"
fi
cleanup() {
  if [ -n "$pid" ]; then scripts/emulator.sh stop "$pid"; echo "dev: emulator stopped"; fi
}
trap cleanup EXIT

echo "dev: local server on http://127.0.0.1:${PORT:-8080} (Ctrl-C stops everything)"
WABOT_ASAAS_STATE="${WABOT_ASAAS_STATE:-.build/local-asaas.json}" WABOT_AWS_ENDPOINT="$endpoint" WABOT_TEMPLATE="${WABOT_TEMPLATE:-cdk.out/dev/Wabot-dev.template.json}" .build/local
