#!/usr/bin/env bash
# Start and stop the local AWS emulator (moto in server mode, from the project's .venv, through
# tools/emulator.py, which makes its DynamoDB conditional writes atomic).
#   scripts/emulator.sh start PORT LOGFILE   starts it on 127.0.0.1:PORT, waits until it answers,
#                                            prints its PID
#   scripts/emulator.sh stop PID             stops it
#   scripts/emulator.sh free-port            prints a free loopback TCP port
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

case "${1:-}" in
start)
  port="$2"; logfile="$3"
  "$root/.venv/bin/python" "$root/tools/emulator.py" -H 127.0.0.1 -p "$port" >"$logfile" 2>&1 &
  pid=$!
  for _ in $(seq 1 150); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "emulator exited at start; its log ($logfile):" >&2; tail -n 20 "$logfile" >&2; exit 1
    fi
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/" 2>/dev/null; then
      echo "$pid"; exit 0
    fi
    sleep 0.2
  done
  kill "$pid" 2>/dev/null || true
  echo "emulator did not answer on 127.0.0.1:$port within 30s" >&2; exit 1
  ;;
stop)
  pid="$2"
  kill "$pid" 2>/dev/null || exit 0
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  ;;
free-port)
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
  ;;
*)
  echo "usage: $0 start PORT LOGFILE | stop PID | free-port" >&2; exit 2
  ;;
esac
