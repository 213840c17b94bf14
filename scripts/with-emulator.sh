#!/usr/bin/env bash
# Run a command with an AWS emulator of its own: started on a free loopback port, exported
# as WABOT_TEST_ENDPOINT (with WABOT_DEV_TEMPLATE, the synthesized dev template), and stopped
# when the command ends, whether it passed or failed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mkdir -p .build

port="$(scripts/emulator.sh free-port)"
pid="$(scripts/emulator.sh start "$port" .build/emulator-$port.log)"
trap 'scripts/emulator.sh stop "$pid"' EXIT
echo "emulator on 127.0.0.1:$port (pid $pid)"

export WABOT_TEST_ENDPOINT="http://127.0.0.1:$port"
export WABOT_DEV_TEMPLATE="$root/cdk.out/dev/Wabot-dev.template.json"
"$@"
